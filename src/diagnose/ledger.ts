/**
 * The bounded memory the Diagnoser keeps across conversations, for the capture-level rules
 * (repeated login failures, contrast with a working session). The pipeline streams: conversations
 * are not kept, only a small summary of their login attempts per server and client.
 */
import type { Conversation, MailProtocol } from '../model/conversation.js';
import type { LookupSummary, ReachabilityEntry } from '../connectivity/facts.js';
import type { ConnectionStart } from '../connectivity/path-tracker.js';
import type { TlsFacts } from '../protocols/tls/types.js';
import { capabilityKnownBefore, loginViews, userShape, type LoginView } from './view.js';
import type { FoldedAttempts } from '../tcp/attempt-folder.js';

/** Servers (protocol + address + port) tracked; beyond it new servers are counted, not tracked. */
export const MAX_LEDGER_SERVERS = 256;
/** Clients (IP addresses) tracked per server. */
export const MAX_LEDGER_CLIENTS_PER_SERVER = 256;
/** Failed attempts kept in detail per client (all are counted). */
export const MAX_FAILURES_KEPT_PER_CLIENT = 16;
/** TLS client fingerprints (JA4) tracked; beyond it new ones are counted, not tracked. */
export const MAX_LEDGER_FINGERPRINTS = 256;

/** How the TLS conversations of one client fingerprint (JA4) went. */
export interface FingerprintLedger {
  ja4: string;
  /** The client software mailwire's table names for it. */
  client?: string;
  failed: number;
  worked: number;
  /** The first failing conversation: its id and the ClientHello frame. */
  firstFailure?: { conversation: number; frame: number };
}

/** What is remembered of one login attempt: no secret, only its fingerprint and shape. */
export interface LoginSummary {
  conversation: number;
  protocol: MailProtocol;
  client: string;
  outcome: 'ok' | 'failed';
  /** LOGIN, AUTHENTICATE, USER/PASS, APOP, AUTH (POP3 SASL), or the unknown command as sent. */
  command: string;
  mechanism?: string;
  user?: string;
  userForm?: string;
  userShape: ReturnType<typeof userShape>;
  /** The password/token fingerprint (SecretFacts.fingerprint), to say "same password" or not. */
  fingerprint?: string;
  capabilityAsked: boolean;
  tls: boolean;
  frames: number[];
  events: number[];
  responseCode?: string;
  responseText?: string;
}

export interface ClientLedger {
  client: string;
  failures: number;
  /** Distinct conversations with a failure (counted). */
  failedConversations: number;
  /** The first failures in detail (MAX_FAILURES_KEPT_PER_CLIENT). */
  kept: LoginSummary[];
  successes: number;
  lastConversation: number;
}

export interface ServerLedger {
  key: string;
  protocol: MailProtocol;
  server: string;
  clients: Map<string, ClientLedger>;
  /** Clients not tracked because of MAX_LEDGER_CLIENTS_PER_SERVER. */
  clientsDropped: number;
  firstFailure?: LoginSummary;
  firstSuccess?: LoginSummary;
}

/**
 * What the ledger takes from one conversation (summariseLogins): plain data, made where the
 * conversation is (a worker thread when reading is sharded) and applied where the ledger is.
 */
export interface LedgerEntry {
  protocol: MailProtocol | 'unknown';
  key: string;
  server: string;
  client: string;
  conversation: number;
  logins: LoginSummary[];
  /** The conversation's TLS client fingerprint and whether it failed or worked (when it can be said). */
  fingerprint?: { ja4: string; client?: string; outcome: 'failed' | 'worked'; frame: number };
}

/**
 * Whether a TLS conversation failed or worked, for the fingerprint comparison: failed when a login
 * failed or the TLS handshake did not complete (closed during it, or a fatal alert); worked when a
 * login succeeded, or without a login when the handshake completed and nothing failed.
 */
function tlsOutcome(conv: Conversation, views: readonly LoginView[]): 'failed' | 'worked' | undefined {
  const tls = conv.tls as TlsFacts | undefined;
  if (!tls?.ja4) return undefined;
  if (views.some((v) => v.outcome === 'failed')) return 'failed';
  if (tls.closedDuringHandshake || tls.alerts.some((a) => a.level === 'fatal')) return 'failed';
  if (views.some((v) => v.outcome === 'ok')) return 'worked';
  return tls.handshakeState === 'established' ? 'worked' : undefined;
}

/** The ledger's summary of a finished conversation (login attempts, TLS fingerprint), or undefined when it has none to record. */
export function summariseLogins(conv: Conversation): LedgerEntry | undefined {
  const mail = conv.protocol !== 'unknown';
  const views = mail ? loginViews(conv).filter((v) => v.outcome === 'ok' || v.outcome === 'failed') : [];
  const outcome = tlsOutcome(conv, views);
  if (views.length === 0 && outcome === undefined) return undefined;
  const entry: LedgerEntry = {
    protocol: conv.protocol,
    key: `${conv.protocol}|${conv.server.ip}|${conv.server.port}`,
    server: endpoint(conv.server),
    client: conv.client.ip,
    conversation: conv.id,
    logins: views.map((v) => summarise(conv, v)),
  };
  if (outcome !== undefined) {
    const tls = conv.tls as TlsFacts;
    entry.fingerprint = { ja4: tls.ja4!, outcome, frame: tls.clientHellos[0]?.frame ?? conv.firstFrame };
    if (tls.ja4Client !== undefined) entry.fingerprint.client = tls.ja4Client;
  }
  return entry;
}

