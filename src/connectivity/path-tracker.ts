/**
 * The connectivity layer's memory for one input: DNS lookups (UDP port 53) and ICMP/ICMPv6 errors
 * quoting TCP packets of mail connections, tied to the connections when they end (`attach`), and
 * the capture's reachability summary at the end (`reachability`).
 *
 * Sits beside the TCP layer: InputAnalyzer hands it the frames decodeFrame found to be UDP to or
 * from port 53, or ICMP; the TCP layer knows nothing of it. Every table is bounded (PATH_LIMITS);
 * what a full table leaves out is counted in `dropped`.
 */
import type { Decoded } from '../decode/decoded.js';
import { parseDnsMessage, rcodeName, dnsTypeName, DnsType, type DnsMessage } from './dns-message.js';
import { icmpName, isIcmpError, parseIcmpError, type IcmpError } from './icmp-error.js';
import type { AttemptSummary, IcmpNote, LookupOutcome, LookupSummary, PathFacts, Reachability, ReachabilityEntry } from './facts.js';
import { formatAddress } from '../decode/format-address.js';

export const PATH_LIMITS = {
  /** Queries waiting for their response. */
  MAX_OUTSTANDING_QUERIES: 1024,
  /** Lookups (client, name, type) remembered for the summary and the findings. */
  MAX_LOOKUPS: 1024,
  /** Connections (4-tuples) with ICMP errors waiting for their connection to end. */
  MAX_ICMP_FLOWS: 4096,
  /** ICMP errors kept per connection. */
  MAX_ICMP_PER_FLOW: 8,
  /** Addresses and ports with connection attempts in the summary. */
  MAX_ATTEMPT_TARGETS: 1024,
  /** Connection starts remembered to check them against the lookups before them. */
  MAX_CONNECTION_STARTS: 4096,
  /** Answers kept per lookup. */
  MAX_ANSWERS: 16,
  /** Query frames kept per lookup. */
  MAX_LOOKUP_FRAMES: 8,
} as const;

/** A response later than this after its query is not taken for its answer (RFC 1035 resolvers retry within seconds). */
const QUERY_TIMEOUT_SEC = 30;
/** How long before a connection a lookup may have led to it. */
export const LOOKUP_LEADS_WITHIN_SEC = 60;

const DNS_PORT = 53;

/** The connection facts the tracker needs (a Conversation has them all). */
export interface ConnectionView {
  client: { ip: string; port: number };
  server: { ip: string; port: number };
  firstFrame: number;
  startTs: number;
  tcp?: { noAnswer: boolean; refused: boolean; established: boolean; resetBy: 'client' | 'server' | undefined } | undefined;
  greeted: boolean;
  loggedIn: boolean;
  /** TLS that was not decrypted: greeting and login cannot be seen. */
  encrypted: boolean;
  /** ICMP errors already tied to the connection (by a shard of sharded reading). */
  icmp?: IcmpNote[];
}

/** The ConnectionView of a finished conversation (structurally typed: no import of the model). */
export function connectionView(c: {
  client: ConnectionView['client']; server: ConnectionView['server']; firstFrame: number; startTs: number; tcp?: ConnectionView['tcp'];
  greeting?: unknown; auth: ReadonlyArray<{ outcome: string }>; transport: { security: string; decrypted: boolean }; path?: { icmp: IcmpNote[] };
}): ConnectionView {
  const view: ConnectionView = {
    client: { ip: c.client.ip, port: c.client.port },
    server: { ip: c.server.ip, port: c.server.port },
    firstFrame: c.firstFrame,
    startTs: c.startTs,
    tcp: c.tcp ? { noAnswer: c.tcp.noAnswer, refused: c.tcp.refused, established: c.tcp.established, resetBy: c.tcp.resetBy } : undefined,
    greeted: c.greeting !== undefined,
    loggedIn: c.auth.some((a) => a.outcome === 'ok'),
    encrypted: c.transport.security !== 'plain' && !c.transport.decrypted,
  };
  if (c.path) view.icmp = c.path.icmp;
  return view;
}

