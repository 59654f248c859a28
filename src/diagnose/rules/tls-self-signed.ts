import { defineRule } from '../rule.js';
import { ALERT, certificateNames, certificateSeverity, GENERIC_CERTIFICATE_ALERTS, refusalNote, serverChain, tlsOf } from './tls-view.js';

/** The server's own certificate is self-signed (a root it sends along in the chain is not reported). */
export const tlsSelfSigned = defineRule({
  id: 'tls.self-signed',
  severity: 'warning',
  title: 'Self-signed server certificate',
  explanation:
    'The server\'s certificate was issued by itself (its issuer is its own subject) rather than by a certificate authority. Clients cannot verify it against their trust store: a verifying client refuses it (alert unknown_ca or bad_certificate, or a "certificate not trusted" prompt), and a client that accepts it silently is open to impersonation by anyone in the middle. Servers often ship with one (Dovecot\'s, Courier\'s and Exchange\'s default certificates), which is fine for a test server but not for clients on the Internet. mailwire reports it as an error when the client then refused the certificate with an alert (that is why the connection failed), and as a warning otherwise.',
  fix: 'Install a certificate from a CA the clients trust (a public CA, e.g. through ACME/Let\'s Encrypt, or the organisation\'s own CA distributed to its devices) for the names clients use, and bind it to the IMAP/POP3 service. For a test server, make the test clients trust that certificate explicitly (pin it) rather than disabling verification.',
  references: ['RFC 5280 §6.1 (certification path validation)', 'RFC 8446 §4.4.2.4 (receiving a certificate)', 'RFC 8314 §4.4 (mail clients must verify certificates)'],
  check(conv) {
    const t = tlsOf(conv);
    const chain = t && serverChain(t);
    const leaf = chain?.certificates[0];
    if (!t || !chain || !leaf?.selfSigned) return [];
    const { severity, rejectedBy } = certificateSeverity(t, [ALERT.UNKNOWN_CA, ...GENERIC_CERTIFICATE_ALERTS], 'warning');
    const names = certificateNames(leaf);
    return [{
      frames: rejectedBy ? [chain.frame, rejectedBy.frame] : [chain.frame],
      message: `The server's certificate for ${names.join(', ')} is self-signed (issued by itself, not by a certificate authority)${refusalNote(rejectedBy)}.`,
      args: { subject: leaf.subject, names: names.join(','), sha256: leaf.sha256, rejected: rejectedBy !== undefined },
      severity,
    }];
  },
});
