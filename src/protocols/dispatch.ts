/**
 * Chooses the protocol of each TCP connection and wires its dissector (and TLS layer) together.
 * It is the StreamFactory the TCP reassembler calls.
 *
 *  - 143 / 110: IMAP / POP3 in cleartext (STARTTLS/STLS handled inside the dissectors).
 *  - 993 / 995: TLS from the first byte; the TLS layer feeds plaintext (when it has keys) to IMAP / POP3.
 *  - other ports the user names, and any connection whose first server bytes look like a greeting:
 *    the protocol is chosen from the greeting (`* OK` / `* PREAUTH` / `* BYE` → IMAP, `+OK` → POP3,
 *    a TLS handshake record → TLS, then the plaintext greeting decides).
 *
 * Every handler is guarded: an exception escaping a dissector is caught here, recorded on that
 * conversation as anomaly 'dissector-exception', and the rest of the capture goes on.
 */
import type { Conversation } from '../model/conversation.js';
import type { ConnectionInfo, ConnectionSummary, Direction, EndReason, SegmentMeta, StreamFactory, StreamHandler } from '../tcp/stream.js';
import type { ContentSink, DissectorFactory, DissectorOptions, PlaintextSink, TlsLayer, TlsLayerFactory } from './dissector.js';
import { createImapDissector } from './imap/imap-dissector.js';
import { createPop3Dissector } from './pop3/pop3-dissector.js';
import { ConversationBuilder } from './conversation-builder.js';

export const IMAP_PORT = 143;
export const IMAPS_PORT = 993;
export const POP3_PORT = 110;
export const POP3S_PORT = 995;
export const STANDARD_MAIL_PORTS: readonly number[] = [IMAP_PORT, IMAPS_PORT, POP3_PORT, POP3S_PORT];

/** Bytes a sniffing handler holds while it waits for the server's first bytes. */
const MAX_SNIFF_BUFFER_BYTES = 64 * 1024;

export type Guess = 'imap' | 'pop3' | 'tls' | undefined;

/** What the first bytes a server sends say about the protocol (RFC 3501 §7.1, RFC 1939 §4, TLS record). */
export function guessFromServerBytes(b: Uint8Array): Guess {
  if (b.length >= 3 && b[0] === 0x16 && b[1] === 0x03 && b[2]! <= 0x04) return 'tls';
  const head = String.fromCharCode(...b.subarray(0, 12)).toUpperCase();
  if (/^\* (OK|PREAUTH|BYE)\b/.test(head)) return 'imap';
  if (/^\+OK\b/.test(head) || /^-ERR\b/.test(head)) return 'pop3';
  return undefined;
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
}

export class Dispatcher implements StreamFactory {
  private readonly extraPorts: Set<number>;

  constructor(private readonly opts: DispatchOptions) {
    this.extraPorts = new Set(opts.extraPorts ?? []);
  }

  /** Ports on which every connection is handed to a dissector from its first packet. */
  isMailPort = (port: number): boolean => STANDARD_MAIL_PORTS.includes(port) || this.extraPorts.has(port);

  open(conn: ConnectionInfo): StreamHandler | undefined {
    const port = conn.server.port;
    const other = conn.client.port;
    if (port === IMAP_PORT) return this.plain(conn, createImapDissector);
    if (port === POP3_PORT) return this.plain(conn, createPop3Dissector);
    if (port === IMAPS_PORT) return this.implicitTls(conn, createImapDissector);
    if (port === POP3S_PORT) return this.implicitTls(conn, createPop3Dissector);
    if (this.extraPorts.has(port) || this.extraPorts.has(other) || STANDARD_MAIL_PORTS.includes(other)) {
      return guard(conn, new SniffingHandler(conn, this), this.opts.onConversation);
    }
    return undefined;
  }

  probe(conn: ConnectionInfo, dir: Direction, bytes: Uint8Array): { handler: StreamHandler; swapRoles: boolean } | undefined {
    const guess = guessFromServerBytes(bytes);
    if (guess !== 'imap' && guess !== 'pop3') return undefined;
    // The greeting comes from the server: if the reassembler took its sender for the client, swap.
    const swapRoles = dir === 0;
    const info: ConnectionInfo = swapRoles ? { ...conn, client: conn.server, server: conn.client, roleSource: 'greeting' } : { ...conn, roleSource: 'greeting' };
    const factory = guess === 'imap' ? createImapDissector : createPop3Dissector;
    return { handler: this.plain(info, factory), swapRoles };
  }

