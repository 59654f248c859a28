import { defineRule } from '../rule.js';
import { starttlsFailedDrafts } from '../checks/starttls-failed.js';

export const smtpStarttlsFailed = defineRule({
  id: 'smtp.starttls-failed',
  severity: 'error',
  title: 'STARTTLS refused',
  explanation:
    'The client asked to switch to TLS and the server refused (`454 4.7.0 TLS not available due to temporary reason`, `502 5.5.1` when STARTTLS is not offered at all). A client that then goes on in cleartext exposes its password; one that insists on TLS cannot send.',
  fix: 'Configure a certificate for the submission service and offer STARTTLS in EHLO (Postfix: smtpd_tls_cert_file, smtpd_tls_security_level = may or encrypt), or use implicit TLS on 465.',
  references: ['RFC 3207 §4', 'RFC 8314 §3'],
  check: (conv) => (conv.protocol === 'smtp' ? starttlsFailedDrafts(conv, 'STARTTLS') : []),
});
