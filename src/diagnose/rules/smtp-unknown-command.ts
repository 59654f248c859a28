import { defineRule } from '../rule.js';
import { unknownCommandDrafts } from '../checks/unknown-command.js';

export const smtpUnknownCommand = defineRule({
  id: 'smtp.unknown-command',
  severity: 'warning',
  title: 'Command SMTP does not have',
  explanation: 'The client sent a command that is neither in RFC 5321 nor in a common extension; the server usually answers `502 5.5.2 Error: command not recognized`. Often an IMAP/POP3 command sent to the SMTP port, or a typo.',
  fix: 'Configure the client for the right protocol and port (SMTP submission: 587 or 465), or fix the command.',
  references: ['RFC 5321 §4.1 and §4.2.4'],
  live: true,
  check: (conv) => (conv.protocol === 'smtp' ? unknownCommandDrafts(conv, 'smtp') : []),
});
