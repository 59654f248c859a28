/**
 * Chooses the protocol of each TCP connection and wires its dissector (and TLS layer) together.
 * It is the StreamFactory the TCP reassembler calls.
 *
 *  - 143 / 110 / 25 / 587: IMAP / POP3 / SMTP in cleartext (STARTTLS/STLS handled inside the dissectors).
 *  - 993 / 995 / 465: TLS from the first byte; the TLS layer feeds plaintext (when it has keys) to IMAP / POP3 / SMTP.
 *  - other ports the user names, and any connection whose first server bytes look like a greeting:
 *    the protocol is chosen from the greeting (`* OK` / `* PREAUTH` / `* BYE` → IMAP, `+OK` → POP3,
 *    a TLS handshake record → TLS, then the first decrypted server bytes decide the same way; when
 *    nothing can be decrypted the conversation's protocol is 'unknown', with its TLS facts).
 *  - any other port whose client opens with a TLS ClientHello (looked at in the first segment only):
 *    dissected when the key log has the session's secrets (the plaintext greeting then decides, as
 *    above) or when the hello says mail (tls/mail-hint.ts: ALPN, SNI, Exchange back-end ports);
 *    otherwise, like every other connection declined here, it is counted per server port
 *    (undissected.ts) so that the report can say what was left out and how to include it.
 *
 * Every handler is guarded: an exception escaping a dissector is caught here, recorded on that
 * conversation as anomaly 'dissector-exception', and the rest of the capture goes on.
 */
import type { Conversation } from '../model/conversation.js';
import type { ConnectionInfo, ConnectionSummary, Direction, EndReason, SegmentMeta, StreamFactory, StreamHandler } from '../tcp/stream.js';
import type { ContentSink, DissectorFactory, DissectorOptions, PlaintextSink, ProtocolDissector, TlsLayer, TlsLayerFactory } from './dissector.js';
import { createImapDissector } from './imap/imap-dissector.js';
import { createPop3Dissector } from './pop3/pop3-dissector.js';
import { createSmtpDissector } from './smtp/smtp-dissector.js';
import { ConversationBuilder } from './conversation-builder.js';
import { MAIL_PORTS } from '../tcp/limits.js';
import { peekClientHello } from './tls/client-hello-peek.js';
import { mailHint } from './tls/mail-hint.js';
import { UndissectedTally } from './undissected.js';

export const IMAP_PORT = 143;
export const IMAPS_PORT = 993;
export const POP3_PORT = 110;
export const POP3S_PORT = 995;
export const SMTP_PORT = 25;
export const SUBMISSION_PORT = 587;
export const SUBMISSIONS_PORT = 465;

/** Bytes a sniffing handler holds while it waits for the server's first bytes (each direction together). */
const MAX_SNIFF_BUFFER_BYTES = 64 * 1024;
/**
 * Server plaintext looked at to recognise a greeting: a greeting that is not recognised in this many
 * bytes (or by its first LF) is none. An SMTP greeting names its protocol anywhere in its first line
 * (`220 mx.example.org ESMTP Postfix`), so a head that starts like one is read up to its LF, within
 * RFC 5321's 512-octet reply line.
 */
const MAX_SNIFF_HEAD_BYTES = 512;
/** Bytes enough to tell IMAP, POP3 and TLS apart (and to see that a head does not start like `220`). */
const SHORT_HEAD_BYTES = 16;

export type Guess = 'imap' | 'pop3' | 'smtp' | 'tls' | undefined;

/**
 * The dissector for a protocol guessed from a greeting (guessFromServerBytes): the one place that
 * maps a guess to its dissector, for cleartext, probed connections and decrypted TLS alike.
 */
export function dissectorFor(guess: Guess): DissectorFactory | undefined {
  switch (guess) {
    case 'imap': return createImapDissector;
    case 'pop3': return createPop3Dissector;
    case 'smtp': return createSmtpDissector;
    default: return undefined;
  }
}

