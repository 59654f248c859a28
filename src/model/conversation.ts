/**
 * The Conversation model: what the protocol dissectors (IMAP, POP3) produce for one TCP connection,
 * and what the diagnosis and every report read. Plain JSON-serialisable data (no classes, no
 * Uint8Array, no bigint), so `JSON.stringify(conversation)` is the JSON report's core.
 *
 * Secrets: the model holds them (the diagnosis needs to compare passwords); every place a secret
 * appears is marked (`DialogueEvent.secrets`, `AuthAttempt.secret`) so that one redaction step
 * (src/model/redact.ts) removes them before any output unless the user asks to see them.
 */
import type { ConnectionSummary, Endpoint, RoleSource } from '../tcp/stream.js';
import type { PathFacts } from '../connectivity/facts.js';

export type Protocol = 'imap' | 'pop3' | 'smtp' | 'unknown';
/** A protocol mailwire dissects (not 'unknown'). */
export type MailProtocol = Exclude<Protocol, 'unknown'>;
export type Severity = 'error' | 'warning' | 'info';
/** 'C' = client to server, 'S' = server to client. */
export type Side = 'C' | 'S';

/** A part of `DialogueEvent.raw` that is a secret: [start, end) character offsets. */
export interface SecretSpan {
  start: number;
  end: number;
  kind: 'password' | 'token' | 'sasl' | 'hash';
}

/** A literal ({n}, {n+}, {n-}, ~{n}) or a message body (POP3 RETR/TOP) inside a dialogue line. */
export interface LiteralInfo {
  /** Announced size in bytes (POP3 bodies: bytes received, after dot-unstuffing). */
  size: number;
  /** Bytes actually seen (less than size when the connection or capture ended inside it). */
  received: number;
  /** Position in `raw` right after which the literal's content belongs (after the `{n}`). */
  at: number;
  /** First bytes of the content as text (latin1), at most LIMITS.LITERAL_HEAD_BYTES. */
  head: string;
  /** The whole content as text when it is small (LIMITS.LITERAL_KEEP_BYTES): credentials, names. */
  text?: string;
  /** The literal's content is a secret (a LOGIN password given as a literal). */
  secret?: boolean;
  complete: boolean;
  firstFrame: number;
  lastFrame: number;
  /** Offset of the content's first byte in this direction's (decrypted/inflated) stream. */
  streamOffset: number;
  /** Literal form as sent: '{n}' synchronising, '{n+}' / '{n-}' non-synchronising, '~{n}' literal8, 'body' for POP3. */
  form: 'sync' | 'nonsync-plus' | 'nonsync-minus' | 'literal8' | 'body';
}

export type EventKind =
  /** A protocol line (command, response, continuation, SASL data line...). */
  | 'line'
  /** Bytes missing from the capture (TCP gap); `note` tells how many. */
  | 'gap'
  /** The stream switched to TLS (STARTTLS/STLS or implicit); `note` summarises. */
  | 'tls'
  /** A line the parser could not understand; `note` is the reason. */
  | 'malformed'
  /** Something worth showing that is not a line (COMPRESS started, stream ended, cap hit...). */
  | 'note';

export interface DialogueEvent {
  /** Index of this event in Conversation.events. */
  n: number;
  side: Side;
  kind: EventKind;
  /** First and last frame that carried the event's bytes. */
  frame: number;
  lastFrame: number;
  /** Capture time (seconds since the epoch) of the first byte. */
  ts: number;
  /** The line as sent, without its CRLF; literals' contents are not included (see literals). */
  raw: string;
  /** The line ended with a bare LF instead of CRLF. */
  bareLf?: boolean;
  secrets?: SecretSpan[];
  literals?: LiteralInfo[];
  /** Protocol-specific parse result (ImapParsed / Pop3Parsed), JSON-serialisable. */
  parsed?: unknown;
  /** Exchange this event belongs to (index in Conversation.exchanges). */
  exchange?: number;
  /** For gap / malformed / note / tls: the explanation. */
  note?: string;
  /** Offset of the event's first byte in this direction's stream. */
  streamOffset: number;
  /** The line travelled inside TLS that mailwire decrypted, or inside COMPRESS. */
  decrypted?: boolean;
  inflated?: boolean;
}

/** One command with everything the server said about it (Suricata's transaction). */
export interface Exchange {
  n: number;
  /** IMAP tag (absent for POP3). */
  tag?: string;
  /** Command name, upper-cased; two words for UID commands ('UID FETCH'). Unknown ones as sent, upper-cased. */
  command: string;
  /** Command recognised by the protocol (false: unknown/misspelt command). */
  known: boolean;
  /** Session state when the command was sent (protocol specific: 'not-authenticated', 'AUTHORIZATION'...). */
  state: string;
  commandEvent: number;
  /** Untagged responses, continuations, multi-line bodies and client continuation lines, in order. */
  relatedEvents: number[];
  completionEvent?: number;
  /** 'OK' | 'NO' | 'BAD' (IMAP), '+OK' | '-ERR' (POP3); undefined when no completion was seen. */
  status?: string;
  /** Response code without brackets, e.g. 'AUTHENTICATIONFAILED', 'SYS/TEMP', 'Error=ProxyNotAuthenticated Proxy=...'. */
  responseCode?: string;
  /** Completion text after status and code. */
  responseText?: string;
  startTs: number;
  endTs?: number;
  /** Seconds from command to completion (excluding IDLE waiting and SASL user think time where known). */
  responseTime?: number;
  commandFrame: number;
  completionFrame?: number;
}

