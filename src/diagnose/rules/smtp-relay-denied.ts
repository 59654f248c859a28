import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const smtpRelayDenied = defineRule({
  id: 'smtp.relay-denied',
  severity: 'error',
  title: 'Relaying refused',
  explanation:
    'The server refused a recipient outside its own domains (`554 5.7.1 Relay access denied`, Exchange\'s `550 5.7.54 Unable to relay`): it relays only for clients it trusts, and this client had not authenticated. Typically a client set up without SMTP authentication, or pointed at port 25 (the MX port, which accepts only mail for the server\'s own domains) instead of the submission port.',
  fix: 'Turn on SMTP authentication in the client and submit on port 587 (STARTTLS) or 465 (TLS). On the server, relaying for authenticated clients is smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination (Postfix).',
  references: ['RFC 6409 §4.3', 'RFC 5321 §3.6.2', 'https://www.postfix.org/postconf.5.html#smtpd_relay_restrictions'],
  check: (conv, ctx) => vendorDrafts(conv, 'smtp.relay-denied', ctx),
});
