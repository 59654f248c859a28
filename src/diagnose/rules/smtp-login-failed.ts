import { defineRule } from '../rule.js';
import { loginFailedDrafts } from '../checks/login-failed.js';

export const smtpLoginFailed = defineRule({
  id: 'smtp.login-failed',
  severity: 'error',
  title: 'SMTP AUTH refused',
  explanation:
    'The server answered AUTH with a failure (RFC 4954 §6): 535 5.7.8 the credentials are invalid; 534 5.7.9 the mechanism is too weak (Gmail: an application-specific password is required); 538 5.7.11 the mechanism needs TLS; 454 4.7.0 a temporary failure of the server\'s authentication back end; 530 5.7.0 STARTTLS or authentication first. Providers add their own words (Microsoft 365 5.7.139, Gmail\'s BadCredentials); the finding adds what the knowledge base knows about the exact reply.',
  fix: 'Follow the meaning given in the finding: check the user name form (usually the full address) and the password, use an app password or OAuth2 where the provider requires it, and STARTTLS before AUTH.',
  references: ['RFC 4954 §6', 'RFC 3463 §3.8', 'RFC 5248 (enhanced status code registry)'],
  live: true,
  check: (conv) => (conv.protocol === 'smtp' ? loginFailedDrafts(conv) : []),
});
