import { defineRule } from '../rule.js';
import { starttlsFailedDrafts } from '../checks/starttls-failed.js';

export const pop3StarttlsFailed = defineRule({
  id: 'pop3.starttls-failed',
  severity: 'error',
  title: 'STLS refused',
  explanation: 'The client asked to switch to TLS with STLS and the server answered -ERR: TLS is not configured on the server (no certificate), STLS is not offered on this port, or it was sent in the wrong state.',
  fix: 'Configure a certificate for POP3 on the server, or use port 995 (implicit TLS). Check CAPA lists STLS.',
  references: ['RFC 2595 §4 (STLS)', 'RFC 8314'],
  check: (conv) => (conv.protocol === 'pop3' ? starttlsFailedDrafts(conv, 'STLS') : []),
});
