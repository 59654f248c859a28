import { defineCaptureRule } from '../rule.js';
import { repeatedFailureDrafts } from '../checks/repeated-failure.js';

export const imapRepeatedLoginFailure = defineCaptureRule({
  id: 'imap.repeated-login-failure',
  severity: 'error',
  title: 'The same IMAP client fails to log in again and again',
  explanation:
    'One client failed to log in to the same server three times or more in this capture: the "endless password prompt" of mail apps (a saved wrong password, an app password or OAuth needed, a login method the server refuses, an argument the server cannot parse), or a password-guessing attack when the user names vary. Repeated failures may also lock the account.',
  fix: 'Compare with a working login (see auth.contrast-with-working-session), re-enter the password in the client, and follow the login-failed finding\'s explanation; if the user names vary, block the source.',
  references: ['RFC 5530 §3 (AUTHENTICATIONFAILED)'],
  finish: (ledger) => repeatedFailureDrafts(ledger, 'imap'),
});