/**
 * What the first bytes a server sends say about the protocol (RFC 3501 §7.1, RFC 1939 §4,
 * RFC 5321 §4.2 and §3.1: `220`, a space or hyphen, and a first line that says SMTP or ESMTP, TLS record).
 */
export function guessFromServerBytes(b: Uint8Array): Guess {
  if (b.length >= 3 && b[0] === 0x16 && b[1] === 0x03 && b[2]! <= 0x04) return 'tls';
  const head = String.fromCharCode(...b.subarray(0, 12)).toUpperCase();
  if (/^\* (OK|PREAUTH|BYE)\b/.test(head)) return 'imap';
  if (/^\+OK\b/.test(head) || /^-ERR\b/.test(head)) return 'pop3';
  if (/^220[ -]/.test(head) && isSmtpGreetingLine(b)) return 'smtp';
  return undefined;
}

/** The first line (up to its LF, within the head) says SMTP: `220 host ESMTP ...`, `220-host SMTP ...`. */
function isSmtpGreetingLine(b: Uint8Array): boolean {
  const lf = b.indexOf(0x0a);
  const line = String.fromCharCode(...b.subarray(0, lf < 0 ? Math.min(b.length, MAX_SNIFF_HEAD_BYTES) : lf));
  return /\bE?SMTPS?\b/i.test(line);
}

/** The head may still become a recognised greeting with more bytes (it starts like `220` and has no LF yet). */
function undecidedHead(head: Uint8Array): boolean {
  if (head.length < SHORT_HEAD_BYTES) return !head.includes(0x0a);
  return head.length < MAX_SNIFF_HEAD_BYTES && head[0] === 0x32 && head[1] === 0x32 && head[2] === 0x30 && !head.includes(0x0a);
}

/** What the first bytes a client sends say: a TLS ClientHello (the server waits for it). */
export function guessFromClientBytes(b: Uint8Array): Guess {
  if (b.length >= 3 && b[0] === 0x16 && b[1] === 0x03 && b[2]! <= 0x04) return 'tls';
  return undefined;
}

export interface DispatchOptions {
  /** Extra ports to dissect (the user's --ports): the protocol is chosen from the greeting. */
  extraPorts?: readonly number[];
  /** The TLS layer (with or without keys); absent: TLS bytes are only counted. */
  tls?: TlsLayerFactory;
  /** Receives message content as it streams (see ContentSink); absent: content is only counted. */
  content?: ContentSink;
  onConversation(c: Conversation): void;
  /** Passed to the dissectors (DissectorOptions.onProgress): the conversation so far, after an exchange completes. */
  onProgress?(c: Conversation): void;
  /**
   * Whether the key log holds secrets for this client random (lower-case hex): a TLS connection on
   * a port mailwire does not know is then decrypted to find out what it carries.
   */
  hasKeys?(clientRandom: string): boolean;
}

export class Dispatcher implements StreamFactory {
  private readonly extraPorts: Set<number>;
  /** Connections declined by probe(), per server port (for the report's "not dissected" lines). */
  readonly undissected = new UndissectedTally();

  constructor(private readonly opts: DispatchOptions) {
    this.extraPorts = new Set(opts.extraPorts ?? []);
  }

  /** Ports on which every connection is handed to a dissector from its first packet. */
  isMailPort = (port: number): boolean => MAIL_PORTS.includes(port) || this.extraPorts.has(port);

  open(conn: ConnectionInfo): StreamHandler | undefined {
    const port = conn.server.port;
    const other = conn.client.port;
    if (port === IMAP_PORT) return this.plain(conn, createImapDissector);
    if (port === POP3_PORT) return this.plain(conn, createPop3Dissector);
    if (port === SMTP_PORT || port === SUBMISSION_PORT) return this.plain(conn, createSmtpDissector);
    if (port === IMAPS_PORT) return this.implicitTls(conn, createImapDissector);
    if (port === POP3S_PORT) return this.implicitTls(conn, createPop3Dissector);
    if (port === SUBMISSIONS_PORT) return this.implicitTls(conn, createSmtpDissector);
    if (this.extraPorts.has(port) || this.extraPorts.has(other) || MAIL_PORTS.includes(other)) {
      return guard(conn, () => new SniffingHandler(conn, this), this.opts.onConversation);
    }
    return undefined;
  }

