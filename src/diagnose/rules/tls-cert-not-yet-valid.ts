import { defineRule } from '../rule.js';
import { certificateLabel, day, daysBetween, validityFindings } from './tls-view.js';

/** A certificate of the server's chain was not yet valid when the capture saw it. */
export const tlsCertNotYetValid = defineRule({
  id: 'tls.cert-not-yet-valid',
  severity: 'warning',
  title: 'Certificate not yet valid',
  explanation:
    'A certificate the server sent had a "not before" date later than the time of the capture. Either the certificate was issued with a future start date, or a clock is wrong: the client\'s (a device with a dead clock battery or no network time), or the capturing machine\'s (the dates are judged against the capture\'s timestamps). A verifying client refuses such a certificate, usually with the alert certificate_expired (OpenSSL and others use it for both ends of the validity period). mailwire reports it as an error when the client then refused the certificate with an alert (that is why the connection failed), and as a warning otherwise.',
  fix: 'Check the clocks first: the capturing machine\'s, the client\'s and the server\'s should follow network time (NTP). If the clocks are right, install a certificate whose validity has started (or wait until it starts before switching the service to it).',
  references: ['RFC 5280 §4.1.2.5 (validity)', 'RFC 5280 §6.1.3 (path validation checks the validity period)', 'RFC 8446 §6.2 (certificate_expired)'],
  check(conv) {
    return validityFindings(conv, 'notBefore', (notBefore, atMs) => notBefore > atMs, (c, notBefore, atMs, captureDay) => `${certificateLabel(c)} is valid only from ${day(c.notBefore)}, ${daysBetween(notBefore, atMs)} days after this capture (${captureDay})`);
  },
});
