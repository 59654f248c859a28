/**
 * The contract between the dispatcher (which picks a protocol for a connection) and the protocol
 * dissectors (IMAP, POP3), and between a dissector and the TLS layer.
 */
import type { Conversation, Side } from '../model/conversation.js';
import type { ConnectionInfo, Direction, EndReason, Endpoint, SegmentMeta, StreamHandler } from '../tcp/stream.js';

/** Receives plaintext from the TLS layer (decrypted application data). */
export interface PlaintextSink {
  data(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void;
  /** Plaintext lost (a record that could not be decrypted, or a TCP gap inside TLS). */
  gap(dir: Direction, length: number, meta: SegmentMeta): void;
}

/**
 * The TLS layer for one connection: fed the encrypted bytes, it parses records and the handshake,
 * and, when it has keys, hands decrypted application data to the PlaintextSink.
 */
export interface TlsLayer {
  data(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void;
  gap(dir: Direction, length: number, meta: SegmentMeta): void;
  end(dir: Direction, reason: EndReason, meta: SegmentMeta): void;
  /** Handshake facts for Conversation.tls (JSON-serialisable). */
  facts(): unknown;
  /** Application bytes each way that could not be decrypted. */
  encryptedBytes(): [number, number];
  /** At least one record was decrypted. */
  decrypted(): boolean;
}

export type TlsLayerFactory = (info: ConnectionInfo, plaintext: PlaintextSink) => TlsLayer;

/** Where one piece of message content starts: an IMAP literal, a POP3 RETR/TOP body, an SMTP message (DATA or BDAT). */
export interface ContentStart {
  /** The conversation the content belongs to (its id in the analysis: the analysis renumbers across inputs). */
  conversation: number;
  /** The capture it came from (filled by the analysis). */
  input?: string;
  client: Endpoint;
  server: Endpoint;
  protocol: 'imap' | 'pop3' | 'smtp';
  side: Side;
  /**
   * What says which content this is. IMAP: the logical line's text so far, ending with this
   * literal's announcement (`* 12 FETCH (UID 7 BODY[] {2345}`, `A3 APPEND INBOX {310}`).
   * POP3: the command the body answers (`RETR 3`, `TOP 3 10`). SMTP: 'DATA' or 'BDAT'.
   */
  context: string;
  /**
   * SMTP: the envelope of the transaction (RFC 5321 §2.3.1): the MAIL FROM reverse-path and the
   * RCPT TO forward-paths not refused by the time the content started (at most
   * SMTP_LIMITS.MAX_RECIPIENTS; `toDropped` counts the rest).
   */
  envelope?: { from?: string; to: string[]; toDropped?: number };
  /** IMAP: index of the literal within its logical line; POP3, SMTP: 0. */
  index: number;
  /** IMAP: the announced size; POP3: undefined (the terminator ends the body). */
  size?: number;
  firstFrame: number;
  /** Capture time (seconds since the epoch) of the frame before the content's first byte. */
  ts: number;
  /** The content travelled inside decrypted TLS / inside COMPRESS=DEFLATE. */
  decrypted: boolean;
  inflated: boolean;
}

/** How a piece of content ended. */
export interface ContentEnd {
  /** Every byte arrived (IMAP: the announced count; POP3: up to the terminator, no gap, no cut line). */
  complete: boolean;
  /** Bytes handed to chunk(). */
  received: number;
  /** Frames that carried the content (firstFrame: ContentStart's when no byte came). */
  firstFrame: number;
  lastFrame: number;
  /** IMAP: the whole logical line's text (items after the literal, e.g. `UID 7`); POP3: undefined. */
  line?: string;
  /** Why it is incomplete: 'gap' (bytes lost), 'end' (connection or capture ended), 'refused', 'damaged' (bytes lost or a line cut). */
  cut?: string;
}

/**
 * Receives message content as it streams through a dissector, after TLS decryption and
 * COMPRESS inflation, IMAP literals as sent and POP3 bodies dot-unstuffed without the terminator
 * (line ends kept as sent). The dissector never holds the content: a sink that wants it must copy.
 *
 * Contract: `begin` is called when content starts; it returns an id to receive it, or undefined to
 * ignore it (no further calls). Then `chunk(id, bytes)` zero or more times, in order (`bytes` valid
 * only during the call), then exactly one `end(id, ...)` — IMAP calls it when the literal's logical
 * line ends (so `line` holds the items after it), POP3 at the terminator or when the body is cut.
 * Every literal is offered, credentials included (a LOGIN password literal): the sink chooses by
 * `context` and must not keep what it does not want. A sink must not throw.
 */
export interface ContentSink {
  begin(start: ContentStart): number | undefined;
  chunk(id: number, bytes: Uint8Array): void;
  end(id: number, end: ContentEnd): void;
}

export interface DissectorOptions {
  /** The connection is TLS from its first byte (993/995): the dissector is fed decrypted plaintext. */
  security: 'plain' | 'implicit-tls';
  /** Called once with the finished conversation (after the StreamHandler's close()). */
  onConversation(c: Conversation): void;
  /** Creates the TLS layer after STARTTLS/STLS; absent: bytes after the switch are only counted. */
  tls?: TlsLayerFactory;
  /** Receives message content (literals, RETR/TOP bodies) as it streams; absent: content is only counted. */
  content?: ContentSink;
  /**
   * Called with the conversation being built, after the dissector has taken in bytes in which at
   * least one exchange completed (its status, response and login outcome recorded), so the
   * conversation so far can be looked at while the connection is still open (live findings).
   * The callee may read it but must neither change nor keep it; its id is the connection id.
   */
  onProgress?(c: Conversation): void;
}

/** A protocol dissector is a StreamHandler for one connection. */
export type ProtocolDissector = StreamHandler;
export type DissectorFactory = (info: ConnectionInfo, opts: DissectorOptions) => ProtocolDissector;
