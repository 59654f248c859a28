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
  /** Open connections dropped because the table was over its memory budget (least recently active first). */
  evicted: number;
  /** Packets of evicted connections, counted and dropped (present only when there were any). */
  evictedPackets?: number;
  /** Failed connection attempts folded into per-client records instead of conversations (present only when there were any). */
  foldedAttempts?: number;
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

/**
 * Smallest window kept for reuse. Small windows are cheap to allocate, and their allocations are
 * part of the external-memory pressure by which V8 schedules full collections: pooling them too
 * raised the peak RSS of a capture of many tiny connections (65,536 at once, 200,000 in all) from
 * 1107 to 1193 MiB, as the garbage of the evicted conversations then waited longer.
 */
const MIN_POOLED_WINDOW_BYTES = 16 * 1024;

/**
 * Retransmission windows given back by finished directions (and replaced by larger ones while they
 * grow), kept for reuse by size: the large windows of a busy capture then come from warm memory
 * instead of a fresh zeroed allocation each (page faults, and garbage the collector has to find).
 * Only windows of MIN_POOLED_WINDOW_BYTES and more; bounded by `maxBytes`; a window beyond it is
 * left to the collector.
 */
export class WindowPool {
  /** Free windows by log2 of their size. */
  private readonly free: Uint8Array[][] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** A window of `size` bytes (a power of two) with unspecified contents, or undefined when none is free. */
  take(size: number): Uint8Array | undefined {
    if (size < MIN_POOLED_WINDOW_BYTES) return undefined;
    const list = this.free[31 - Math.clz32(size)];
    const w = list?.pop();
    if (w !== undefined) this.bytes -= w.length;
    return w;
  }

  /** Keeps a window no longer used (when there is room). */
  give(w: Uint8Array): void {
    if (w.length < MIN_POOLED_WINDOW_BYTES || this.bytes + w.length > this.maxBytes) return;
    const k = 31 - Math.clz32(w.length);
    (this.free[k] ??= []).push(w);
    this.bytes += w.length;
  }
}

/** The budgets and scratch state shared by every half-stream of one reassembler. */
export interface ReassemblyContext {
  readonly stats: ReassemblyStats;
  readonly maxBufferedBytesPerConnection: number;
  readonly maxBufferedBytesTotal: number;
  readonly maxBufferedSegmentsPerDirection: number;
  readonly retransmissionWindowBytes: number;
  readonly maxWindowBytesTotal: number;
  /** Windows for reuse (see WindowPool). */
  readonly windowPool: WindowPool;
  readonly maxMismatchesPerConnection: number;
  readonly maxSeqAheadBytes: number;
  /** The one SegmentMeta object handed to handlers (reused: handlers copy the fields they keep). */
  readonly meta: SegmentMeta;
  /**
   * Capture time of the packet being handled, set by the reassembler before it hands the packet's
   * parts to a half-stream: a field instead of an argument, as a double passed to a function that
   * is not inlined is boxed (one heap number per call and packet).
   */
  ts: number;
}
