/**
 * Event records, schema version 2 (docs/events.md, docs/schema/events.schema.json): the JSON Lines
 * a SIEM or an analytics store takes as they are. Each record is one flat object with dotted keys
 * (Elasticsearch and OpenSearch read `source.ip` as the path source → ip; ClickHouse 18's
 * JSONEachRow needs flat keys) and stands alone: time, sensor, input, the conversation's uid, its
 * endpoints and protocol. Field names are the Elastic Common Schema's where one exists, mailwire's
 * own under `mailwire.`. Every field path has one JSON type in every record (a test checks it over
 * every sample and corpus capture), and no record grows with the conversation: the dialogue is one
 * record per line, lists are capped.
 */
import type { AuthAttempt, Conversation, DialogueEvent, Finding } from '../../model/conversation.js';
import type { AnalysisStats } from '../../analyze.js';
import type { TlsFacts } from '../../protocols/tls/types.js';
import { outcome, isoTime } from '../describe.js';
import { loginRow } from '../logins.js';
import { communityId, IPPROTO_TCP } from './community-id.js';

export const EVENTS_SCHEMA_VERSION = 2;
/** The ECS release whose field names and types the records follow. */
export const ECS_VERSION = '8.11.0';
/** A dialogue line longer than this is cut in `message` (`mailwire.dialogue.length` keeps its size). */
export const MAX_MESSAGE_CHARS = 4096;
/** Entries kept in the records' lists (capabilities, frames, finding ids...). */
export const MAX_LIST = 64;

export type RecordType = 'conversation' | 'dialogue' | 'login' | 'finding' | 'summary';
export const RECORD_TYPES: readonly RecordType[] = ['conversation', 'dialogue', 'login', 'finding', 'summary'];

/** One record: a flat object of dotted field paths to JSON values. */
export type EventRecord = Record<string, string | number | boolean | string[] | number[]>;

/** What every record says about where it comes from. */
export interface RecordSource {
  /** --sensor (observer.name); absent for `read` without --sensor. */
  sensor?: string;
  version: string;
}

/** The fields a record about one conversation repeats: who talked to whom, when it started. */
export type ConversationHeader = EventRecord;

const SEVERITY_NUMBER = { error: 3, warning: 2, info: 1 } as const;

/** The conversation's stable uid: its Community ID and start time (microseconds), e.g. `1:LQU9...=@1764...123456`. */
export function conversationUid(c: Pick<Conversation, 'client' | 'server' | 'startTs'>): string {
  const cid = communityId(IPPROTO_TCP, c.client.ip, c.server.ip, c.client.port, c.server.port);
  return `${cid || 'none'}@${Math.round(c.startTs * 1e6)}`;
}

function base(type: RecordType, ts: number, src: RecordSource, kind: string, category: string[], eventType: string[]): EventRecord {
  const r: EventRecord = {
    '@timestamp': isoTime(ts),
    'ecs.version': ECS_VERSION,
    'event.kind': kind,
    'event.category': category,
    'event.type': eventType,
    'event.module': 'mailwire',
    'event.dataset': `mailwire.${type}`,
    'observer.product': 'mailwire',
    'observer.version': src.version,
    'mailwire.schema_version': EVENTS_SCHEMA_VERSION,
    'mailwire.record': type,
  };
  if (src.sensor !== undefined) r['observer.name'] = src.sensor;
  return r;
}

/** The user of a conversation: the one that logged in, else the last one that tried. */
export function conversationUser(c: Conversation): string | undefined {
  const ok = c.auth.find((a) => a.outcome === 'ok' && a.user !== undefined);
  if (ok) return ok.user;
  for (let i = c.auth.length - 1; i >= 0; i--) if (c.auth[i]!.user !== undefined) return c.auth[i]!.user;
  return undefined;
}

