/**
 * The contract between the dispatcher (which picks a protocol for a connection) and the protocol
 * dissectors (IMAP, POP3), and between a dissector and the TLS layer.
 */
import type { Conversation } from '../model/conversation.js';
import type { ConnectionInfo, Direction, EndReason, SegmentMeta, StreamHandler } from '../tcp/stream.js';

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

export interface DissectorOptions {
  /** The connection is TLS from its first byte (993/995): the dissector is fed decrypted plaintext. */
  security: 'plain' | 'implicit-tls';
  /** Called once with the finished conversation (after the StreamHandler's close()). */
  onConversation(c: Conversation): void;
  /** Creates the TLS layer after STARTTLS/STLS; absent: bytes after the switch are only counted. */
  tls?: TlsLayerFactory;
}

/** A protocol dissector is a StreamHandler for one connection. */
export type ProtocolDissector = StreamHandler;
export type DissectorFactory = (info: ConnectionInfo, opts: DissectorOptions) => ProtocolDissector;