  probe(conn: ConnectionInfo, dir: Direction, bytes: Uint8Array): { handler: StreamHandler; swapRoles: boolean } | undefined {
    const hello = peekClientHello(bytes);
    if (hello !== undefined) return this.probeTls(conn, dir, hello);
    const factory = dissectorFor(guessFromServerBytes(bytes));
    if (factory === undefined) {
      this.undissected.add('tcp', likelyServer(conn), conn.firstFrame);
      return undefined;
    }
    // The greeting comes from the server: if the reassembler took its sender for the client, swap.
    const swapRoles = dir === 0;
    const info: ConnectionInfo = swapRoles ? { ...conn, client: conn.server, server: conn.client, roleSource: 'greeting' } : { ...conn, roleSource: 'greeting' };
    return { handler: this.plain(info, factory), swapRoles };
  }

  /**
   * A connection on a port mailwire does not know opened with a TLS ClientHello (its sender is the
   * client). Taken when its plaintext can be read (the key log has its secrets) or the hello says
   * mail; the decrypted server greeting then picks the dissector. Otherwise only counted.
   */
  private probeTls(conn: ConnectionInfo, dir: Direction, hello: NonNullable<ReturnType<typeof peekClientHello>>): { handler: StreamHandler; swapRoles: boolean } | undefined {
    const swapRoles = dir === 1;
    const info: ConnectionInfo = swapRoles ? { ...conn, client: conn.server, server: conn.client } : conn;
    const keys = this.opts.hasKeys?.(hello.random) === true;
    if (!keys && mailHint(hello, info.server.port) === undefined) {
      this.undissected.add('tls', info.server, conn.firstFrame);
      return undefined;
    }
    // Plaintext that is no greeting is not taken for IMAP here (as on a --ports port): it is most
    // likely another protocol (HTTPS from a browser's key log).
    const handler = guard(info, () => new TlsSniffingHandler(info, this.opts, false), this.opts.onConversation);
    return { handler, swapRoles };
  }

  /** @internal used by SniffingHandler once it knows the protocol (for TLS: the plaintext greeting decides later). */
  build(conn: ConnectionInfo, guess: Guess): StreamHandler {
    if (guess === 'tls') return new TlsSniffingHandler(conn, this.opts, true);
    return this.plain(conn, dissectorFor(guess) ?? createImapDissector, false);
  }

  private plain(conn: ConnectionInfo, factory: DissectorFactory, guarded = true): StreamHandler {
    const options = dissectorOptions(this.opts, 'plain', this.opts.onConversation);
    if (this.opts.tls) options.tls = this.opts.tls;
    return guarded ? guard(conn, () => factory(conn, options), this.opts.onConversation) : factory(conn, options);
  }

  private implicitTls(conn: ConnectionInfo, factory: DissectorFactory): StreamHandler {
    return guard(conn, () => this.implicitTlsHandler(conn, factory), this.opts.onConversation);
  }

  private implicitTlsHandler(conn: ConnectionInfo, factory: DissectorFactory): StreamHandler {
    let tls: TlsLayer | undefined;
    const onConversation = (c: Conversation): void => this.opts.onConversation(withTlsFacts(c, tls));
    const dissector = factory(conn, dissectorOptions(this.opts, 'implicit-tls', onConversation));
    const sink: PlaintextSink = { data: (d, b, m) => dissector.data(d, b, m), gap: (d, n, m) => dissector.gap(d, n, m) };
    tls = (this.opts.tls ?? countingTlsLayer)(conn, sink);
    const layer = tls;
    const h: StreamHandler = {
      data: (d, b, m) => layer.data(d, b, m),
      gap: (d, n, m) => layer.gap(d, n, m),
      end: (d, r, m) => {
        layer.end(d, r, m);
        dissector.end(d, r, m);
      },
      close: (s) => dissector.close(s),
    };
    return h;
  }
}

