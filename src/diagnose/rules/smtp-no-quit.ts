import { defineRule } from '../rule.js';
import { noFarewellDrafts } from '../checks/farewell.js';

export const smtpNoQuit = defineRule({
  id: 'smtp.no-quit',
  severity: 'info',
  title: 'Client left without QUIT',
  explanation: 'The client closed the connection without QUIT (RFC 5321 §4.1.1.10). A message that was accepted (250 after DATA) is sent anyway; harmless, but a client that drops the connection in the middle of a transaction may not know whether its message went out.',
  fix: 'Nothing to do if the message was accepted; otherwise look at what the client was waiting for when it left.',
  references: ['RFC 5321 §4.1.1.10'],
  check: (conv) => (conv.protocol === 'smtp' ? noFarewellDrafts(conv, 'QUIT') : []),
});
