import { defineRule } from '../rule.js';
import { eachAnomaly } from '../checks/anomalies.js';

export const imapTruncatedResponse = defineRule({
  id: 'imap.truncated-response',
  severity: 'warning',
  title: 'IMAP response cut short',
  explanation: 'The connection (or the capture) ended in the middle of a response line or inside a literal (a message body being fetched): what the client received is incomplete.',
  fix: 'Look at why the connection ended (tcp.reset, tcp.gap, a server crash); for large FETCHes check timeouts on proxies and firewalls.',
  references: ['RFC 9051 §4.3 (literals)'],
  check: (conv) => (conv.protocol === 'imap' ? eachAnomaly(conv, ['truncated-response'], (a) => `A server response was cut short at frame ${a.frame}${a.detail ? ` (${a.detail})` : ''}.`, 2) : []),
});
