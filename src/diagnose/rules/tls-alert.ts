import type { TlsSender } from '../../protocols/tls/types.js';
import { defineRule, type FindingDraft } from '../rule.js';
import { tlsOf } from './tls-view.js';

/** close_notify (RFC 8446 §6.1): the orderly end of a TLS session, not a problem. */
const CLOSE_NOTIFY = 0;

/**
 * What an alert means in plain words, by description number (RFC 8446 §6.2, RFC 5246 §7.2.2).
 * `sender` is who sent it; `peer` the other side. Certificate alerts are worded from the sender's
 * point of view: the sender refused the peer's certificate.
 */
function meaning(description: number, sender: TlsSender): string {
  const peer = sender === 'client' ? 'server' : 'client';
  const refused = `the ${sender} refused the ${peer}'s certificate`;
  switch (description) {
    case 10: return `the ${sender} received a message it did not expect at that point (a software bug or a middlebox interfering)`;
    case 20: return `a record from the ${peer} failed its integrity check (bytes altered on the way, a middlebox, or a bug)`;
    case 21: return `a record from the ${peer} could not be decrypted`;
    case 22: return `the ${peer} sent a record larger than allowed`;
    case 30: return 'decompression failed';
    case 40: return `the ${sender} found no acceptable set of security parameters (no common cipher suite, version, curve or signature algorithm)`;
    case 41: return `the ${sender} has no certificate to send (SSL 3.0)`;
    case 42: return `${refused} (bad_certificate: corrupt, wrongly signed, or not valid for this name)`;
    case 43: return `${refused} (a certificate type it does not support)`;
    case 44: return `${refused} (revoked by its issuer)`;
    case 45: return `${refused} (expired or not yet valid)`;
    case 46: return `${refused} (certificate_unknown: some other problem, often an untrusted issuer or a name that does not match)`;
    case 47: return `the ${peer} sent a handshake field with an illegal value`;
    case 48: return `${refused} (unknown_ca: it does not trust the issuer — self-signed, a private CA, or a missing intermediate certificate)`;
    case 49: return `the ${sender} refused access (the certificate was valid but is not allowed)`;
    case 50: return `the ${sender} could not decode a message from the ${peer}`;
    case 51: return `a signature or Finished check failed on the ${sender}'s side (wrong key, or the handshake was altered)`;
    case 60: return 'export restriction (obsolete)';
    case 70: return `the ${sender} does not support the TLS version the ${peer} asked for`;
    case 71: return `the ${sender} requires stronger cipher suites than the ${peer} offered`;
    case 80: return `the ${sender} had an internal error unrelated to the ${peer}`;
    case 86: return 'the client retried with a lower TLS version than both support and the server refused the downgrade (RFC 7507)';
    case 90: return `the ${sender} cancelled the handshake`;
    case 100: return `the ${sender} refuses to renegotiate`;
    case 109: return `the ${peer} left out a required extension`;
    case 110: return `the ${peer} sent an extension that was not allowed`;
    case 111: return 'the client could not obtain a certificate from the URL given';
    case 112: return `the server does not know the host name the client asked for (SNI)`;
    case 113: return 'the certificate status (OCSP) response was invalid';
    case 114: return 'the certificate hash did not match';
    case 115: return 'the server does not know the pre-shared key identity';
    case 116: return 'the server requires a client certificate and the client sent none';
    case 120: return 'no application protocol (ALPN) both sides support';
    default: return 'an alert this version of mailwire does not know';
  }
}

/** A TLS alert other than close_notify: what it means and who sent it. */
export const tlsAlert = defineRule({
  id: 'tls.alert',
  severity: 'error',
  title: 'TLS alert',
  explanation:
    'One side sent a TLS alert: a message that reports a problem with the TLS session. A fatal alert ends the connection at once; a warning-level alert reports something the connection can survive (in TLS 1.3 every alert except close_notify and user_canceled is fatal). Alerts during the handshake say why it failed; the most common in mail are a client refusing the server\'s certificate (unknown_ca, bad_certificate, certificate_expired, certificate_unknown) and the two sides finding no common version or cipher (protocol_version, handshake_failure). close_notify is the normal end of a session and is not reported. Alerts sent under the session\'s keys are encrypted and can only be read with a key log; in TLS 1.3 an encrypted record always has the outer type application_data, so an alert record (type 21) is readable — an OpenSSL client refusing the certificate sends it before switching to its handshake keys. Fatal alerts are reported as errors, warning-level ones as warnings.',
  fix: 'Read who sent the alert and its meaning. A client refusing the certificate: install a certificate from a CA the client trusts, valid now, for the host name the client uses, and send the intermediate certificates with it (or make the client trust the private CA). protocol_version / handshake_failure / insufficient_security: enable a TLS version and cipher suites both sides support (TLS 1.2 or 1.3 with AEAD ciphers, RFC 9325). A bad_record_mac or decode_error usually points at a middlebox (antivirus, firewall TLS inspection) altering the bytes.',
  references: ['RFC 8446 §6 (alert protocol)', 'RFC 5246 §7.2 (TLS 1.2 alerts)', 'RFC 9325 (recommendations for secure use of TLS)', 'RFC 7507 (inappropriate_fallback)'],
  check(conv) {
    const t = tlsOf(conv);
    if (!t) return [];
    const out: FindingDraft[] = [];
    for (const a of t.alerts) {
      if (a.description === CLOSE_NOTIFY) continue;
      const fatal = a.level === 'fatal';
      const when = t.applicationDataFrame === undefined || a.frame < t.applicationDataFrame ? 'during the handshake' : 'during the session';
      // The reset that follows a fatal alert is its consequence (tcp.reset stays quiet): said here.
      const reset = fatal && conv.tcp?.resetBy && (conv.tcp.resetFrame ?? conv.tcp.lastFrame) >= a.frame ? ` The ${conv.tcp.resetBy} then reset the connection.` : '';
      out.push({
        frames: [a.frame],
        message: `The ${a.sender} sent a ${fatal ? 'fatal' : `${a.level}-level`} TLS alert ${a.name} (${a.description}) ${when}: ${meaning(a.description, a.sender)}.${reset}`,
        args: { sender: a.sender, level: a.level, description: a.description, name: a.name, decrypted: a.decrypted },
        ...(fatal ? {} : { severity: 'warning' as const }),
      });
    }
    return out;
  },
});
