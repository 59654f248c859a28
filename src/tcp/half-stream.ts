/**
 * One direction of one TCP connection: turns segments (in capture order) into in-order `data`,
 * `gap` and `end` callbacks.
 *
 * Positions are kept as stream offsets (a JS number, exact to 2^53) and only converted from
 * sequence numbers through a signed 32-bit difference against the next expected sequence number,
 * so wraparound at 2^32 needs no special case anywhere.
 *
 * Policy (see docs/tcp.md): the first bytes seen for a stream position win; later different bytes
 * are reported as retransmission mismatches. A hole is given up (delivered as a gap) when the peer
 * acknowledges beyond it, when a buffer cap is hit, or when the connection ends.
 */
import type { ReassemblyContext } from './context.js';
import type { ConnectionSummary, Direction, EndReason, SegmentMeta, StreamHandler } from './stream.js';

/** What a half-stream needs from its connection. */
export interface HalfStreamOwner {
  handler: StreamHandler | undefined;
  readonly summary: ConnectionSummary;
  /** Out-of-order bytes buffered by both directions of the connection. */
  bufferedBytes: number;
}

/** An out-of-order byte range (a private copy), non-overlapping with its neighbours. */
interface Pending {
  off: number;
  data: Uint8Array;
  frame: number;
  ts: number;
}

export class HalfStream {
  /** A stream position has been fixed (SYN seen, or first byte seen mid-stream). */
  started = false;
  /** Next expected sequence number (unsigned 32-bit). */
  nextSeq = 0;
  /** Stream offset of nextSeq: bytes delivered plus gap bytes so far. */
  offset = 0;
  /** Initial sequence number from this side's SYN, -1 when no SYN was seen. */
  isn = -1;
  /** Stream offset where this side's FIN sits, -1 until one is seen. */
  finOffset = -1;
  /** end() has been called. */
  ended = false;
  /** Highest stream offset the peer acknowledged (-1: none beyond what we have). */
  private ackedTo = -1;
  private pending: Pending[] = [];
  /** Ring of recently delivered bytes, indexed by streamOffset & (length - 1). */
  private window: Uint8Array | undefined;
  private windowWrapped = false;
  /** Bytes before this offset are not in the window (a gap intervened). */
  private windowFrom = 0;

  constructor(
    public dir: Direction,
    private readonly owner: HalfStreamOwner,
    private readonly ctx: ReassemblyContext,
  ) {}

  /** Fixes stream offset 0 at sequence number `seq`. */
  start(seq: number): void {
    this.started = true;
    this.nextSeq = seq >>> 0;
    this.offset = 0;
    this.windowFrom = 0;
  }

  /**
   * This side sent a SYN with sequence number `seq`. Returns 'first' for the first SYN (the stream
   * then starts after it: a SYN consumes one sequence number), 'repeat' for one with the same ISN,
   * 'other' for a SYN with a different ISN.
   */
  syn(seq: number): 'first' | 'repeat' | 'other' {
    seq >>>= 0;
    if (this.isn === -1) {
      if (!this.started || (this.offset === 0 && this.pending.length === 0)) {
        this.isn = seq;
        this.start(seq + 1);
        return 'first';
      }
      return 'other';
    }
    return this.isn === seq ? 'repeat' : 'other';
  }

