import { defineRule } from '../rule.js';
import { starttlsFailedDrafts } from '../checks/starttls-failed.js';

export const imapStarttlsFailed = defineRule({
  id: 'imap.starttls-failed',
  severity: 'error',
  title: 'STARTTLS refused',
  explanation: 'The client asked to switch to TLS with STARTTLS and the server answered NO or BAD: TLS is not configured (no certificate), STARTTLS is not offered on this port or in this state (e.g. after login), or it was already active.',
  fix: 'Configure a certificate for IMAP on the server, check that CAPABILITY lists STARTTLS, send STARTTLS before logging in, or use port 993.',
  references: ['RFC 9051 §6.2.1 (STARTTLS)', 'RFC 8314'],
  check: (conv) => (conv.protocol === 'imap' ? starttlsFailedDrafts(conv, 'STARTTLS') : []),
});