/** A dissector's options from the dispatch options (the TLS layer is added only for cleartext: STARTTLS). */
function dissectorOptions(opts: DispatchOptions, security: DissectorOptions['security'], onConversation: (c: Conversation) => void): DissectorOptions {
  const options: DissectorOptions = { security, onConversation };
  if (opts.content) options.content = opts.content;
  if (opts.onProgress) options.onProgress = opts.onProgress;
  return options;
}

/**
 * Without a TLS layer, encrypted bytes are counted, which is all that can be said of them.
 * (The real layer, src/protocols/tls, replaces this when it is wired in.)
 */
function countingTlsLayer(): TlsLayer {
  const bytes: [number, number] = [0, 0];
  return {
    data: (dir, b) => {
      bytes[dir] += b.length;
    },
    gap: () => {},
    end: () => {},
    facts: () => undefined,
    encryptedBytes: () => bytes,
    decrypted: () => false,
  };
}

/** Marks a conversation as implicit TLS and copies the layer's facts into it. */
function withTlsFacts(c: Conversation, tls: TlsLayer | undefined): Conversation {
  c.transport.security = 'implicit-tls';
  if (tls) {
    c.tls = tls.facts();
    c.transport.encryptedBytes = tls.encryptedBytes();
    c.transport.decrypted = tls.decrypted();
  }
  return c;
}

/**
 * Implicit TLS on a port whose mail protocol is not known (a --ports port, or TLS found by probe()):
 * the TLS layer's plaintext is held until the first decrypted server bytes say IMAP or POP3
 * (MAX_SNIFF_HEAD_BYTES), then replayed into that dissector. Plaintext that is not a greeting falls
 * back to IMAP on a --ports port (`imapFallback`: its dissector reports what it cannot parse); else
 * the plaintext is dropped and the conversation is 'unknown' with its TLS facts, as when nothing at
 * all was decrypted (no keys): mailwire does not guess.
 * Holding is bounded by MAX_SNIFF_BUFFER_BYTES (then the fallback decides).
 */
class TlsSniffingHandler implements StreamHandler {
  private readonly tls: TlsLayer;
  private dissector: ProtocolDissector | undefined;
  private queue: Array<(d: ProtocolDissector) => void> = [];
  private held = 0;
  private head = new Uint8Array(MAX_SNIFF_HEAD_BYTES);
  private headLen = 0;
  /** The plaintext is no mail protocol (and imapFallback is off): only the TLS session is reported. */
  private opaque = false;

  constructor(private readonly conn: ConnectionInfo, private readonly opts: DispatchOptions, private readonly imapFallback: boolean) {
    this.tls = (opts.tls ?? countingTlsLayer)(conn, { data: (d, b, m) => this.plaintext(d, b, m), gap: (d, n, m) => this.plaintextGap(d, n, m) });
  }

