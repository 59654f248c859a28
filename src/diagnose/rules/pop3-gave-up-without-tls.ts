import { defineRule } from '../rule.js';
import { gaveUpWithoutTlsDrafts } from '../checks/gave-up-without-tls.js';

export const pop3GaveUpWithoutTls = defineRule({
  id: 'pop3.gave-up-without-tls',
  severity: 'error',
  title: 'The client left without logging in: the server requires TLS',
  explanation:
    'The server refuses cleartext logins on this connection and said so in its capabilities (a CAPA without USER (Dovecot before STLS)), and the client, not set to use TLS, ended the session without trying to log in (a careful client, such as mbsync or fetchmail, refuses to send the password in the clear). No mail can be read this way; the capabilities usually offer STLS, which the client did not use.',
  fix: 'Set the client to use STLS on this port, or implicit TLS on port 995. Only on a trusted network: allow cleartext logins on the server.',
  references: ['RFC 9051 §6.2.3 (LOGINDISABLED)', 'RFC 2595 (STARTTLS and STLS)', 'RFC 8314 (implicit TLS for mail access)'],
  check: (conv) => (conv.protocol === 'pop3' ? gaveUpWithoutTlsDrafts(conv) : []),
});
