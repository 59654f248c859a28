import { defineRule } from '../rule.js';
import { unknownCommandDrafts } from '../checks/unknown-command.js';

export const imapUnknownCommand = defineRule({
  id: 'imap.unknown-command',
  severity: 'warning',
  title: 'Unknown IMAP command',
  explanation:
    'The client sent a command IMAP does not have — often a POP3 or SMTP habit (`AUTH` where IMAP has AUTHENTICATE or LOGIN, `USER`, `QUIT`) or a typo. The server answers BAD (Exchange 2003: `Protocol Error: "Expected SPACE not found"` or `"Unidentifiable command specified"`), and a client that then shows "wrong password" misleads the user.',
  fix: 'Use the command the finding suggests. If a client sends it, it has a bug or is configured for the wrong protocol: check its account type (IMAP vs POP3) and update it.',
  references: ['RFC 9051 §6 (client commands)', 'RFC 3501 §6'],
  live: true,
  check: (conv) => (conv.protocol === 'imap' ? unknownCommandDrafts(conv, 'imap') : []),
});