export interface SecretFacts {
  kind: 'password' | 'token' | 'hash' | 'response';
  /** The secret itself. Removed by redaction unless --show-secrets. */
  value?: string;
  length: number;
  leadingSpace: boolean;
  trailingSpace: boolean;
  nonAscii: boolean;
  /** A short hash so that attempts can be compared without showing the secret. */
  fingerprint: string;
  /** The line that carried it was longer than mailwire keeps: the secret is longer than `length` (a part of it was kept). */
  cut?: boolean;
}

export interface AuthAttempt {
  n: number;
  /** 'LOGIN' | 'USER/PASS' | 'APOP' | 'AUTHENTICATE' (IMAP SASL) | 'AUTH' (POP3 SASL). */
  method: string;
  /** SASL mechanism, upper-cased (PLAIN, LOGIN, XOAUTH2, CRAM-MD5, NTLM...). */
  mechanism?: string;
  user?: string;
  /** How the user name was written: IMAP 'atom' | 'quoted' | 'literal', or 'sasl' / 'line'. */
  userForm?: string;
  /** The user name exactly as it appeared on the wire (for quoting diagnostics). */
  userRaw?: string;
  authzid?: string;
  secret?: SecretFacts;
  /** Extra decoded facts (NTLM domain/workstation/version, token claims...). */
  details?: Record<string, string>;
  /** The exchange happened inside TLS (or after STARTTLS). */
  encrypted: boolean;
  outcome: 'ok' | 'failed' | 'cancelled' | 'unknown';
  responseCode?: string;
  serverText?: string;
  exchange: number;
  frames: number[];
  ts: number;
  /** Challenge-response captured on the wire that can be attacked offline (format for auditors). Secret. */
  crackable?: { format: string; line?: string };
}

export interface CapabilitySet {
  /** 'greeting' | 'pre-tls' | 'post-tls' | 'post-auth' (IMAP) ; POP3 uses the same names for CAPA. */
  phase: string;
  frame: number;
  /** Capabilities as sent (IMAP capability atoms; POP3 CAPA lines). */
  list: string[];
}

export interface SoftwareId {
  product: string;
  version?: string;
  /** Where it was learnt: 'greeting', 'id', 'capability', 'banner'. */
  source: string;
  /** Extra facts, e.g. the Exchange back-end FQDN decoded from the greeting. */
  details?: Record<string, string>;
}

/** A protocol-level fact the dissector noticed (malformed line, tag reuse, cap hit...); rules read these. */
export interface Anomaly {
  code: string;
  frame: number;
  event?: number;
  detail?: string;
}

export interface TransportFacts {
  security: 'plain' | 'implicit-tls' | 'starttls';
  /** TLS was decrypted with a key log. */
  decrypted: boolean;
  compressed: boolean;
  /** Bytes each way still encrypted (could not be decrypted) [client->server, server->client]. */
  encryptedBytes?: [number, number];
}

export interface Finding {
  /** Stable id, `<layer>.<kebab-case>`. */
  id: string;
  severity: Severity;
  conversation: number;
  frames: number[];
  events: number[];
  /** One line in plain words; never contains a secret unless the user asked for secrets. */
  message: string;
  /** Facts that parameterise the message (JSON values). */
  args: Record<string, string | number | boolean>;
  /**
   * For a conversation read from a server log (Conversation.log): where the finding came from,
   * `file:line` for each of `frames` (which are then the log's line numbers).
   */
  lines?: string[];
}

/** The server log a conversation was read from (src/logs): its frame numbers are the log's line numbers. */
export interface LogSource {
  format: 'exchange-protocol-log' | 'dovecot-log';
  file: string;
  /** The session's id in the log (Exchange sessionId, Dovecot session). */
  session?: string;
}

export interface Conversation {
  /** Unique within one analysis (across all its inputs). */
  id: number;
  /** The capture this conversation came from (file name, '(stdin)' or the interface). */
  input?: string;
  /** Read from a server log instead of packets: frames are then line numbers of that file. */
  log?: LogSource;
  protocol: Protocol;
  client: Endpoint;
  server: Endpoint;
  roleSource: RoleSource;
  sawSyn: boolean;
  /**
   * Wireshark's tcp.stream index of the connection in its input file (the display filter
   * `tcp.stream eq N` selects its packets there); absent when unknown.
   */
  tcpStream?: number;
  firstFrame: number;
  lastFrame: number;
  startTs: number;
  endTs: number;
  tcp?: ConnectionSummary;
  /**
   * What the connectivity layer (src/connectivity) tied to this connection: ICMP errors that quoted
   * its packets, the DNS lookup it followed. Absent when there is none.
   */
  path?: PathFacts;
  transport: TransportFacts;
  /** TLS handshake facts (src/protocols/tls), when the connection used TLS. */
  tls?: unknown;
  greeting?: { event: number; status: string; text: string };
  serverSoftware?: SoftwareId;
  clientSoftware?: SoftwareId;
  capabilities: CapabilitySet[];
  /** Final session state. */
  state: string;
  events: DialogueEvent[];
  exchanges: Exchange[];
  auth: AuthAttempt[];
  anomalies: Anomaly[];
  findings: Finding[];
  /** Events not kept because a cap was hit (counted, not stored). */
  droppedEvents: number;
}