/** A lookup while it is being built (LookupSummary plus what matching needs). */
interface Lookup extends LookupSummary {
  firstTs: number;
  answerTs: number;
  answerFrame: number;
}

interface Outstanding {
  lookup: Lookup;
  ts: number;
}

export interface ConnectionStart {
  client: string;
  server: string;
  port: number;
  ts: number;
  frame: number;
}

/** An ICMP error about a mail connection, read from a decoded frame, and where its quoted tuple lies (for routing). */
export interface QuotedIcmp {
  /** The quoted connection's 4-tuple as the sender of the quoted packet saw it. */
  key: string;
  note: IcmpNote;
  error: IcmpError;
}

/**
 * Reads an ICMP/ICMPv6 error quoting a TCP packet to or from a mail port; undefined for anything
 * else (most ICMP stops at its type byte).
 */
export function readIcmpError(frame: number, ts: number, d: Decoded, isMailPort: (port: number) => boolean): QuotedIcmp | undefined {
  const family = d.ipVersion === 6 ? 6 : 4;
  if (!isIcmpError(family, d.buf[d.payloadOffset] ?? 0)) return undefined;
  const e = parseIcmpError(d.buf, d.payloadOffset, d.payloadLength, family, d.srcAddrOffset);
  if (e === undefined || 'error' in e) return undefined;
  if (!isMailPort(e.dstPort) && !isMailPort(e.srcPort)) return undefined;
  return { key: flowKey(e.src, e.srcPort, e.dst, e.dstPort), note: note(frame, ts, e, isMailPort(e.dstPort) ? 'client' : 'server'), error: e };
}

/**
 * ICMP errors waiting for their connection to end, by the quoted 4-tuple (bounded). The sharded
 * reader keeps one in each shard, next to the connections the errors are about.
 */
export class IcmpNotes {
  private readonly byFlow = new Map<string, IcmpNote[]>();
  dropped = 0;

  add(key: string, n: IcmpNote): void {
    let notes = this.byFlow.get(key);
    if (!notes) {
      if (this.byFlow.size >= PATH_LIMITS.MAX_ICMP_FLOWS) { this.dropped++; return; }
      this.byFlow.set(key, (notes = []));
    }
    if (notes.length >= PATH_LIMITS.MAX_ICMP_PER_FLOW) { this.dropped++; return; }
    notes.push(n);
  }

  /** The errors that quoted a packet of this connection (either direction), removed from the table, in frame order. */
  take(client: { ip: string; port: number }, server: { ip: string; port: number }): IcmpNote[] {
    const out: IcmpNote[] = [];
    for (const key of [flowKey(client.ip, client.port, server.ip, server.port), flowKey(server.ip, server.port, client.ip, client.port)]) {
      const notes = this.byFlow.get(key);
      if (!notes) continue;
      this.byFlow.delete(key);
      out.push(...notes);
    }
    return out.sort((a, b) => a.frame - b.frame);
  }

  clear(): void {
    this.byFlow.clear();
    this.dropped = 0;
  }
}

export class PathTracker {
  private readonly outstanding = new Map<string, Outstanding>();
  private readonly lookups = new Map<string, Lookup>();
  private readonly icmp = new IcmpNotes();
  private readonly attempts = new Map<string, AttemptSummary>();
  /** Connection starts, for "connected to an address its lookup did not return". */
  readonly starts: ConnectionStart[] = [];
  readonly dropped: Record<string, number> = {};
  readonly dnsErrors: Record<string, number> = {};

  constructor(private readonly isMailPort: (port: number) => boolean) {}

  /** Whether a decoded frame is one this tracker reads (cheap: two comparisons for other UDP). */
  static wants(d: Decoded): boolean {
    return d.kind === 'icmp' || (d.kind === 'udp' && (d.srcPort === DNS_PORT || d.dstPort === DNS_PORT));
  }

  /** A frame PathTracker.wants(). */
  packet(frame: number, ts: number, d: Decoded): void {
    if (d.kind === 'icmp') this.icmpMessage(frame, ts, d);
    else if (d.kind === 'udp') this.dnsMessage(frame, ts, d);
  }