/** The connection fields every record about `c` carries. `c` may still be open (live findings). */
export function conversationHeader(c: Conversation, input: string | undefined): ConversationHeader {
  const h: ConversationHeader = {
    'network.community_id': communityId(IPPROTO_TCP, c.client.ip, c.server.ip, c.client.port, c.server.port),
    'network.transport': 'tcp',
    'network.type': c.client.ip.includes(':') ? 'ipv6' : 'ipv4',
    'network.protocol': c.protocol,
    'source.ip': c.client.ip,
    'source.port': c.client.port,
    'destination.ip': c.server.ip,
    'destination.port': c.server.port,
    'client.ip': c.client.ip,
    'client.port': c.client.port,
    'server.ip': c.server.ip,
    'server.port': c.server.port,
    'mailwire.conversation.uid': conversationUid(c),
    'mailwire.conversation.id': c.id,
  };
  const inp = input ?? c.input;
  if (inp !== undefined) h['mailwire.input'] = inp;
  const user = conversationUser(c);
  if (user !== undefined) h['user.name'] = user;
  return h;
}

function put(r: EventRecord, key: string, value: string | number | boolean | string[] | undefined): void {
  if (value !== undefined) r[key] = value;
}

function eventOutcome(c: Conversation): string {
  if (c.tcp?.noAnswer || c.tcp?.refused) return 'failure';
  const last = c.auth[c.auth.length - 1];
  if (!last) return 'unknown';
  return last.outcome === 'ok' ? 'success' : last.outcome === 'unknown' ? 'unknown' : 'failure';
}

/** "TLS 1.2" → ['tls', '1.2']; "SSL 3.0" → ['ssl', '3.0'] (ECS tls.version_protocol, tls.version). */
function tlsVersion(name: string): [string, string] | undefined {
  const m = /^(TLS|SSL)\s*([\d.]+)$/i.exec(name);
  return m ? [m[1]!.toLowerCase(), m[2]!] : undefined;
}

function tlsFields(r: EventRecord, tls: TlsFacts): void {
  const v = tls.version ? tlsVersion(tls.version.name) : undefined;
  if (v) {
    r['tls.version_protocol'] = v[0];
    r['tls.version'] = v[1];
  }
  put(r, 'tls.cipher', tls.cipherSuite?.name);
  put(r, 'tls.client.server_name', tls.sni);
  r['tls.established'] = tls.handshakeState === 'established';
  const hello = tls.serverHellos[tls.serverHellos.length - 1];
  if (hello) {
    r['tls.resumed'] = hello.resumed;
    put(r, 'tls.next_protocol', hello.alpn);
  }
  const leaf = tls.certificates.find((m) => m.sender === 'server')?.certificates.find((x) => x.index === 0 && !x.parseError);
  if (leaf) {
    r['tls.server.hash.sha256'] = leaf.sha256.toUpperCase();
    r['tls.server.x509.subject.common_name'] = leaf.subjectCN.slice(0, MAX_LIST);
    r['tls.server.x509.issuer.common_name'] = leaf.issuerCN.slice(0, MAX_LIST);
    r['tls.server.x509.alternative_names'] = [...leaf.sanDns, ...leaf.sanIp].slice(0, MAX_LIST);
    r['tls.server.x509.not_before'] = leaf.notBefore;
    r['tls.server.x509.not_after'] = leaf.notAfter;
    r['tls.server.x509.serial_number'] = leaf.serialNumber;
    r['tls.server.x509.signature_algorithm'] = leaf.signatureAlgorithm;
    r['mailwire.tls.self_signed'] = leaf.selfSigned;
  }
  r['mailwire.tls.decryption'] = tls.decryption.status;
}

