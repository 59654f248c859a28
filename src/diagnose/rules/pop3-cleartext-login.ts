import { defineRule } from '../rule.js';
import { cleartextLoginDrafts } from '../checks/cleartext-login.js';

export const pop3CleartextLogin = defineRule({
  id: 'pop3.cleartext-login',
  severity: 'warning',
  title: 'POP3 password sent in cleartext',
  explanation:
    'USER/PASS, or AUTH with a mechanism that carries the password or token itself (PLAIN, LOGIN, XOAUTH2, OAUTHBEARER), was used on a connection without TLS: anyone who can see the traffic (this capture included) can read the credentials.',
  fix: 'Use POP3 over TLS on port 995, or STLS before logging in, and make the client require it. On the server, refuse cleartext authentication before TLS.',
  references: ['RFC 8314 §3-4 (use of TLS for email access)', 'RFC 2595 §4 (STLS)', 'RFC 1939 §7 (USER/PASS)'],
  verdict: { cause: 'password sent in cleartext', fix: 'use port 995 or STLS, and make the client require it' },
  live: true,
  check: (conv) => (conv.protocol === 'pop3' ? cleartextLoginDrafts(conv) : []),
});
