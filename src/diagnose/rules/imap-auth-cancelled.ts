import { defineRule } from '../rule.js';
import { authCancelledDrafts } from '../checks/auth-cancelled.js';

export const imapAuthCancelled = defineRule({
  id: 'imap.auth-cancelled',
  severity: 'info',
  title: 'AUTHENTICATE cancelled by the client',
  explanation: 'The client answered a SASL challenge with "*", cancelling AUTHENTICATE (the server then answers BAD or NO). Clients do this when they cannot complete a mechanism (e.g. NTLM or GSSAPI without a ticket) and fall back to another.',
  fix: 'Nothing, unless no later login succeeded: then check which mechanisms client and server share.',
  references: ['RFC 9051 §6.2.2', '[MS-OXIMAP4] §2.2.1'],
  live: true,
  check: (conv) => (conv.protocol === 'imap' ? authCancelledDrafts(conv) : []),
});