/** The conversation's summary record: no dialogue, no findings (those are their own records). */
export function conversationRecord(c: Conversation, header: ConversationHeader, src: RecordSource): EventRecord {
  const r = { ...base('conversation', c.startTs, src, 'event', ['network'], ['connection', 'end']), ...header };
  r['event.start'] = isoTime(c.startTs);
  r['event.end'] = isoTime(c.endTs);
  r['event.duration'] = Math.max(0, Math.round((c.endTs - c.startTs) * 1e9));
  r['event.outcome'] = eventOutcome(c);
  r.message = outcome(c);
  r['mailwire.conversation.first_frame'] = c.firstFrame;
  r['mailwire.conversation.last_frame'] = c.lastFrame;
  r['mailwire.conversation.role_source'] = c.roleSource;
  r['mailwire.conversation.saw_syn'] = c.sawSyn;
  r['mailwire.conversation.state'] = c.state;
  r['mailwire.conversation.events'] = c.events.length + c.droppedEvents;
  r['mailwire.conversation.exchanges'] = c.exchanges.length;
  r['mailwire.conversation.logins'] = c.auth.length;
  r['mailwire.transport.security'] = c.transport.security;
  r['mailwire.transport.decrypted'] = c.transport.decrypted;
  r['mailwire.transport.compressed'] = c.transport.compressed;
  if (c.tcp) {
    r['mailwire.tcp.established'] = c.tcp.established;
    r['mailwire.tcp.refused'] = c.tcp.refused;
    r['mailwire.tcp.no_answer'] = c.tcp.noAnswer;
    put(r, 'mailwire.tcp.reset_by', c.tcp.resetBy);
    r['mailwire.tcp.end_reason'] = String(c.tcp.endReason);
    r['mailwire.tcp.client_bytes'] = c.tcp.bytes[0];
    r['mailwire.tcp.server_bytes'] = c.tcp.bytes[1];
  }
  put(r, 'mailwire.server.product', c.serverSoftware?.product);
  put(r, 'mailwire.server.version', c.serverSoftware?.version);
  put(r, 'mailwire.client.product', c.clientSoftware?.product);
  put(r, 'mailwire.client.version', c.clientSoftware?.version);
  const caps = c.capabilities[c.capabilities.length - 1];
  if (caps) r['mailwire.capabilities'] = caps.list.slice(0, MAX_LIST);
  const last = c.auth[c.auth.length - 1];
  if (last) r['mailwire.login.outcome'] = last.outcome;
  const counts = { error: 0, warning: 0, info: 0 };
  const ids = new Set<string>();
  for (const f of c.findings) {
    counts[f.severity]++;
    ids.add(f.id);
  }
  r['mailwire.findings.error'] = counts.error;
  r['mailwire.findings.warning'] = counts.warning;
  r['mailwire.findings.info'] = counts.info;
  r['mailwire.findings.ids'] = [...ids].slice(0, MAX_LIST);
  if (c.tls) tlsFields(r, c.tls as TlsFacts);
  return r;
}

/** One dialogue line (or gap, TLS switch, note) of a conversation. `e` is already redacted when secrets are hidden. */
export function dialogueRecord(c: Conversation, e: DialogueEvent, header: ConversationHeader, src: RecordSource): EventRecord {
  const r = { ...base('dialogue', e.ts, src, 'event', ['network'], ['protocol']), ...header };
  r['event.sequence'] = e.n;
  r.message = e.raw.length > MAX_MESSAGE_CHARS ? e.raw.slice(0, MAX_MESSAGE_CHARS) : e.raw;
  r['mailwire.dialogue.n'] = e.n;
  r['mailwire.dialogue.side'] = e.side;
  r['mailwire.dialogue.kind'] = e.kind;
  r['mailwire.dialogue.frame'] = e.frame;
  r['mailwire.dialogue.last_frame'] = e.lastFrame;
  r['mailwire.dialogue.length'] = e.raw.length;
  if (e.raw.length > MAX_MESSAGE_CHARS) r['mailwire.dialogue.truncated'] = true;
  put(r, 'mailwire.dialogue.note', e.note);
  if (e.literals?.length) r['mailwire.dialogue.literal_bytes'] = e.literals.reduce((n, l) => n + l.received, 0);
  if (e.decrypted) r['mailwire.dialogue.decrypted'] = true;
  if (e.inflated) r['mailwire.dialogue.inflated'] = true;
  if (e.bareLf) r['mailwire.dialogue.bare_lf'] = true;
  const x = e.exchange !== undefined ? c.exchanges[e.exchange] : undefined;
  if (x) {
    r['mailwire.exchange.n'] = x.n;
    r['mailwire.exchange.command'] = x.command;
    put(r, 'mailwire.exchange.tag', x.tag);
    if (x.completionEvent === e.n) {
      put(r, 'mailwire.exchange.status', x.status);
      put(r, 'mailwire.exchange.response_code', x.responseCode);
      put(r, 'mailwire.exchange.response_time', x.responseTime);
    }
  }
  return r;
}