  data(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void {
    this.tls.data(dir, bytes, meta);
  }

  gap(dir: Direction, length: number, meta: SegmentMeta): void {
    this.tls.gap(dir, length, meta);
  }

  end(dir: Direction, reason: EndReason, meta: SegmentMeta): void {
    this.tls.end(dir, reason, meta);
    if (this.dissector) return this.dissector.end(dir, reason, meta);
    if (this.opaque) return;
    const m = { ...meta };
    this.queue.push((d) => d.end(dir, reason, m));
  }

  close(summary: ConnectionSummary): void {
    if (!this.dissector && !this.opaque) {
      // Nothing readable: the mail protocol cannot be told, only the TLS session described.
      if (!this.tls.decrypted() && this.held === 0) this.opaque = true;
      else this.decide(undefined);
    }
    if (!this.dissector) {
      this.opts.onConversation(withTlsFacts(new ConversationBuilder(this.conn, 'unknown', 'implicit-tls').finish(summary), this.tls));
      return;
    }
    this.dissector.close(summary);
  }

  private plaintext(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void {
    if (this.dissector) return this.dissector.data(dir, bytes, meta);
    if (this.opaque) return;
    // A copy: the bytes may be a view on live capture's batch buffer (slice() of a Buffer is a view too).
    const copy = new Uint8Array(bytes);
    const m = { ...meta };
    this.held += copy.length;
    this.queue.push((d) => d.data(dir, copy, m));
    if (dir === 1) {
      const n = Math.min(copy.length, MAX_SNIFF_HEAD_BYTES - this.headLen);
      this.head.set(copy.subarray(0, n), this.headLen);
      this.headLen += n;
      const head = this.head.subarray(0, this.headLen);
      const guess = guessFromServerBytes(head);
      if (guess === 'imap' || guess === 'pop3' || guess === 'smtp') return this.decide(guess);
      if (!undecidedHead(head)) return this.decide(undefined);
    }
    if (this.held > MAX_SNIFF_BUFFER_BYTES) this.decide(undefined);
  }

  private plaintextGap(dir: Direction, length: number, meta: SegmentMeta): void {
    if (this.dissector) return this.dissector.gap(dir, length, meta);
    if (this.opaque) return;
    const m = { ...meta };
    this.queue.push((d) => d.gap(dir, length, m));
  }

  private decide(guess: Guess): void {
    const known = dissectorFor(guess);
    if (known === undefined && !this.imapFallback) {
      this.opaque = true;
      this.queue = [];
      this.held = 0;
      return;
    }
    // Decrypted bytes that are no greeting: IMAP, as for cleartext on an extra port (see SniffingHandler).
    const factory = known ?? createImapDissector;
    const d = factory(this.conn, dissectorOptions(this.opts, 'implicit-tls', (c) => this.opts.onConversation(withTlsFacts(c, this.tls))));
    this.dissector = d;
    const q = this.queue;
    this.queue = [];
    this.held = 0;
    for (const f of q) f(d);
  }
}

/** Holds a connection's first events until the server's first bytes say which protocol it speaks. */
class SniffingHandler implements StreamHandler {
  private queue: Array<() => void> = [];
  private held = 0;
  private inner: StreamHandler | undefined;
  private sawTlsFromClient = false;
  /** The first bytes of each direction (segments may be tiny: a guess needs a few bytes together). */
  private readonly heads: [Uint8Array, Uint8Array] = [new Uint8Array(MAX_SNIFF_HEAD_BYTES), new Uint8Array(MAX_SNIFF_HEAD_BYTES)];
  private readonly headLens: [number, number] = [0, 0];

  constructor(private readonly conn: ConnectionInfo, private readonly dispatcher: Dispatcher) {}

  data(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void {
    if (this.inner) return this.inner.data(dir, bytes, meta);
    // A copy: the bytes may be a view on live capture's batch buffer (slice() of a Buffer is a view too).
    const copy = new Uint8Array(bytes);
    this.held += copy.length;
    const m = { ...meta }; // the reassembler reuses its meta object
    this.queue.push(() => this.inner!.data(dir, copy, m));
    const head = this.head(dir, copy);
    if (dir === 0 && guessFromClientBytes(head) === 'tls') this.sawTlsFromClient = true;
    if (dir === 1) {
      const guess = this.sawTlsFromClient ? 'tls' : guessFromServerBytes(head);
      if (guess) return this.decide(guess);
    }
    if (this.held > MAX_SNIFF_BUFFER_BYTES) this.decide(undefined);
  }

  /** Appends to the direction's head (bounded) and returns it. */
  private head(dir: Direction, bytes: Uint8Array): Uint8Array {
    const n = Math.min(bytes.length, MAX_SNIFF_HEAD_BYTES - this.headLens[dir]);
    this.heads[dir].set(bytes.subarray(0, n), this.headLens[dir]);
    this.headLens[dir] += n;
    return this.heads[dir].subarray(0, this.headLens[dir]);
  }

  gap(dir: Direction, length: number, meta: SegmentMeta): void {
    if (this.inner) return this.inner.gap(dir, length, meta);
    const m = { ...meta };
    this.queue.push(() => this.inner!.gap(dir, length, m));
  }

  end(dir: Direction, reason: EndReason, meta: SegmentMeta): void {
    if (this.inner) return this.inner.end(dir, reason, meta);
    const m = { ...meta };
    this.queue.push(() => this.inner!.end(dir, reason, m));
  }

  close(summary: ConnectionSummary): void {
    if (!this.inner) this.decide(undefined);
    this.inner!.close(summary);
  }

  private decide(guess: Guess): void {
    // Unrecognised traffic on a port the user asked for: IMAP is the likelier mail protocol there,
    // and its dissector reports what it cannot parse instead of inventing a dialogue.
    this.inner = this.dispatcher.build(this.conn, guess ?? 'imap');
    const q = this.queue;
    this.queue = [];
    this.held = 0;
    for (const f of q) f();
  }
}

/**
 * The per-connection exception boundary (ARCHITECTURE, bad input rule 4): after an exception the
 * connection's handler is dropped; a minimal conversation carrying the anomaly is still reported.
 *
 * The handler itself is created lazily, by the first data / gap / end / close call: a connection
 * that never carries a byte (a SYN flood, a refused or unanswered connect) then costs only its TCP
 * state while it sits in the connection table, and its dissector is built at close, from the same
 * ConnectionInfo, to produce the same conversation. A class, not closures: this object lives as
 * long as the connection, so its size counts once per table entry.
 */
class Guarded implements StreamHandler {
  private h: StreamHandler | undefined = undefined;
  private failed: { error: string; frame: number } | undefined = undefined;
  private lastFrame: number;

  constructor(
    private readonly conn: ConnectionInfo,
    private create: (() => StreamHandler) | undefined,
    private readonly onConversation: (c: Conversation) => void,
  ) {
    this.lastFrame = conn.firstFrame;
  }

  data(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void {
    this.lastFrame = meta.lastFrame;
    if (this.failed) return;
    try {
      (this.h ?? this.handler()).data(dir, bytes, meta);
    } catch (err) {
      this.fail(err);
    }
  }

  gap(dir: Direction, length: number, meta: SegmentMeta): void {
    if (this.failed) return;
    try {
      (this.h ?? this.handler()).gap(dir, length, meta);
    } catch (err) {
      this.fail(err);
    }
  }

  end(dir: Direction, reason: EndReason, meta: SegmentMeta): void {
    if (this.failed) return;
    try {
      (this.h ?? this.handler()).end(dir, reason, meta);
    } catch (err) {
      this.fail(err);
    }
  }

  close(summary: ConnectionSummary): void {
    if (!this.failed) {
      try {
        (this.h ?? this.handler()).close(summary);
        return;
      } catch (err) {
        this.fail(err);
      }
    }
    const b = new ConversationBuilder(this.conn, 'unknown');
    b.anomaly('dissector-exception', this.failed!.frame, undefined, this.failed!.error);
    this.onConversation(b.finish(summary));
  }

  /** Builds the handler on first use (an exception from the factory is this connection's failure too). */
  private handler(): StreamHandler {
    const h = this.create!();
    this.h = h;
    this.create = undefined;
    return h;
  }

  private fail(err: unknown): void {
    this.failed = { error: err instanceof Error ? err.message : String(err), frame: this.lastFrame };
  }
}

/**
 * The server of a connection declined by probe(): the SYN's receiver when the SYN was seen, else
 * the endpoint with the lower port (the first speaker may be a server greeting: SMTP, FTP).
 */
function likelyServer(conn: ConnectionInfo): ConnectionInfo['server'] {
  if (conn.roleSource === 'syn' || conn.server.port <= conn.client.port) return conn.server;
  return conn.client;
}

function guard(conn: ConnectionInfo, create: () => StreamHandler, onConversation: (c: Conversation) => void): StreamHandler {
  return new Guarded(conn, create, onConversation);
}