/** A record of folded connection attempts (src/tcp/attempt-folder.ts) and the input it came from. */
export interface FoldedAttemptsEntry extends FoldedAttempts {
  /** The input's name, when the run read several (frame numbers restart with each input). */
  input?: string;
}

/** What the connectivity layer knows at the end of each input, for the dns.* and path.* capture rules. */
export interface PathLedger {
  lookups: LookupSummary[];
  starts: ConnectionStart[];
  reachability: ReachabilityEntry[];
}

export class CaptureLedger {
  readonly servers = new Map<string, ServerLedger>();
  /** Folded connection attempts of every input, in input order (bounded per input by the TCP layer's key cap). */
  readonly foldedAttempts: FoldedAttemptsEntry[] = [];
  /** One entry per input read (frame numbers restart with each input). */
  readonly paths: PathLedger[] = [];
  /** Servers not tracked because of MAX_LEDGER_SERVERS. */
  serversDropped = 0;
  /** TLS conversations per client fingerprint (JA4). */
  readonly fingerprints = new Map<string, FingerprintLedger>();
  /** Conversations whose fingerprint was not tracked because of MAX_LEDGER_FINGERPRINTS. */
  fingerprintsDropped = 0;

  /** Records the login attempts of one finished conversation. */
  record(conv: Conversation): void {
    const entry = summariseLogins(conv);
    if (entry) this.apply(entry);
  }

  /** Records a summary made by summariseLogins (in finish order: the first failure and success are kept). */
  apply(entry: LedgerEntry): void {
    if (entry.fingerprint) this.applyFingerprint(entry.conversation, entry.fingerprint);
    if (entry.logins.length === 0 || entry.protocol === 'unknown') return;
    const key = entry.key;
    let server = this.servers.get(key);
    if (!server) {
      if (this.servers.size >= MAX_LEDGER_SERVERS) {
        this.serversDropped++;
        return;
      }
      server = { key, protocol: entry.protocol as 'imap' | 'pop3', server: entry.server, clients: new Map(), clientsDropped: 0 };
      this.servers.set(key, server);
    }
    let client = server.clients.get(entry.client);
    if (!client) {
      if (server.clients.size >= MAX_LEDGER_CLIENTS_PER_SERVER) {
        server.clientsDropped++;
        return;
      }
      client = { client: entry.client, failures: 0, failedConversations: 0, kept: [], successes: 0, lastConversation: entry.conversation };
      server.clients.set(entry.client, client);
    }
    client.lastConversation = entry.conversation;
    let failedHere = false;
    for (const s of entry.logins) {
      if (s.outcome === 'ok') {
        client.successes++;
        server.firstSuccess ??= s;
      } else {
        client.failures++;
        failedHere = true;
        if (client.kept.length < MAX_FAILURES_KEPT_PER_CLIENT) client.kept.push(s);
        server.firstFailure ??= s;
      }
    }
    if (failedHere) client.failedConversations++;
  }

  private applyFingerprint(conversation: number, f: NonNullable<LedgerEntry['fingerprint']>): void {
    let e = this.fingerprints.get(f.ja4);
    if (!e) {
      if (this.fingerprints.size >= MAX_LEDGER_FINGERPRINTS) {
        this.fingerprintsDropped++;
        return;
      }
      e = { ja4: f.ja4, failed: 0, worked: 0 };
      if (f.client !== undefined) e.client = f.client;
      this.fingerprints.set(f.ja4, e);
    }
    if (f.outcome === 'worked') e.worked++;
    else {
      e.failed++;
      e.firstFailure ??= { conversation, frame: f.frame };
    }
  }
}

function endpoint(e: { ip: string; port: number }): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

function summarise(conv: Conversation, v: LoginView): LoginSummary {
  const s: LoginSummary = {
    conversation: conv.id,
    protocol: conv.protocol as MailProtocol,
    client: conv.client.ip,
    outcome: v.outcome === 'ok' ? 'ok' : 'failed',
    command: v.command,
    userShape: userShape(v.user),
    capabilityAsked: capabilityKnownBefore(conv, v.exchange.commandFrame).asked,
    tls: v.encrypted,
    frames: v.frames.slice(0, 4),
    events: v.exchange.commandEvent >= 0 ? [v.exchange.commandEvent] : [],
  };
  if (v.mechanism !== undefined) s.mechanism = v.mechanism;
  if (v.user !== undefined) s.user = v.user;
  if (v.userForm !== undefined) s.userForm = v.userForm;
  if (v.secret) s.fingerprint = v.secret.fingerprint;
  if (v.exchange.responseCode !== undefined) s.responseCode = v.exchange.responseCode;
  if (v.exchange.responseText !== undefined) s.responseText = v.exchange.responseText;
  return s;
}

export { endpoint as formatEndpoint };
