import { defineCaptureRule } from '../rule.js';
import { repeatedFailureDrafts } from '../checks/repeated-failure.js';

export const smtpRepeatedLoginFailure = defineCaptureRule({
  id: 'smtp.repeated-login-failure',
  severity: 'error',
  title: 'The same client keeps failing SMTP AUTH',
  explanation:
    'One client failed AUTH to the same SMTP server again and again: a stored wrong password that the client retries for every message in its outbox, or a password-guessing attack. Servers and providers lock such clients out after a while (fail2ban, Microsoft 365 smart lockout).',
  fix: 'Correct the password stored in the client (for the outgoing server, which some clients keep apart from the incoming one), or block the address if the attempts are not the user\'s.',
  references: ['RFC 4954 §6'],
  finish: (ledger) => repeatedFailureDrafts(ledger, 'smtp'),
});
