import { defineRule } from '../rule.js';
import { malformedDrafts } from '../checks/malformed.js';

export const pop3Malformed = defineRule({
  id: 'pop3.malformed',
  severity: 'warning',
  title: 'Malformed POP3 lines',
  explanation: 'Lines that are neither a POP3 command nor a +OK/-ERR status line where one was expected: a client or server bug, a different protocol on this port, binary data, or a line cut by a gap in the capture.',
  fix: 'Look at the quoted frames in Wireshark. Check that client and server speak POP3 on this port (not TLS, not IMAP).',
  references: ['RFC 1939 §3'],
  check: (conv) => (conv.protocol === 'pop3' ? malformedDrafts(conv) : []),
});
