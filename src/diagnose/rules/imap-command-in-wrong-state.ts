import { defineRule } from '../rule.js';
import { summariseAnomalies } from '../checks/anomalies.js';

export const imapCommandInWrongState = defineRule({
  id: 'imap.command-in-wrong-state',
  severity: 'warning',
  title: 'Command in the wrong session state',
  explanation: 'A command was sent in a state where it is not allowed, e.g. SELECT or FETCH before a successful login, or FETCH without a selected mailbox. Usually an earlier step failed silently (a refused LOGIN the client ignored, a failed SELECT); Exchange answers `Command received in Invalid state.`.',
  fix: 'Look at the earlier LOGIN/SELECT result in the dialogue; fix the client\'s error handling.',
  references: ['RFC 9051 §3 (state and flow diagram)'],
  check: (conv) => (conv.protocol === 'imap' ? summariseAnomalies(conv, ['wrong-state'], (n, a) => `${n === 1 ? 'A command was' : `${n} commands were`} sent in the wrong state (first at frame ${a.frame}${a.detail ? `: ${a.detail}` : ''}).`) : []),
});
