import { defineRule } from '../rule.js';
import { summariseAnomalies } from '../checks/anomalies.js';

export const imapMissingCompletion = defineRule({
  id: 'imap.missing-completion',
  severity: 'warning',
  title: 'Command never answered',
  explanation: 'A command got no tagged completion before the connection (or the capture) ended: the server hung or dropped the connection, the answer was lost in a capture gap, or the client gave up waiting.',
  fix: 'Look at what ended the connection (tcp.reset, imap.server-bye, tcp.gap) and at the server\'s load and logs for that time.',
  references: ['RFC 9051 §2.2.2 (every command gets a completion)'],
  check: (conv) => (conv.protocol === 'imap' ? summariseAnomalies(conv, ['missing-completion'], (n, a) => `${n === 1 ? 'A command' : `${n} commands`} never got a completion (first at frame ${a.frame}${a.detail ? `: ${a.detail}` : ''}).`) : []),
});
