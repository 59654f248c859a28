import { defineRule } from '../rule.js';
import { noFarewellDrafts } from '../checks/farewell.js';

export const pop3NoQuit = defineRule({
  id: 'pop3.no-quit',
  severity: 'info',
  title: 'Client left without QUIT',
  explanation: 'The client closed the connection without QUIT. Messages it marked with DELE are then not deleted (the UPDATE state is never reached), and the server may keep the mailbox locked for a while.',
  fix: 'Nothing, unless deletions did not happen or the next login gets [IN-USE].',
  references: ['RFC 1939 §6 (UPDATE state)'],
  check: (conv) => (conv.protocol === 'pop3' ? noFarewellDrafts(conv, 'QUIT') : []),
});