  /**
   * Payload bytes buf[off, off + len) at sequence number `seq` (unsigned or signed 32-bit), carried
   * by `frame`, captured at ctx.ts.
   */
  segment(buf: Uint8Array, off: number, len: number, seq: number, frame: number): void {
    const ts = this.ctx.ts;
    if (!this.started) this.start(seq);
    let rel = (seq - this.nextSeq) | 0;
    if (rel < 0) {
      this.ctx.stats.retransmissions++;
      const old = len < -rel ? len : -rel;
      this.compareDelivered(buf, off, this.offset + rel, old, frame);
      if (len <= old) return;
      off += old;
      len -= old;
      rel = 0;
    }
    if (rel > this.ctx.maxSeqAheadBytes) {
      this.ctx.stats.bogusSegments++;
      return;
    }
    const at = this.offset + rel;
    if (this.finOffset >= 0 && at + len > this.finOffset) {
      const keep = this.finOffset - at;
      this.ctx.stats.bytesAfterFin += keep > 0 ? len - keep : len;
      if (keep <= 0) return;
      len = keep;
    }
    if (rel === 0) {
      const p = this.pending;
      if (p.length === 0) {
        this.emit(buf.subarray(off, off + len), frame, ts);
        this.maybeEnd(frame, ts);
        return;
      }
      const room = p[0]!.off - this.offset;
      if (len <= room) {
        this.emit(buf.subarray(off, off + len), frame, ts);
      } else {
        // Overlaps buffered bytes, which were seen first and win: deliver up to them, merge the rest.
        this.emit(buf.subarray(off, off + room), frame, ts);
        this.insert(buf, off + room, len - room, this.offset, frame, ts);
      }
      this.drain();
      this.maybeEnd(frame, ts);
      return;
    }
    this.ctx.stats.outOfOrderSegments++;
    this.insert(buf, off, len, at, frame, ts);
    this.enforceCaps(frame, ts);
    this.giveUpAcked(frame, ts);
  }

  /** This side's FIN at sequence number `seq` (after the segment's payload), captured at ctx.ts. */
  fin(seq: number, frame: number): void {
    const ts = this.ctx.ts;
    if (!this.started) this.start(seq);
    if (this.finOffset >= 0) return;
    const rel = (seq - this.nextSeq) | 0;
    if (rel < 0 || rel > this.ctx.maxSeqAheadBytes) return;
    this.finOffset = this.offset + rel;
    this.dropBeyondFin();
    this.maybeEnd(frame, ts);
  }

  /** The peer acknowledged up to sequence number `ack` (at ctx.ts): bytes before it that we lack are lost. */
  peerAck(ack: number, frame: number): void {
    if (!this.started) return;
    const rel = (ack - this.nextSeq) | 0;
    if (rel <= 0 || rel > this.ctx.maxSeqAheadBytes) return;
    let to = this.offset + rel;
    // The FIN takes a sequence number but is not a byte.
    if (this.finOffset >= 0 && to > this.finOffset) to = this.finOffset;
    if (to > this.ackedTo) this.ackedTo = to;
    if (this.pending.length > 0) this.giveUpAcked(frame, this.ctx.ts);
  }

  /**
   * Delivers everything still buffered, with gaps for the holes (and for a hole before a FIN),
   * then end(). Called when the connection is over.
   */
  close(reason: EndReason, frame: number, ts: number): void {
    while (this.pending.length > 0) {
      const hole = this.pending[0]!.off - this.offset;
      if (hole > 0) this.gap(hole, frame, ts);
      this.drain();
    }
    if (this.finOffset > this.offset) this.gap(this.finOffset - this.offset, frame, ts);
    this.end(this.finOffset >= 0 && this.offset >= this.finOffset ? 'fin' : reason, frame, ts);
  }

  /** Returns the buffers' bytes to the shared budgets (the connection is being forgotten). */
  release(): void {
    for (const p of this.pending) this.unbuffer(p.data.length);
    this.pending.length = 0;
    const w = this.window;
    if (w !== undefined) {
      this.ctx.stats.windowBytes -= w.length;
      this.ctx.windowPool.give(w);
      this.window = undefined;
    }
  }

  /** Out-of-order segments currently buffered (for tests and stats). */
  get pendingSegments(): number {
    return this.pending.length;
  }

  private end(reason: EndReason, frame: number, ts: number): void {
    if (this.ended) return;
    this.ended = true;
    const meta = this.meta(this.offset, frame, ts);
    this.owner.handler?.end(this.dir, reason, meta);
  }

  private maybeEnd(frame: number, ts: number): void {
    if (this.finOffset >= 0 && this.offset >= this.finOffset && !this.ended) this.end('fin', frame, ts);
  }

  /** The context's one reused SegmentMeta, filled for a range that one frame carried. */
  private meta(streamOffset: number, frame: number, ts: number): SegmentMeta {
    const meta = this.ctx.meta;
    meta.streamOffset = streamOffset;
    meta.firstFrame = frame;
    meta.lastFrame = frame;
    meta.ts = ts;
    return meta;
  }