  private icmpMessage(frame: number, ts: number, d: Decoded): void {
    const q = readIcmpError(frame, ts, d, this.isMailPort);
    if (q) this.icmp.add(q.key, q.note);
  }

  private dnsMessage(frame: number, ts: number, d: Decoded): void {
    const msg = parseDnsMessage(d.buf, d.payloadOffset, d.payloadLength);
    if ('error' in msg) {
      this.dnsErrors[msg.error] = (this.dnsErrors[msg.error] ?? 0) + 1;
      return;
    }
    if (msg.opcode !== 0 || msg.questions.length === 0) return; // not a standard query
    const src = formatAddress(d.buf, d.srcAddrOffset, d.addrLength === 16 ? 16 : 4);
    const dst = formatAddress(d.buf, d.dstAddrOffset, d.addrLength === 16 ? 16 : 4);
    if (!msg.response) this.query(frame, ts, src, d.srcPort, dst, msg);
    else this.response(frame, ts, dst, d.dstPort, src, msg);
  }

  private query(frame: number, ts: number, client: string, port: number, resolver: string, msg: DnsMessage): void {
    const q = msg.questions[0]!;
    const type = dnsTypeName(q.type);
    const lkey = `${client}|${q.name}|${type}`;
    let lookup = this.lookups.get(lkey);
    if (!lookup) {
      if (this.lookups.size >= PATH_LIMITS.MAX_LOOKUPS) return this.drop('dns lookups');
      lookup = { client, resolver, name: q.name, type, outcome: 'no-answer', queries: 0, answers: [], cnames: [], frames: [], firstTs: ts, answerTs: 0, answerFrame: 0 };
      this.lookups.set(lkey, lookup);
    }
    lookup.queries++;
    if (lookup.frames.length < PATH_LIMITS.MAX_LOOKUP_FRAMES) lookup.frames.push(frame);
    const okey = `${client}|${port}|${resolver}|${msg.id}`;
    if (!this.outstanding.has(okey) && this.outstanding.size >= PATH_LIMITS.MAX_OUTSTANDING_QUERIES) this.expire(ts);
    if (!this.outstanding.has(okey) && this.outstanding.size >= PATH_LIMITS.MAX_OUTSTANDING_QUERIES) return this.drop('dns queries');
    this.outstanding.set(okey, { lookup, ts });
  }

  private response(frame: number, ts: number, client: string, port: number, resolver: string, msg: DnsMessage): void {
    const okey = `${client}|${port}|${resolver}|${msg.id}`;
    const o = this.outstanding.get(okey);
    // A response without its query (the capture started after it, or it was spoofed) is not a lookup we saw.
    if (!o || ts - o.ts > QUERY_TIMEOUT_SEC) return;
    const q = msg.questions[0]!;
    const lookup = o.lookup;
    if (q.name !== lookup.name || dnsTypeName(q.type) !== lookup.type) return; // not the answer to that question
    this.outstanding.delete(okey);
    // The first answer decides, unless a later one resolves what the first did not (a retry that worked).
    if (lookup.answerFrame !== 0 && (lookup.outcome === 'resolved' || outcomeOf(msg) !== 'resolved')) return;
    lookup.outcome = outcomeOf(msg);
    lookup.rcode = rcodeName(msg.rcode);
    lookup.answerFrame = frame;
    lookup.answerTs = ts;
    if (lookup.frames.length < PATH_LIMITS.MAX_LOOKUP_FRAMES + 1) lookup.frames.push(frame);
    lookup.answers = [];
    lookup.cnames = [];
    for (const r of msg.answers) {
      if (r.type === DnsType.CNAME && r.value !== undefined) lookup.cnames.push(r.value);
      const answer = r.type === DnsType.A || r.type === DnsType.AAAA || r.type === DnsType.MX ? r.value
        : r.type === DnsType.SRV && r.srv ? `${r.value}:${r.srv.port}` : undefined;
      if (answer !== undefined && lookup.answers.length < PATH_LIMITS.MAX_ANSWERS) lookup.answers.push(answer);
    }
  }

  /** Forgets queries older than QUERY_TIMEOUT_SEC (they stay lookups with no answer). */
  private expire(now: number): void {
    for (const [k, o] of this.outstanding) if (now - o.ts > QUERY_TIMEOUT_SEC) this.outstanding.delete(k);
  }

