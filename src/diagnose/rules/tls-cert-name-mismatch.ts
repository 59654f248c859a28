import { certificateCoversHost } from '../../protocols/tls/certificate.js';
import { defineRule } from '../rule.js';
import { certificateNames, certificateSeverity, GENERIC_CERTIFICATE_ALERTS, refusalNote, serverChain, tlsOf } from './tls-view.js';

/**
 * The server's certificate does not cover the host name the client asked for (SNI) or the name the
 * user expects (--server-name). Without either name there is nothing to compare, and no finding.
 */
export const tlsCertNameMismatch = defineRule({
  id: 'tls.cert-name-mismatch',
  severity: 'warning',
  title: 'Certificate name does not match the server name',
  explanation:
    'A client checks that the server\'s certificate was issued for the host name it connects to: one of the certificate\'s DNS subject alternative names (or, only when it has none, its subject common name) must equal the name, where "*.example.com" covers exactly one left-most label. mailwire compares the certificate with the name the client sent in the TLS Server Name Indication, and with the name given with --server-name. A mismatch makes a verifying client refuse the connection (often as "certificate not trusted" or bad_certificate/certificate_unknown); a client that connects anyway is not checking names, which lets anyone in the middle impersonate the server. This is also how a server bound to the wrong certificate shows (for example an Exchange IMAP service using the default self-signed certificate instead of the one for its public name). mailwire reports it as an error when the client then refused the certificate with an alert (that is why the connection failed), and as a warning otherwise.',
  fix: 'Configure the mail server with a certificate whose subject alternative names include every name clients use (e.g. imap.example.com and mail.example.com), or point the clients at a name the certificate covers. On Exchange, bind the right certificate to IMAP/POP (Enable-ExchangeCertificate -Services IMAP,POP) and set Set-ImapSettings / Set-PopSettings -X509CertificateName to the name clients use, then restart the IMAP4/POP3 services.',
  references: ['RFC 6125 §6 (verifying service identity)', 'RFC 9525 (service identity in TLS, obsoletes RFC 6125)', 'RFC 6066 §3 (Server Name Indication)', 'RFC 8314 §4.4 (mail clients must verify the server name)'],
  check(conv, ctx) {
    const t = tlsOf(conv);
    const chain = t && serverChain(t);
    const leaf = chain?.certificates[0];
    if (!t || !chain || !leaf || leaf.parseError !== undefined) return [];
    const wanted: Array<{ name: string; source: string }> = [];
    if (ctx.options.serverName) wanted.push({ name: ctx.options.serverName, source: '--server-name' });
    if (t.sni && t.sni.toLowerCase() !== ctx.options.serverName?.toLowerCase()) wanted.push({ name: t.sni, source: 'SNI' });
    const missed = wanted.filter((w) => !certificateCoversHost(leaf, w.name));
    if (missed.length === 0) return [];
    const { severity, rejectedBy } = certificateSeverity(t, GENERIC_CERTIFICATE_ALERTS, 'warning');
    const names = certificateNames(leaf);
    const asked = missed.map((m) => `${m.name} (${m.source === 'SNI' ? 'the name the client asked for with SNI' : 'the name given with --server-name'})`).join(' nor ');
    return [{
      frames: rejectedBy ? [chain.frame, rejectedBy.frame] : [chain.frame],
      message: `The server's certificate is for ${names.join(', ')}, which does not cover ${asked}${refusalNote(rejectedBy)}.`,
      args: { certificateNames: names.join(','), expected: missed.map((m) => m.name).join(','), source: missed.map((m) => m.source).join(','), rejected: rejectedBy !== undefined },
      severity,
    }];
  },
});
