import { defineRule } from '../rule.js';
import { tlsOf } from './tls-view.js';

/** How a direction ended, for the message; only these count as the connection being closed. */
const CLOSED: Record<string, string> = { fin: 'closed', rst: 'reset' };

/**
 * The connection was closed before the TLS handshake completed, without a readable fatal alert
 * (a readable one is reported by tls.alert, which says why). A capture that merely stops during the
 * handshake is not a failure.
 */
export const tlsHandshakeFailed = defineRule({
  id: 'tls.handshake-failed',
  severity: 'error',
  title: 'TLS handshake failed',
  explanation:
    'The connection was closed or reset before the TLS handshake completed, so no mail was exchanged. When the server closes right after the ClientHello, it found nothing acceptable in it (no TLS version or cipher suite in common, an SNI name it does not serve) or it does not speak TLS on that port. When the client closes after the server\'s certificate, it usually refused the certificate. TLS 1.3 encrypts the certificate, and the alert too when the client had switched to its handshake keys (an alert record in cleartext, outer type 21, is always read and reported by tls.alert); without a key log the capture cannot say which. When either side sent a readable fatal alert, tls.alert gives the reason instead.',
  fix: 'Look at what the last handshake message was and who closed. Server closes after the ClientHello: compare the versions and cipher suites the client offered with what the server allows (enable TLS 1.2/1.3, RFC 9325), and check the port (993/995 expect TLS at once, 143/110 need STARTTLS/STLS). Client closes after the server\'s certificate: check the certificate (trusted issuer, dates, host name, intermediate certificates sent), and look at the client\'s own error message or log. Capture with a key log (SSLKEYLOGFILE) to read TLS 1.3 alerts.',
  references: ['RFC 8446 §4 (handshake protocol), §6.2 (error alerts)', 'RFC 5246 §7.3 (handshake overview)', 'RFC 9325 §4 (versions and cipher suites to support)'],
  check(conv) {
    const t = tlsOf(conv);
    if (!t || !t.closedDuringHandshake) return [];
    if (t.alerts.some((a) => a.level === 'fatal')) return [];
    // Who ended it: TCP knows who reset or sent the first FIN; the TLS layer's per-direction end is the fallback.
    const byTls = (['server', 'client'] as const).find((s) => CLOSED[t.ended[s] ?? ''] !== undefined);
    const closer = conv.tcp?.resetBy ?? conv.tcp?.finBy ?? byTls;
    if (!closer) return [];
    const how = conv.tcp?.resetBy ? 'reset' : conv.tcp?.finBy ? 'closed' : CLOSED[t.ended[closer]!]!;
    const lastStep = t.certificates.some((m) => m.sender === 'server') ? "the server's certificate" : t.serverHellos.length > 0 ? 'the ServerHello' : 'the ClientHello';
    const hidden = t.encryptedAlerts[0] + t.encryptedAlerts[1];
    const alertSender = t.encryptedAlerts[0] > 0 ? 'client' : 'server';
    const alertNote = hidden > 0 ? `; the ${alertSender} had sent ${hidden === 1 ? 'an encrypted alert' : `${hidden} encrypted alerts`} (a key log would show which)` : '';
    const frames = [t.serverHellos.at(-1)?.frame ?? t.clientHellos.at(-1)?.frame, conv.tcp?.resetFrame ?? conv.tcp?.lastFrame].filter((f): f is number => f !== undefined);
    return [{
      frames: frames.length > 0 ? frames : [conv.firstFrame],
      message: `The TLS handshake${t.version ? ` (${t.version.name})` : ''} did not complete: the ${closer} ${how} the connection after ${lastStep}${alertNote}.`,
      args: { closedBy: closer, how, lastStep, encryptedAlerts: hidden, handshakeState: t.handshakeState },
    }];
  },
});