  private emit(bytes: Uint8Array, frame: number, ts: number): void {
    const at = this.offset;
    this.remember(bytes, at);
    this.offset = at + bytes.length;
    this.nextSeq = (this.nextSeq + bytes.length) >>> 0;
    const meta = this.meta(at, frame, ts);
    this.owner.handler?.data(this.dir, bytes, meta);
  }

  private gap(length: number, frame: number, ts: number): void {
    const at = this.offset;
    this.offset = at + length;
    this.nextSeq = (this.nextSeq + length) >>> 0;
    this.windowFrom = this.offset;
    this.owner.summary.gapBytes[this.dir] += length;
    this.ctx.stats.gaps++;
    this.ctx.stats.gapBytes += length;
    const meta = this.meta(at, frame, ts);
    this.owner.handler?.gap(this.dir, length, meta);
  }

  /** Delivers buffered segments that are now in order. */
  private drain(): void {
    const p = this.pending;
    while (p.length > 0 && p[0]!.off <= this.offset) {
      const s = p.shift()!;
      this.unbuffer(s.data.length);
      const skip = this.offset - s.off;
      if (skip < s.data.length) this.emit(skip === 0 ? s.data : s.data.subarray(skip), s.frame, s.ts);
    }
  }

  /** Gives up the hole at the stream head as far as the peer acknowledged it. */
  private giveUpAcked(frame: number, ts: number): void {
    const p = this.pending;
    if (p.length === 0 || this.ackedTo <= this.offset) return;
    const first = p[0]!.off;
    const to = this.ackedTo < first ? this.ackedTo : first;
    this.gap(to - this.offset, frame, ts);
    this.drain();
    this.maybeEnd(frame, ts);
  }

  /** Over a cap: give up holes, oldest first, until the buffers fit again. */
  private enforceCaps(frame: number, ts: number): void {
    const ctx = this.ctx;
    const p = this.pending;
    while (
      p.length > 0 &&
      (this.owner.bufferedBytes > ctx.maxBufferedBytesPerConnection ||
        ctx.stats.bufferedBytes > ctx.maxBufferedBytesTotal ||
        p.length > ctx.maxBufferedSegmentsPerDirection)
    ) {
      ctx.stats.capDrops++;
      this.owner.summary.capDrops++;
      this.gap(p[0]!.off - this.offset, frame, ts);
      this.drain();
    }
    this.maybeEnd(frame, ts);
  }

  /**
   * Buffers buf[off, off + len) (stream offsets [at, at + len)) around what is already buffered:
   * only the uncovered pieces are copied; covered bytes are compared (first data wins).
   */
  private insert(buf: Uint8Array, off: number, len: number, at: number, frame: number, ts: number): void {
    const p = this.pending;
    const end = at + len;
    let a = at;
    let i = 0;
    let overlapped = false;
    while (a < end && i < p.length) {
      const s = p[i]!;
      const sEnd = s.off + s.data.length;
      if (sEnd <= a) {
        i++;
        continue;
      }
      if (s.off >= end) break;
      if (s.off > a) {
        this.buffer(i, buf, off + (a - at), s.off - a, a, frame, ts);
        i++;
        a = s.off;
      }
      // Covered by s: compare.
      const cEnd = sEnd < end ? sEnd : end;
      overlapped = true;
      for (let k = a; k < cEnd; k++) {
        if (s.data[k - s.off] !== buf[off + (k - at)]) {
          this.mismatch(frame, a, cEnd - a);
          break;
        }
      }
      a = cEnd;
      i++;
    }
    if (a < end) this.buffer(i, buf, off + (a - at), end - a, a, frame, ts);
    if (overlapped) this.ctx.stats.retransmissions++;
  }

  /** Keeps a copy of the segment (not slice(): on a reused Node Buffer, that is a view). */
  private buffer(index: number, buf: Uint8Array, off: number, len: number, at: number, frame: number, ts: number): void {
    this.pending.splice(index, 0, { off: at, data: new Uint8Array(buf.subarray(off, off + len)), frame, ts });
    this.owner.bufferedBytes += len;
    const stats = this.ctx.stats;
    stats.bufferedBytes += len;
    if (stats.bufferedBytes > stats.peakBufferedBytes) stats.peakBufferedBytes = stats.bufferedBytes;
  }

