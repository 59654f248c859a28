import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const dovecotPasswordExposed = defineRule({
  id: 'dovecot.password-exposed',
  severity: 'warning',
  title: 'Password sent in cleartext although refused',
  explanation:
    'Dovecot says `Plaintext authentication not allowed without SSL/TLS, but your client did it anyway. If anyone was listening, the password was exposed.`: the login was refused, but the password already crossed the network unencrypted.',
  fix: 'Change the password; then configure the client to use TLS (993 or STARTTLS).',
  references: ['Dovecot src/login-common/client-common-auth.c'],
  check: (conv, ctx) => vendorDrafts(conv, 'dovecot.password-exposed', ctx),
});
