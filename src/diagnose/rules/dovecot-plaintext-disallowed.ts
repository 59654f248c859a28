import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const dovecotPlaintextDisallowed = defineRule({
  id: 'dovecot.plaintext-disallowed',
  severity: 'error',
  title: 'Server refuses cleartext authentication',
  explanation:
    'The server answered `[PRIVACYREQUIRED]`: it does not accept authentication on a connection without TLS (Dovecot: disable_plaintext_auth=yes in 2.3, auth_allow_cleartext=no in 2.4, both the default).',
  fix: 'Make the client use TLS: port 993 (995), or STARTTLS (STLS) before logging in. Only on a trusted network: allow cleartext authentication on the server.',
  references: ['RFC 5530 \u00a73 (PRIVACYREQUIRED)', 'https://doc.dovecot.org/configuration_manual/authentication/'],
  check: (conv, ctx) => vendorDrafts(conv, 'dovecot.plaintext-disallowed', ctx),
});