  private unbuffer(len: number): void {
    this.owner.bufferedBytes -= len;
    this.ctx.stats.bufferedBytes -= len;
  }

  private dropBeyondFin(): void {
    const p = this.pending;
    const fin = this.finOffset;
    for (let i = p.length - 1; i >= 0; i--) {
      const s = p[i]!;
      if (s.off + s.data.length <= fin) break;
      const keep = fin - s.off;
      this.ctx.stats.bytesAfterFin += s.data.length - Math.max(keep, 0);
      if (keep <= 0) {
        this.unbuffer(s.data.length);
        p.splice(i, 1);
      } else {
        this.unbuffer(s.data.length - keep);
        s.data = s.data.subarray(0, keep);
      }
    }
  }

  /** Compares a retransmission of already delivered stream offsets [at, at + len) with the window. */
  private compareDelivered(buf: Uint8Array, off: number, at: number, len: number, frame: number): void {
    let a = at;
    const b = at + len;
    if (a < 0) {
      const before = b < 0 ? len : -a;
      this.ctx.stats.bytesBeforeStreamStart += before;
      off += before;
      a += before;
    }
    if (a >= b) return;
    const w = this.window;
    let lo = w === undefined ? this.offset : this.offset - w.length;
    if (lo < this.windowFrom) lo = this.windowFrom;
    if (a < lo) {
      const n = (b < lo ? b : lo) - a;
      this.ctx.stats.unverifiedRetransmittedBytes += n;
      off += n;
      a += n;
    }
    if (a >= b || w === undefined) return;
    const mask = w.length - 1;
    for (let k = a; k < b; k++) {
      if (w[k & mask] !== buf[off + (k - a)]) {
        this.mismatch(frame, a, b - a);
        return;
      }
    }
  }

  private mismatch(frame: number, streamOffset: number, length: number): void {
    this.ctx.stats.retransmissionMismatches++;
    const list = this.owner.summary.retransmissionMismatches;
    if (list.length < this.ctx.maxMismatchesPerConnection) list.push({ dir: this.dir, frame, streamOffset, length });
  }

  /** Copies delivered bytes into the retransmission window (grown lazily, within the shared budget). */
  private remember(bytes: Uint8Array, at: number): void {
    const ctx = this.ctx;
    if (ctx.retransmissionWindowBytes <= 0) return;
    const end = at + bytes.length;
    let w = this.window;
    if (!this.windowWrapped && (w === undefined || end > w.length) && (w === undefined || w.length < ctx.retransmissionWindowBytes)) {
      let size = w === undefined ? 256 : w.length;
      while (size < end && size < ctx.retransmissionWindowBytes) size *= 2;
      if (size > ctx.retransmissionWindowBytes) size = ctx.retransmissionWindowBytes;
      const growth = size - (w === undefined ? 0 : w.length);
      if (ctx.stats.windowBytes + growth <= ctx.maxWindowBytesTotal) {
        let nw = ctx.windowPool.take(size);
        const fresh = nw === undefined;
        if (nw === undefined) nw = new Uint8Array(size);
        // Not wrapped yet: every byte still sits at its own offset, so a plain copy keeps the mapping.
        let copied = 0;
        if (w !== undefined) {
          copied = at < w.length ? at : w.length;
          nw.set(w.subarray(0, copied));
          ctx.windowPool.give(w);
        }
        // A window made after some bytes went by unremembered (the budget was used up): those
        // positions are read as zeros, as in a fresh window. Every other position is written before
        // it can be read, so a reused window needs no clearing.
        if (!fresh && at > copied) nw.fill(0, copied);
        ctx.stats.windowBytes += growth;
        this.window = w = nw;
      }
    }
    if (w === undefined) return;
    const size = w.length;
    if (end > size) this.windowWrapped = true;
    let src = bytes;
    let pos = at;
    if (src.length > size) {
      src = src.subarray(src.length - size);
      pos = end - size;
    }
    const start = pos & (size - 1);
    const first = size - start;
    if (src.length <= first) {
      w.set(src, start);
    } else {
      w.set(src.subarray(0, first), start);
      w.set(src.subarray(first), 0);
    }
  }
}
