import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const smtpStarttlsRequired = defineRule({
  id: 'smtp.starttls-required',
  severity: 'error',
  title: 'The server wants STARTTLS before AUTH',
  explanation:
    'The server refused AUTH (or the mail) because the connection was not encrypted yet: it offers authentication only inside TLS. The reply is RFC 3207\'s `530 5.7.0 Must issue a STARTTLS command first`, RFC 4954\'s `538 5.7.11 Encryption required`, or Postfix\'s `503 5.5.1 Error: authentication not enabled` when smtpd_tls_auth_only is set. The client is configured for no encryption (or for STARTTLS "if available" on a server that hides it).',
  fix: 'Set the client\'s connection security to STARTTLS (port 587) or SSL/TLS (port 465). If the client does STARTTLS and still sees this, look for a middlebox stripping STARTTLS from the EHLO reply.',
  references: ['RFC 3207 §4', 'RFC 4954 §6', 'https://www.postfix.org/postconf.5.html#smtpd_tls_auth_only'],
  check: (conv, ctx) => vendorDrafts(conv, 'smtp.starttls-required', ctx),
});
