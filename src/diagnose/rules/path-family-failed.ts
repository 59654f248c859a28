/**
 * Happy eyeballs (RFC 8305) seen from the capture: a name that resolved to IPv6 and IPv4 addresses,
 * connection attempts to both families on the same port, and one family never connecting while the
 * other did. Capture-level: read from the reachability summary (CaptureLedger.paths).
 */
import type { AttemptSummary } from '../../connectivity/facts.js';
import { defineCaptureRule, type FindingDraft } from '../rule.js';
import { formatEndpoint as endpoint } from '../ledger.js';

/** "no answer" / "refused" / "admin-prohibited (ICMP)": how the failed attempts ended. */
function how(attempts: AttemptSummary[]): string {
  const counts = new Map<string, number>();
  for (const a of attempts) for (const [cause, n] of Object.entries(a.failures)) counts.set(cause, (counts.get(cause) ?? 0) + n);
  if (counts.size === 0) return 'did not connect';
  return [...counts].map(([cause, n]) => `${cause === 'no-answer' ? 'never answered' : cause === 'refused' ? 'refused (reset)' : `${cause} (ICMP)`}${n > 1 ? ` ×${n}` : ''}`).join(', ');
}

export const pathFamilyFailed = defineCaptureRule({
  id: 'path.family-failed',
  severity: 'warning',
  title: 'One address family fails, the other works (IPv6/IPv4 fallback)',
  explanation:
    'The server\'s name has both IPv6 (AAAA) and IPv4 (A) addresses, and the client tried both: one family never connected while the other did. Clients that implement Happy Eyeballs (RFC 8305) fall back after a short delay, so mail still works, but every connection pays that delay; clients that do not (or that try only the first address) fail outright, which looks like an intermittent "Server not found" that depends on the network the user is on.',
  fix: 'Repair the failing family end to end (firewall rules and security groups for IPv6 are often missing, or the server does not listen on its IPv6 address), or stop publishing the address record of the family that does not work.',
  references: ['RFC 8305 (Happy Eyeballs v2)', 'RFC 6555 (Happy Eyeballs)', 'RFC 6724 (default address selection)'],
  finish(ledger) {
    const out: FindingDraft[] = [];
    for (const p of ledger.paths) {
      for (const entry of p.reachability) {
        if (entry.name === undefined) continue;
        const ports = new Set(entry.attempts.map((a) => a.port));
        for (const port of ports) {
          const at = entry.attempts.filter((a) => a.port === port);
          const v6 = at.filter((a) => a.family === 6);
          const v4 = at.filter((a) => a.family === 4);
          if (v6.length === 0 || v4.length === 0) continue;
          const ok6 = v6.some((a) => a.connected > 0);
          const ok4 = v4.some((a) => a.connected > 0);
          if (ok6 === ok4) continue;
          const [bad, good, badName, goodName] = ok4 ? [v6, v4, 'IPv6', 'IPv4'] : [v4, v6, 'IPv4', 'IPv6'];
          out.push({
            frames: [...bad, ...good].map((a) => a.firstFrame).sort((a, b) => a - b),
            message: `${entry.name} port ${port}: ${badName} (${bad.map((a) => endpoint({ ip: a.address, port })).join(', ')}) ${how(bad)}, while ${goodName} (${good.map((a) => endpoint({ ip: a.address, port })).join(', ')}) connected: the client fell back to ${goodName}.`,
            args: { name: entry.name, port, failed: badName, worked: goodName },
          });
        }
      }
    }
    return out;
  },
});