  private drop(what: string): void {
    this.dropped[what] = (this.dropped[what] ?? 0) + 1;
  }

  /**
   * A mail connection ended: its path facts (ICMP errors that quoted its packets), and it is counted
   * in the reachability summary (where the lookups that led to it are). Undefined when there are none.
   * The summary does not depend on the order connections end in (sharded reading delivers them in
   * another order than they finish).
   */
  attach(c: ConnectionView): PathFacts | undefined {
    const { client, server } = c;
    // Errors a shard already tied (sharded reading), or the ones kept here.
    const icmp = c.icmp ?? this.icmp.take(client, server);
    this.count(c, icmp);
    if (this.starts.length < PATH_LIMITS.MAX_CONNECTION_STARTS) {
      this.starts.push({ client: client.ip, server: server.ip, port: server.port, ts: c.startTs, frame: c.firstFrame });
    } else {
      this.drop('connection starts');
    }
    if (icmp.length === 0) return undefined;
    return { icmp };
  }

  /** The latest lookup by `client` answered before `ts` (within LOOKUP_LEADS_WITHIN_SEC) that returned `address`. */
  lookupBefore(client: string, address: string, ts: number): Lookup | undefined {
    let best: Lookup | undefined;
    for (const l of this.lookups.values()) {
      if (l.client !== client || l.outcome !== 'resolved' || l.answerTs > ts + 0.001 || ts - l.answerTs > LOOKUP_LEADS_WITHIN_SEC) continue;
      if (!l.answers.includes(address)) continue;
      if (!best || l.answerTs > best.answerTs) best = l;
    }
    return best;
  }

  private count(c: ConnectionView, icmp: IcmpNote[]): void {
    const key = `${c.server.ip}|${c.server.port}`;
    let a = this.attempts.get(key);
    if (!a) {
      if (this.attempts.size >= PATH_LIMITS.MAX_ATTEMPT_TARGETS) return this.drop('connection targets');
      a = { address: c.server.ip, port: c.server.port, family: c.server.ip.includes(':') ? 6 : 4, tries: 0, answered: 0, connected: 0, greeted: 0, loggedIn: 0, encrypted: 0, failures: {}, firstFrame: c.firstFrame };
      this.attempts.set(key, a);
    }
    a.tries++;
    const t = c.tcp;
    const rejected = icmp.find((n) => n.quotedFrom === 'client' && n.cause !== 'too-big');
    const established = t === undefined || t.established;
    if (established || t?.refused || rejected) a.answered++;
    if (established) a.connected++;
    if (c.greeted) a.greeted++;
    if (c.loggedIn) a.loggedIn++;
    if (established && c.encrypted) a.encrypted++;
    const failure = rejected && !established ? rejected.cause : t?.noAnswer ? 'no-answer' : t?.refused ? 'refused' : undefined;
    if (failure) a.failures[failure] = (a.failures[failure] ?? 0) + 1;
  }

  /** Lookups so far (for the capture-level findings). */
  allLookups(): LookupSummary[] {
    return [...this.lookups.values()].map(publicLookup);
  }

