import { defineRule } from '../rule.js';
import { eachAnomaly } from '../checks/anomalies.js';

export const pop3TruncatedResponse = defineRule({
  id: 'pop3.truncated-response',
  severity: 'warning',
  title: 'POP3 answer cut short',
  explanation: 'A multi-line answer (RETR, TOP, LIST, UIDL, CAPA) never got its terminating "." line: the connection ended, or the server sent the next answer without it. A message downloaded this way is incomplete.',
  fix: 'Look at why the connection ended (tcp.reset, tcp.gap); a server that omits the terminator has a bug.',
  references: ['RFC 1939 §3 (multi-line responses)'],
  check: (conv) => (conv.protocol === 'pop3' ? eachAnomaly(conv, ['truncated-response'], (a) => `A multi-line answer was cut short at frame ${a.frame}${a.detail ? ` (${a.detail})` : ''}.`) : []),
});
