import { defineRule } from '../rule.js';
import { cleartextLoginDrafts } from '../checks/cleartext-login.js';

export const imapCleartextLogin = defineRule({
  id: 'imap.cleartext-login',
  severity: 'warning',
  title: 'IMAP password sent in cleartext',
  explanation:
    'LOGIN, or AUTHENTICATE with a mechanism that carries the password or token itself (PLAIN, LOGIN, XOAUTH2, OAUTHBEARER), was used on a connection without TLS: anyone able to see the traffic — this capture included — can read the credentials.',
  fix: 'Use IMAP over TLS on port 993 or STARTTLS before logging in, and make the client require it; on the server advertise LOGINDISABLED before TLS.',
  references: ['RFC 8314 §3-4', 'RFC 9051 §6.2.3 (LOGIN) and §11.1', 'RFC 4616 §4 (PLAIN security)'],
  verdict: { cause: 'password sent in cleartext', fix: 'use port 993 or STARTTLS, and make the client require it' },
  live: true,
  check: (conv) => (conv.protocol === 'imap' ? cleartextLoginDrafts(conv) : []),
});
