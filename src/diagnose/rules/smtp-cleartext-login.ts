import { defineRule } from '../rule.js';
import { cleartextLoginDrafts } from '../checks/cleartext-login.js';

export const smtpCleartextLogin = defineRule({
  id: 'smtp.cleartext-login',
  severity: 'warning',
  title: 'SMTP AUTH sent without encryption',
  explanation:
    'AUTH PLAIN, AUTH LOGIN, XOAUTH2 and OAUTHBEARER carry the password or token itself, only base64-encoded: on a connection without TLS anyone on the path can read it. Submission must be protected by TLS (RFC 8314 recommends implicit TLS on 465; STARTTLS on 587 is the alternative).',
  fix: 'Set the client\'s connection security to SSL/TLS on port 465, or STARTTLS on 587; on the server, offer AUTH only inside TLS (Postfix: smtpd_tls_auth_only = yes). Change the password if the network is not trusted.',
  references: ['RFC 8314 §3', 'RFC 4954 §4 and §9', 'RFC 4616 §6'],
  live: true,
  check: (conv) => (conv.protocol === 'smtp' ? cleartextLoginDrafts(conv) : []),
});
