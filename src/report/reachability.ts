/**
 * The reachability summary in words, for the text, Markdown and HTML reports (JSON carries the data,
 * summary.reachability): per server asked for, the lookups and, under it, the attempts per address
 * and port — the administrator's checklist (resolved? answered? connected? greeted? logged in?).
 */
import type { AttemptSummary, LookupSummary, Reachability } from '../connectivity/facts.js';
import { endpoint } from './describe.js';

export interface ReachabilityLine {
  /** 0: a server (name or address), 1: an address and port under a name. */
  depth: 0 | 1;
  /** The name, or address:port. */
  label: string;
  /** What happened, in words. */
  text: string;
  /** Everything on this line worked. */
  ok: boolean;
}

/** Servers described at most (the JSON has them all). */
export const MAX_REACHABILITY_LINES = 200;

export function reachabilityLines(r: Reachability | undefined): ReachabilityLine[] {
  const out: ReachabilityLine[] = [];
  for (const e of r?.servers ?? []) {
    if (e.name !== undefined) {
      out.push({ depth: 0, label: e.name, text: lookupsText(e.lookups), ok: e.lookups.some((l) => l.outcome === 'resolved') });
      for (const a of e.attempts) out.push({ depth: 1, label: endpoint({ ip: a.address, port: a.port }), text: attemptText(a), ok: a.connected === a.tries });
    } else {
      for (const a of e.attempts) out.push({ depth: 0, label: endpoint({ ip: a.address, port: a.port }), text: `not looked up in the capture; ${attemptText(a)}`, ok: a.connected === a.tries });
    }
    if (out.length >= MAX_REACHABILITY_LINES) break;
  }
  return out.slice(0, MAX_REACHABILITY_LINES);
}

/** "resolved: A 10.19.2.2, AAAA fd19:2::2" / "not resolved: A NXDOMAIN, AAAA no answer (2 queries)". */
function lookupsText(lookups: LookupSummary[]): string {
  const resolved = lookups.some((l) => l.outcome === 'resolved');
  const parts = lookups.map((l) => {
    const tries = l.queries > 1 ? ` (${l.queries} queries)` : '';
    const via = l.cnames.length ? ` via ${l.cnames.join(' → ')}` : '';
    switch (l.outcome) {
      case 'resolved': return `${l.type}${via} ${l.answers.join(', ')}${tries}`;
      case 'no-answer': return `${l.type} no answer${tries}`;
      case 'no-data': return `${l.type} none${tries}`;
      default: return `${l.type} ${l.rcode ?? l.outcome}${tries}`;
    }
  });
  const resolvers = [...new Set(lookups.map((l) => l.resolver))].join(', ');
  return `${resolved ? 'resolved' : 'not resolved'}: ${parts.join('; ')} (resolver ${resolvers})`;
}

const FAILURE_WORDS: Record<string, string> = {
  'no-answer': 'never answered',
  refused: 'refused (reset)',
  'admin-prohibited': 'rejected by a firewall (ICMP administratively prohibited)',
  'port-unreachable': 'ICMP port unreachable',
  'host-unreachable': 'ICMP host unreachable',
  'net-unreachable': 'ICMP network unreachable',
  'time-exceeded': 'ICMP time exceeded',
};

/** "1 try: never answered" / "2 tries: connected, greeted, logged in 1 of 2". */
function attemptText(a: AttemptSummary): string {
  const head = `${a.tries} ${a.tries === 1 ? 'try' : 'tries'}`;
  const failures = Object.entries(a.failures).map(([cause, n]) => `${FAILURE_WORDS[cause] ?? cause}${a.tries > 1 ? ` ×${n}` : ''}`);
  if (a.connected === 0) return `${head}: ${failures.join(', ') || 'not connected'}`;
  const step = (word: string, n: number): string => (n === a.tries ? word : `${word} ${n} of ${a.tries}`);
  const steps = [step('connected', a.connected)];
  if (a.encrypted === a.connected) steps.push('TLS not decrypted (greeting and login not visible)');
  else steps.push(step('greeted', a.greeted), step('logged in', a.loggedIn));
  return `${head}: ${steps.join(', ')}${failures.length ? `; ${failures.join(', ')}` : ''}`;
}
