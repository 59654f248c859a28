import { defineRule } from '../rule.js';
import { malformedDrafts } from '../checks/malformed.js';

export const imapMalformed = defineRule({
  id: 'imap.malformed',
  severity: 'warning',
  title: 'Malformed IMAP lines',
  explanation: 'Lines that do not follow the IMAP grammar (the parser\'s reason is given): a client or server bug, a line cut by a capture gap, or another protocol on this port.',
  fix: 'Look at the quoted frames in Wireshark and at the reason; check that both sides speak IMAP on this port.',
  references: ['RFC 9051 §9 (formal syntax)'],
  check: (conv) => (conv.protocol === 'imap' ? malformedDrafts(conv) : []),
});
