import { defineRule } from '../rule.js';
import { serverWords } from '../checks/server-words.js';
import { loginFailedDrafts } from '../checks/login-failed.js';

export const imapLoginFailed = defineRule({
  id: 'imap.login-failed',
  severity: 'error',
  title: 'IMAP login refused',
  explanation:
    'The server answered NO (or BAD) to LOGIN or AUTHENTICATE. The response code says more when there is one (RFC 5530: AUTHENTICATIONFAILED, AUTHORIZATIONFAILED, EXPIRED, PRIVACYREQUIRED, CONTACTADMIN, UNAVAILABLE...), and many servers have their own wording; the finding adds what the knowledge base knows about the exact reply, which is often not "wrong password" at all.',
  fix: 'Follow the meaning given in the finding. For a plain credentials refusal: check the user name form (user, user@domain, DOMAIN\\user) and the password, and whether the account may use IMAP.',
  references: ['RFC 9051 §6.2.2-6.2.3', 'RFC 5530 §3 (response codes)'],
  verdict: { generic: true, detail: serverWords, fix: 'check the user name form and the password; the server\'s words say more' },
  live: true,
  check: (conv) => (conv.protocol === 'imap' ? loginFailedDrafts(conv) : []),
});
