import { defineRule } from '../rule.js';
import { serverWords } from '../checks/server-words.js';
import { loginFailedDrafts } from '../checks/login-failed.js';

export const pop3LoginFailed = defineRule({
  id: 'pop3.login-failed',
  severity: 'error',
  title: 'POP3 login refused',
  explanation:
    'The server answered -ERR to PASS, APOP or AUTH. The extended response code, when the server sends one, says why: [AUTH] the credentials were judged and refused; [IN-USE] another session holds the mailbox lock; [SYS/TEMP] a temporary server problem (the credentials may be fine); [SYS/PERM] a permanent server problem; [LOGIN-DELAY] logging in again too soon. The finding adds what the knowledge base knows about the exact reply.',
  fix: 'Follow the meaning given in the finding: check the user name form and password for [AUTH], close the other client for [IN-USE], retry later for [SYS/TEMP].',
  references: ['RFC 1939 §7', 'RFC 2449 §8.1 ([IN-USE], [LOGIN-DELAY])', 'RFC 3206 ([SYS/TEMP], [SYS/PERM], [AUTH])'],
  verdict: { generic: true, detail: serverWords, fix: 'check the user name form and the password; the server\'s words say more' },
  live: true,
  check: (conv) => (conv.protocol === 'pop3' ? loginFailedDrafts(conv) : []),
});
