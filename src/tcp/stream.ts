/**
 * The contract between TCP reassembly and the protocol layer.
 *
 * The reassembler calls a StreamFactory when it meets a connection, and the StreamHandler it gets
 * back receives that connection's bytes, in order, per direction. Bytes passed to `data` are only
 * valid during the call (they may be a view on a reused buffer): copy what you keep.
 */

/** 0 = client to server, 1 = server to client. */
export type Direction = 0 | 1;
export const CLIENT_TO_SERVER: Direction = 0;
export const SERVER_TO_CLIENT: Direction = 1;

export interface Endpoint {
  /** Printable address: dotted IPv4 or RFC 5952 IPv6. */
  ip: string;
  port: number;
}

/** How the reassembler decided which side is the client. */
export type RoleSource = 'syn' | 'port' | 'first-speaker' | 'greeting';

export interface ConnectionInfo {
  /** 1-based, in order of first appearance in the capture. */
  id: number;
  client: Endpoint;
  server: Endpoint;
  roleSource: RoleSource;
  /** First frame and time of the connection as seen in the capture. */
  firstFrame: number;
  startTs: number;
  /** The capture saw the client's SYN (false: the capture started mid-connection). */
  sawSyn: boolean;
  /** VLAN ids, outermost first, of the first packet. */
  vlans: readonly number[];
  /**
   * Wireshark's tcp.stream index of the connection's first packet (tcp/stream-index.ts): set by
   * the analysis around the reassembler (numberingStreams), not by the reassembler itself.
   */
  tcpStream?: number;
}

/** Where a delivered byte range came from. The reassembler reuses one object for every call: copy the fields you keep. */
export interface SegmentMeta {
  /** Offset of the first byte within this direction's stream (0 = first byte after the SYN, or first seen). */
  streamOffset: number;
  /** Frame(s) that carried these bytes (the same unless a range spans merged segments). */
  firstFrame: number;
  lastFrame: number;
  /** Capture time (seconds since the epoch) of lastFrame. */
  ts: number;
}

export type EndReason = 'fin' | 'rst' | 'timeout' | 'capture-end' | 'evicted';

/** How a connection went at the TCP level; the diagnosis reads it for tcp.* findings. */
export interface ConnectionSummary {
  /** The SYN got no answer at all. */
  noAnswer: boolean;
  /** The SYN was answered with RST (nothing listening / refused). */
  refused: boolean;
  /** The three-way handshake completed (or was in progress when the capture started). */
  established: boolean;
  /** Who reset the connection after it was established, if anyone. */
  resetBy: 'client' | 'server' | undefined;
  resetFrame: number | undefined;
  /** Who closed with FIN first. */
  finBy: 'client' | 'server' | undefined;
  endReason: EndReason;
  lastFrame: number;
  endTs: number;
  /** Frames and payload bytes per direction [client->server, server->client]. */
  frames: [number, number];
  bytes: [number, number];
  /** Bytes lost in holes that never filled, per direction. */
  gapBytes: [number, number];
  /** Retransmissions whose bytes differed from what was already delivered. */
  retransmissionMismatches: Array<{ dir: Direction; frame: number; streamOffset: number; length: number }>;
  /** Segments and bytes dropped because a cap was hit (out-of-order buffer). */
  capDrops: number;
  /** SYN frames seen (several: the client retried). */
  synFrames: number[];
}

export interface StreamHandler {
  /** In-order bytes of one direction. `bytes` is valid only during the call. */
  data(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void;
  /** `length` bytes of `dir` are missing from the capture at meta.streamOffset; data resumes after them. */
  gap(dir: Direction, length: number, meta: SegmentMeta): void;
  /** No more bytes will come in this direction. */
  end(dir: Direction, reason: EndReason, meta: SegmentMeta): void;
  /** The connection is over (always called exactly once, last). */
  close(summary: ConnectionSummary): void;
}

export interface StreamFactory {
  /**
   * A new connection on which at least one port is a mail port (or the user's): return its handler,
   * or undefined to ignore it. Called at the first packet, so connection attempts are reported too.
   */
  open(conn: ConnectionInfo): StreamHandler | undefined;
  /**
   * A connection on other ports sent its first payload. `bytes` are the first bytes of direction
   * `dir`; return a handler to dissect the connection (e.g. they look like an IMAP or POP3 greeting;
   * the handler then also receives these bytes through `data`), or undefined to ignore it.
   * The roles may be swapped by returning `swapRoles: true` (the greeting came from the "client").
   */
  probe(conn: ConnectionInfo, dir: Direction, bytes: Uint8Array): { handler: StreamHandler; swapRoles: boolean } | undefined;
}

/** `factory`, calling `started(conn)` for each connection it takes (opened or probed). */
export function announcingStarts(factory: StreamFactory, started: (conn: ConnectionInfo) => void): StreamFactory {
  return {
    open: (conn) => {
      const h = factory.open(conn);
      if (h) started(conn);
      return h;
    },
    probe: (conn, dir, bytes) => {
      const r = factory.probe(conn, dir, bytes);
      if (r) started(conn);
      return r;
    },
  };
}
