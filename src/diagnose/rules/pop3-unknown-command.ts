import { defineRule } from '../rule.js';
import { unknownCommandDrafts } from '../checks/unknown-command.js';

export const pop3UnknownCommand = defineRule({
  id: 'pop3.unknown-command',
  severity: 'warning',
  title: 'Unknown POP3 command',
  explanation: 'The client sent a command POP3 does not have (a typo, an IMAP command such as LOGIN, or a private extension). The server answers -ERR and the client may misread that as a failed login.',
  fix: 'Use the command named in the finding; check the client\'s protocol setting (POP3 vs IMAP) and port.',
  references: ['RFC 1939 §3-7', 'RFC 2449 §5 (CAPA)'],
  live: true,
  check: (conv) => (conv.protocol === 'pop3' ? unknownCommandDrafts(conv, 'pop3') : []),
});
