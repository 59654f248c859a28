import { defineCaptureRule } from '../rule.js';
import { repeatedFailureDrafts } from '../checks/repeated-failure.js';

export const pop3RepeatedLoginFailure = defineCaptureRule({
  id: 'pop3.repeated-login-failure',
  severity: 'error',
  title: 'The same POP3 client fails to log in again and again',
  explanation:
    'One client failed to log in to the same server three times or more in this capture: the "endless password prompt" (a saved wrong password, an app password needed, a disabled login method), or a password-guessing attack when the user names vary. Repeated failures may also lock the account.',
  fix: 'Compare with a working login (see auth.contrast-with-working-session), re-enter the password in the client, and look at the login-failed finding\'s explanation; if the user names vary, block the source.',
  references: ['RFC 3206 §5 ([AUTH])'],
  finish: (ledger) => repeatedFailureDrafts(ledger, 'pop3'),
});