  /**
   * The reachability summary: each mail name looked up (with the attempts to the addresses its
   * lookups returned), then the addresses connected to that no lookup explains.
   */
  reachability(): Reachability {
    const servers: ReachabilityEntry[] = [];
    const explained = new Set<string>();
    const byName = new Map<string, Lookup[]>();
    for (const l of this.lookups.values()) {
      if (!isMailName(l) && !l.answers.some((x) => this.attemptsTo(x).length > 0)) continue;
      const list = byName.get(l.name) ?? [];
      list.push(l);
      byName.set(l.name, list);
    }
    for (const [name, lookups] of byName) {
      const attempts: AttemptSummary[] = [];
      for (const l of lookups) {
        for (const x of l.answers) {
          for (const a of this.attemptsTo(x)) {
            const k = `${a.address}|${a.port}`;
            if (!attempts.some((b) => `${b.address}|${b.port}` === k)) attempts.push(a);
            explained.add(k);
          }
        }
      }
      servers.push({ name, lookups: lookups.map(publicLookup), attempts });
    }
    const rest = new Map<string, AttemptSummary[]>();
    for (const a of this.attempts.values()) {
      if (explained.has(`${a.address}|${a.port}`)) continue;
      const list = rest.get(a.address) ?? [];
      list.push(a);
      rest.set(a.address, list);
    }
    for (const attempts of rest.values()) servers.push({ lookups: [], attempts });
    for (const e of servers) e.attempts.sort((a, b) => a.firstFrame - b.firstFrame);
    servers.sort((a, b) => firstFrameOf(a) - firstFrameOf(b));
    const r: Reachability = { servers };
    if (this.icmp.dropped) this.dropped['icmp errors'] = this.icmp.dropped;
    if (Object.keys(this.dropped).length) r.dropped = { ...this.dropped };
    if (Object.keys(this.dnsErrors).length) r.dnsErrors = { ...this.dnsErrors };
    return r;
  }

  /** Attempts to an address (or "host:port" SRV answers are not addresses: none). */
  private attemptsTo(address: string): AttemptSummary[] {
    const out: AttemptSummary[] = [];
    for (const a of this.attempts.values()) if (a.address === address) out.push(a);
    return out;
  }
}

/** Where an entry starts in the capture: its first lookup frame, or its first attempt's. */
function firstFrameOf(e: ReachabilityEntry): number {
  return Math.min(...e.lookups.map((l) => l.frames[0] ?? Infinity), ...e.attempts.map((a) => a.firstFrame), Infinity);
}

function flowKey(srcIp: string, srcPort: number, dstIp: string, dstPort: number): string {
  return `${srcIp}|${srcPort}|${dstIp}|${dstPort}`;
}

function note(frame: number, ts: number, e: IcmpError, quotedFrom: 'client' | 'server'): IcmpNote {
  return { frame, ts, cause: e.cause, type: e.type, code: e.code, name: icmpName(e), reporter: e.reporter, quotedFrom, mtu: e.mtu, quotedLength: e.quotedLength };
}

function outcomeOf(msg: DnsMessage): LookupOutcome {
  switch (msg.rcode) {
    case 0: return msg.answers.some((r) => r.type === DnsType.A || r.type === DnsType.AAAA || r.type === DnsType.SRV || r.type === DnsType.MX) ? 'resolved' : 'no-data';
    case 2: return 'servfail';
    case 3: return 'nxdomain';
    case 5: return 'refused';
    default: return 'error';
  }
}

function publicLookup(l: Lookup): LookupSummary {
  const s: LookupSummary = { client: l.client, resolver: l.resolver, name: l.name, type: l.type, outcome: l.outcome, queries: l.queries, answers: [...l.answers], cnames: [...l.cnames], frames: [...l.frames] };
  if (l.rcode !== undefined) s.rcode = l.rcode;
  return s;
}

/** First labels of host names mail clients are configured with or look up by themselves. */
const MAIL_HOST = /^(?:imap|imaps|imap4|pop|pop3|pop3s|pops|mail|email|mx|smtp|smtps|submission|exchange|owa|outlook|autoconfig|autodiscover)\d*$/;
/** RFC 6186 service labels, RFC 8314's submissions, and Outlook's _autodiscover. */
const MAIL_SRV = /^_(?:imap|imaps|pop3|pop3s|submission|submissions|autodiscover)\._tcp\./;

/** Whether a lookup is one a mail client makes (a mail host name, an RFC 6186 SRV, an MX, auto-configuration). */
export function isMailName(l: { name: string; type: string }): boolean {
  if (l.type === 'MX' || MAIL_SRV.test(l.name)) return true;
  if (l.type !== 'A' && l.type !== 'AAAA') return false;
  return MAIL_HOST.test(l.name.split('.', 1)[0] ?? '');
}

/** Auto-configuration probes (Thunderbird's autoconfig., Outlook's autodiscover.): their failure is routine. */
export function isAutoconfigName(name: string): boolean {
  return /^(?:autoconfig|autodiscover)\./.test(name) || name.startsWith('_autodiscover._tcp.');
}
