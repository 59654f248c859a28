import { defineRule } from '../rule.js';
import { authCancelledDrafts } from '../checks/auth-cancelled.js';

export const pop3AuthCancelled = defineRule({
  id: 'pop3.auth-cancelled',
  severity: 'info',
  title: 'POP3 AUTH cancelled by the client',
  explanation: 'The client answered a SASL challenge with "*", cancelling AUTH (RFC 5034 §4). Clients do this when they cannot complete a mechanism and fall back to another.',
  fix: 'Nothing, unless no later login succeeded: then check which mechanisms the client and server share.',
  references: ['RFC 5034 §4'],
  live: true,
  check: (conv) => (conv.protocol === 'pop3' ? authCancelledDrafts(conv) : []),
});
