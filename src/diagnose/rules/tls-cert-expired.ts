import { defineRule } from '../rule.js';
import { certificateLabel, day, daysBetween, validityFindings } from './tls-view.js';

/** A certificate of the server's chain had expired when the capture saw it. */
export const tlsCertExpired = defineRule({
  id: 'tls.cert-expired',
  severity: 'warning',
  title: 'Certificate expired',
  explanation:
    'A certificate the server sent had passed its "not after" date at the time of the capture (the dates are judged against the capture\'s clock, not today\'s). A verifying client refuses an expired server or intermediate certificate, typically with the alert certificate_expired; a client that connects anyway does not check dates. Certificates from public CAs now last months, so a certificate that was not renewed, or a renewed one the mail service was never restarted or re-bound to, is a common cause of mail clients suddenly failing. A root certificate the server sends along is not judged: clients use their own copy of roots. mailwire reports it as an error when the client then refused the certificate with an alert (that is why the connection failed), and as a warning otherwise.',
  fix: 'Renew the certificate (or the intermediate, by installing the CA\'s current chain) and make the mail service use it: reload Dovecot/Postfix, re-bind it on Exchange (Enable-ExchangeCertificate -Services IMAP,POP) and restart the IMAP4/POP3 services. Automate renewal (ACME) and monitor expiry. If the date looks wrong, check the clock of the capturing machine.',
  references: ['RFC 5280 §4.1.2.5 (validity)', 'RFC 5280 §6.1.3 (path validation checks the validity period)', 'RFC 8446 §6.2 (certificate_expired)'],
  check(conv) {
    return validityFindings(conv, 'notAfter', (notAfter, atMs) => notAfter < atMs, (c, notAfter, atMs, captureDay) => `${certificateLabel(c)} expired on ${day(c.notAfter)}, ${daysBetween(atMs, notAfter)} days before this capture (${captureDay})`);
  },
});