/** One authentication attempt. */
export function loginRecord(c: Conversation, a: AuthAttempt, header: ConversationHeader, src: RecordSource, showSecrets: boolean): EventRecord {
  const row = loginRow(c, a, showSecrets);
  const r = { ...base('login', a.ts, src, 'event', ['authentication'], ['start']), ...header };
  r['event.outcome'] = a.outcome === 'ok' ? 'success' : a.outcome === 'unknown' ? 'unknown' : 'failure';
  if (a.user !== undefined) r['user.name'] = a.user;
  else delete r['user.name'];
  r['mailwire.login.n'] = a.n;
  r['mailwire.login.method'] = row.method;
  r['mailwire.login.command'] = row.command;
  r['mailwire.login.encrypted'] = a.encrypted;
  r['mailwire.login.outcome'] = a.outcome;
  r['mailwire.login.frame'] = a.frames[0] ?? c.firstFrame;
  r['mailwire.login.secret_exposed'] = row.secretExposed;
  put(r, 'mailwire.login.secret_kind', row.secretKind);
  put(r, 'mailwire.login.offline_attack', row.offlineAttack);
  put(r, 'mailwire.login.authzid', row.authzid);
  put(r, 'mailwire.login.response_code', a.responseCode);
  put(r, 'mailwire.login.server_text', row.serverText);
  if (showSecrets) put(r, 'mailwire.login.secret', row.secret);
  r.message = `${row.method} login${a.user !== undefined ? ` as ${a.user}` : ''}: ${a.outcome}`;
  return r;
}

/**
 * One finding. `header` is its conversation's (absent for a cross-conversation finding whose
 * conversation is no longer known); `ts` the time of its first event, else of the conversation.
 */
export function findingRecord(f: Finding, ts: number, header: ConversationHeader | undefined, src: RecordSource, title: string | undefined, scope: 'conversation' | 'capture'): EventRecord {
  const r = { ...base('finding', ts, src, 'alert', ['network'], ['info']), ...(header ?? {}) };
  r['event.severity'] = SEVERITY_NUMBER[f.severity];
  r['log.level'] = f.severity;
  r['rule.id'] = f.id;
  r['rule.ruleset'] = 'mailwire';
  r['rule.category'] = f.id.slice(0, f.id.indexOf('.'));
  put(r, 'rule.name', title);
  r.message = f.message;
  r['mailwire.finding.scope'] = scope;
  r['mailwire.finding.frames'] = f.frames.slice(0, MAX_LIST);
  r['mailwire.finding.events'] = f.events.slice(0, MAX_LIST);
  // Free-form facts as parallel name/value lists of strings: one type whatever a rule puts there
  // (a ClickHouse Nested column, two keyword lists in Elasticsearch).
  const names = Object.keys(f.args).slice(0, MAX_LIST);
  r['mailwire.finding.args.names'] = names;
  r['mailwire.finding.args.values'] = names.map((k) => String(f.args[k]));
  return r;
}

/** The time of a finding's first event in `c`, else `c`'s start. */
export function findingTime(f: Finding, c: Conversation): number {
  const first = f.events.length ? c.events[f.events[0]!] : undefined;
  return first?.ts ?? c.startTs;
}

/** The end-of-run record: the totals of the run (`ts`: the latest capture time seen). */
export function summaryRecord(stats: AnalysisStats, ts: number, src: RecordSource, inputs: readonly string[]): EventRecord {
  const r = base('summary', ts, src, 'metric', ['network'], ['info']);
  r['mailwire.summary.inputs'] = inputs.slice(0, MAX_LIST);
  r['mailwire.summary.frames'] = stats.frames;
  r['mailwire.summary.bytes'] = stats.bytes;
  r['mailwire.summary.conversations'] = stats.conversations;
  r['mailwire.summary.logins_ok'] = stats.logins.ok;
  r['mailwire.summary.logins_failed'] = stats.logins.failed;
  r['mailwire.summary.logins_cancelled'] = stats.logins.cancelled;
  r['mailwire.summary.logins_unknown'] = stats.logins.unknown;
  r['mailwire.summary.findings_error'] = stats.findings.error;
  r['mailwire.summary.findings_warning'] = stats.findings.warning;
  r['mailwire.summary.findings_info'] = stats.findings.info;
  r.message = `${stats.conversations} conversations, ${stats.findings.error} errors, ${stats.findings.warning} warnings`;
  return r;
}
