/**
 * Name lookups of mail servers that did not resolve (capture-level: the connectivity layer's
 * lookups, CaptureLedger.paths). One rule per way a lookup fails, one finding per client and name.
 *
 * A failure is reported only for names a mail client looks up (isMailName: mail host names, RFC 6186
 * SRV, MX, auto-configuration) and only when the same client got no answer for that name otherwise
 * (an AAAA that fails while the A resolves is not "does not resolve") nor for a shorter name it ends
 * with (a resolver's search-domain tries: mail.example.com.lan NXDOMAIN, then mail.example.com). SRV,
 * MX and auto-configuration probes fail routinely where the domain publishes none: info only.
 */
import type { LookupOutcome, LookupSummary } from '../../connectivity/facts.js';
import { isAutoconfigName, isMailName } from '../../connectivity/path-tracker.js';
import type { CaptureLedger } from '../ledger.js';
import { defineCaptureRule, type FindingDraft } from '../rule.js';

const DNS_REFS = ['RFC 1035 §4.1.1 (RCODE)', 'RFC 2308 (negative answers)', 'RFC 6186 (SRV records for IMAP/POP3/submission)'];

/** Failed lookups with a given set of outcomes, grouped per client and name (unresolved only). */
function failures(ledger: CaptureLedger, outcomes: readonly LookupOutcome[]): LookupSummary[][] {
  const out: LookupSummary[][] = [];
  for (const p of ledger.paths) {
    const groups = new Map<string, LookupSummary[]>();
    for (const l of p.lookups) {
      if (!outcomes.includes(l.outcome) || !isMailName(l)) continue;
      const resolvedElsewhere = p.lookups.some((r) => r.client === l.client && r.outcome === 'resolved' && (r.name === l.name || l.name.startsWith(`${r.name}.`)));
      if (resolvedElsewhere) continue;
      const key = `${l.client}|${l.name}`;
      const g = groups.get(key) ?? [];
      g.push(l);
      groups.set(key, g);
    }
    out.push(...groups.values());
  }
  return out;
}

/** A routine probe (SRV, MX, autoconfig/autodiscover) rather than the server name itself. */
function probe(l: LookupSummary): boolean {
  return l.type === 'SRV' || l.type === 'MX' || isAutoconfigName(l.name);
}

function draft(group: LookupSummary[], message: string): FindingDraft {
  const l = group[0]!;
  const frames = group.flatMap((g) => g.frames).sort((a, b) => a - b).slice(0, 12);
  const d: FindingDraft = {
    frames,
    message,
    args: { name: l.name, types: group.map((g) => g.type).join(','), client: l.client, resolver: l.resolver, queries: group.reduce((n, g) => n + g.queries, 0) },
  };
  if (group.every(probe)) d.severity = 'info';
  return d;
}

const typesOf = (group: LookupSummary[]): string => group.map((g) => g.type).join('/');

export const dnsNameNotFound = defineCaptureRule({
  id: 'dns.name-not-found',
  severity: 'error',
  title: 'The mail server name does not exist (NXDOMAIN)',
  explanation:
    'The DNS server answered that the name does not exist (NXDOMAIN). The client cannot find the server before any connection: this is the "Server not found" of mail clients. A typo in the server name, a name that was never published (or was removed), or a resolver that sees a different zone (split DNS, VPN off) all look like this. For SRV (RFC 6186) and autoconfig/autodiscover names it is routine: most domains publish none, and clients fall back.',
  fix: 'Check the server name configured in the client letter by letter; query it with `dig NAME` against the same resolver and against the domain\'s authoritative server; on a company network, check whether the name only exists on the internal DNS (VPN).',
  references: DNS_REFS,
  finish: (ledger) => failures(ledger, ['nxdomain']).map((g) => draft(g,
    `${g[0]!.name} does not exist: ${g[0]!.resolver} answered NXDOMAIN to ${g[0]!.client}'s ${typesOf(g)} lookup${g.length > 1 ? 's' : ''}.${g.every(probe) ? ' (A routine probe: the domain publishes no such record.)' : ' The client cannot find the server.'}`)),
});

export const dnsLookupFailed = defineCaptureRule({
  id: 'dns.lookup-failed',
  severity: 'error',
  title: 'The mail server name lookup failed (SERVFAIL, REFUSED, no address)',
  explanation:
    'The DNS server answered the lookup of the mail server\'s name with an error: SERVFAIL (it could not get an answer from the domain\'s servers: DNSSEC failure, lame delegation, servers down), REFUSED (it does not serve this client), another error code, or NOERROR without any address for the name. The client gets no address to connect to.',
  fix: 'SERVFAIL: query the domain\'s authoritative servers directly (`dig +trace NAME`, `dig +dnssec`); REFUSED: check that the client uses the resolver it should (DHCP, VPN) and the resolver\'s access list; no address: publish an A/AAAA record for the name.',
  references: DNS_REFS,
  finish: (ledger) => failures(ledger, ['servfail', 'refused', 'error', 'no-data'])
    .filter((g) => g.some((l) => l.outcome !== 'no-data') || g.length > 1 || g[0]!.type === 'A')
    .map((g) => {
      const l = g.find((x) => x.outcome !== 'no-data') ?? g[0]!;
      const what = l.outcome === 'no-data' ? `has no address record (NOERROR, empty answer to ${typesOf(g)})` : `could not be looked up: ${l.resolver} answered ${l.rcode ?? l.outcome.toUpperCase()} to ${l.type}`;
      return draft(g, `${l.name} ${what} (client ${l.client}).`);
    }),
});

export const dnsNoResponse = defineCaptureRule({
  id: 'dns.no-response',
  severity: 'error',
  title: 'The mail server name lookup got no answer',
  explanation:
    'The client asked the DNS server for the mail server\'s name, maybe several times, and no answer came back in the capture: the resolver is down or unreachable (a firewall blocking port 53, a wrong resolver address), so the name cannot be resolved. (A capture that misses the answers, e.g. one direction only, looks the same.)',
  fix: 'Check that the resolver the client uses answers (`dig @RESOLVER NAME`), that UDP and TCP port 53 to it are open, and the client\'s DNS settings (DHCP, VPN).',
  references: DNS_REFS,
  finish: (ledger) => failures(ledger, ['no-answer']).map((g) => {
    const queries = g.reduce((n, l) => n + l.queries, 0);
    return draft(g, `${g[0]!.client} asked ${g[0]!.resolver} for ${g[0]!.name} (${typesOf(g)}) ${queries} time${queries > 1 ? 's' : ''} and got no answer.`);
  }),
});
