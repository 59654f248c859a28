/**
 * Counters and shared budgets of one TcpReassembler, read and updated by its connections and
 * half-streams. Kept apart so the per-direction code does not depend on the reassembler class.
 */
import type { SegmentMeta } from './stream.js';

/** Totals a TcpReassembler reports (every cap has its counter here). */
export interface ReassemblyStats {
  /** TCP segments handed to packet(). */
  packets: number;
  /** Connections created in the flow table (each port reuse counts again). */
  connections: number;
  /** Connections on a mail port that the factory opened. */
  mailConnections: number;
  /** Connections on other ports that the factory took after probing their first bytes. */
  probedConnections: number;
  /** Connections the factory declined (remembered and skipped). */
  ignoredConnections: number;
  /** Connections currently in the table, and the most ever. */
  activeConnections: number;
  peakConnections: number;
  /** Open connections dropped because the table was full (least recently active first). */
  evicted: number;
  /** Open connections closed because they were silent for idleTimeoutSec of capture time. */
  timedOut: number;
  /** A new SYN on the endpoints of a finished connection started a new one. */
  portReuses: number;
  /** Client SYNs repeated with the same initial sequence number. */
  synRetransmissions: number;
  /** Segments that arrived ahead of a hole and were buffered. */
  outOfOrderSegments: number;
  /** Segments carrying bytes that had already been seen (delivered or buffered). */
  retransmissions: number;
  /** Retransmitted bytes that differed from the bytes seen first. */
  retransmissionMismatches: number;
  /** Retransmitted bytes older than the retransmission window (could not be compared). */
  unverifiedRetransmittedBytes: number;
  /** Holes given up as lost, and their bytes. */
  gaps: number;
  gapBytes: number;
  /** Holes given up because an out-of-order buffer cap (per connection, total, segments) was hit. */
  capDrops: number;
  /** Bytes older than the first byte seen of a mid-stream direction (dropped). */
  bytesBeforeStreamStart: number;
  /** Segments whose sequence number was implausibly far ahead (dropped). */
  bogusSegments: number;
  /** Payload bytes after a direction's FIN (dropped). */
  bytesAfterFin: number;
  /** Out-of-order bytes buffered now, and the most ever. */
  bufferedBytes: number;
  peakBufferedBytes: number;
  /** Bytes held in retransmission windows now. */
  windowBytes: number;
}

export function newReassemblyStats(): ReassemblyStats {
  return {
    packets: 0,
    connections: 0,
    mailConnections: 0,
    probedConnections: 0,
    ignoredConnections: 0,
    activeConnections: 0,
    peakConnections: 0,
    evicted: 0,
    timedOut: 0,
    portReuses: 0,
    synRetransmissions: 0,
    outOfOrderSegments: 0,
    retransmissions: 0,
    retransmissionMismatches: 0,
    unverifiedRetransmittedBytes: 0,
    gaps: 0,
    gapBytes: 0,
    capDrops: 0,
    bytesBeforeStreamStart: 0,
    bogusSegments: 0,
    bytesAfterFin: 0,
    bufferedBytes: 0,
    peakBufferedBytes: 0,
    windowBytes: 0,
  };
}

/** The budgets and scratch state shared by every half-stream of one reassembler. */
export interface ReassemblyContext {
  readonly stats: ReassemblyStats;
  readonly maxBufferedBytesPerConnection: number;
  readonly maxBufferedBytesTotal: number;
  readonly maxBufferedSegmentsPerDirection: number;
  readonly retransmissionWindowBytes: number;
  readonly maxWindowBytesTotal: number;
  readonly maxMismatchesPerConnection: number;
  readonly maxSeqAheadBytes: number;
  /** The one SegmentMeta object handed to handlers (reused: handlers copy the fields they keep). */
  readonly meta: SegmentMeta;
}