  /** @internal used by SniffingHandler once it knows the protocol. */
  build(conn: ConnectionInfo, guess: Guess, afterTls?: Guess): StreamHandler {
    if (guess === 'tls') return this.implicitTls(conn, afterTls === 'pop3' ? createPop3Dissector : createImapDissector, false);
    return this.plain(conn, guess === 'pop3' ? createPop3Dissector : createImapDissector, false);
  }

  private plain(conn: ConnectionInfo, factory: DissectorFactory, guarded = true): StreamHandler {
    const options: DissectorOptions = { security: 'plain', onConversation: this.opts.onConversation };
    if (this.opts.tls) options.tls = this.opts.tls;
    if (this.opts.content) options.content = this.opts.content;
    const h = factory(conn, options);
    return guarded ? guard(conn, h, this.opts.onConversation) : h;
  }

  private implicitTls(conn: ConnectionInfo, factory: DissectorFactory, guarded = true): StreamHandler {
    let tls: TlsLayer | undefined;
    const onConversation = (c: Conversation): void => {
      c.transport.security = 'implicit-tls';
      if (tls) {
        c.tls = tls.facts();
        c.transport.encryptedBytes = tls.encryptedBytes();
        c.transport.decrypted = tls.decrypted();
      }
      this.opts.onConversation(c);
    };
    const dissector = factory(conn, { security: 'implicit-tls', onConversation, ...(this.opts.content ? { content: this.opts.content } : {}) });
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
    return guarded ? guard(conn, h, this.opts.onConversation) : h;
  }
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

/** Holds a connection's first events until the server's first bytes say which protocol it speaks. */
class SniffingHandler implements StreamHandler {
  private queue: Array<() => void> = [];
  private held = 0;
  private inner: StreamHandler | undefined;
  private sawTlsFromClient = false;

  constructor(private readonly conn: ConnectionInfo, private readonly dispatcher: Dispatcher) {}

  data(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void {
    if (this.inner) return this.inner.data(dir, bytes, meta);
    if (dir === 0 && guessFromClientBytes(bytes) === 'tls') this.sawTlsFromClient = true;
    if (dir === 1) {
      const guess = this.sawTlsFromClient ? 'tls' : guessFromServerBytes(bytes);
      if (guess) {
        this.decide(guess);
        this.inner!.data(dir, bytes, meta);
        return;
      }
    }
    const copy = bytes.slice();
    this.held += copy.length;
    this.queue.push(() => this.inner!.data(dir, copy, meta));
    if (this.held > MAX_SNIFF_BUFFER_BYTES) this.decide(undefined);
  }

  gap(dir: Direction, length: number, meta: SegmentMeta): void {
    if (this.inner) return this.inner.gap(dir, length, meta);
    this.queue.push(() => this.inner!.gap(dir, length, meta));
  }

  end(dir: Direction, reason: EndReason, meta: SegmentMeta): void {
    if (this.inner) return this.inner.end(dir, reason, meta);
    this.queue.push(() => this.inner!.end(dir, reason, meta));
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
 */
function guard(conn: ConnectionInfo, h: StreamHandler, onConversation: (c: Conversation) => void): StreamHandler {
  let failed: { error: string; frame: number } | undefined;
  let lastFrame = conn.firstFrame;
  const fail = (err: unknown): void => {
    failed = { error: err instanceof Error ? err.message : String(err), frame: lastFrame };
  };
  return {
    data(dir, bytes, meta) {
      lastFrame = meta.lastFrame;
      if (failed) return;
      try {
        h.data(dir, bytes, meta);
      } catch (err) {
        fail(err);
      }
    },
    gap(dir, length, meta) {
      if (failed) return;
      try {
        h.gap(dir, length, meta);
      } catch (err) {
        fail(err);
      }
    },
    end(dir, reason, meta) {
      if (failed) return;
      try {
        h.end(dir, reason, meta);
      } catch (err) {
        fail(err);
      }
    },
    close(summary) {
      if (!failed) {
        try {
          h.close(summary);
          return;
        } catch (err) {
          fail(err);
        }
      }
      const b = new ConversationBuilder(conn, 'unknown');
      b.anomaly('dissector-exception', failed!.frame, undefined, failed!.error);
      onConversation(b.finish(summary));
    },
  };
}
