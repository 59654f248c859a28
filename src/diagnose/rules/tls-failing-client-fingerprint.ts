import { defineCaptureRule, type FindingDraft } from '../rule.js';
import type { FingerprintLedger } from '../ledger.js';

/** Failing conversations of one fingerprint needed before it is called out. */
const MIN_FAILED = 2;

const name = (f: FingerprintLedger): string => `JA4 ${f.ja4}${f.client ? ` (${f.client})` : ''}`;
const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * Across the capture's TLS conversations: every failing one of a client fingerprint failed, none of
 * them worked, while conversations from other fingerprints did work. "Which devices?" is then
 * answered without keys: one client build (a TLS library version, an app release) is the one failing.
 */
export const tlsFailingClientFingerprint = defineCaptureRule({
  id: 'tls.failing-client-fingerprint',
  severity: 'warning',
  title: 'The failing connections come from one client build',
  explanation:
    "Every TLS connection whose client sent this JA4 fingerprint failed (a refused login, or a TLS handshake that did not complete), while connections from clients with other fingerprints worked. JA4 summarises the client's ClientHello (TLS version, cipher suites, extensions, signature algorithms, SNI and ALPN): equal fingerprints mean the same TLS library and settings, usually the same app or device build. So the problem is most likely in that client (its TLS settings, its stored credentials, its version) rather than in the server, and this holds without any key log.",
  fix: "Find the devices or apps that send this fingerprint (the conversations' client addresses; the report names the software when mailwire knows the fingerprint), and compare their version and settings with a working one: update or reconfigure that build, or, if the server changed (a certificate, the TLS versions or ciphers it accepts), make it accept what that client offers.",
  references: ['FoxIO JA4+ specification, JA4 (TLS client fingerprint): github.com/FoxIO-LLC/ja4', 'RFC 8446 §4.1.2 (ClientHello)'],
  finish(ledger) {
    const all = [...ledger.fingerprints.values()];
    const workedElsewhere = (f: FingerprintLedger): FingerprintLedger[] => all.filter((o) => o !== f && o.worked > 0);
    const out: FindingDraft[] = [];
    const totalFailed = all.reduce((n, f) => n + f.failed, 0);
    for (const f of all) {
      if (f.failed < MIN_FAILED || f.worked > 0 || !f.firstFailure) continue;
      const others = workedElsewhere(f);
      if (others.length === 0) continue;
      const worked = others.reduce((n, o) => n + o.worked, 0);
      const shown = others.sort((a, b) => b.worked - a.worked).slice(0, 3).map(name).join(', ');
      const failedWhat = f.failed === totalFailed
        ? `The ${plural(f.failed, 'connection', 'connections')} that failed all come from one client build, ${name(f)}`
        : `${plural(f.failed, 'connection', 'connections')} from one client build, ${name(f)}, all failed (of ${totalFailed} failing)`;
      out.push({
        conversation: f.firstFailure.conversation,
        frames: [f.firstFailure.frame],
        message: `${failedWhat}; the ${plural(worked, 'connection', 'connections')} that worked came from others (${shown}${others.length > 3 ? ', …' : ''}).`,
        args: { ja4: f.ja4, failed: f.failed, worked, client: f.client ?? '' },
      });
    }
    return out;
  },
});
