/**
 * TCP reassembly: the flow table, roles, connection outcomes and the bounds of the whole layer.
 * Per-direction byte ordering lives in half-stream.ts. Design and heuristics: docs/tcp.md.
 */
import { CaptureClock } from './capture-clock.js';
import { frameTime, type RawFrame } from '../capture/frame.js';
import { TcpFlag, type Decoded } from '../decode/decoded.js';
import { Connection, ConnState, inertParts, type InertParts } from './connection.js';
import { newReassemblyStats, WindowPool, type ReassemblyContext, type ReassemblyStats } from './context.js';
import { FlowKey, FlowTable } from './flow-table.js';
import { ENTRY_BYTES, MAIL_PORTS, TCP_LIMITS } from './limits.js';
import { EvictedFlows } from './evicted-flows.js';
import { AttemptFolder, type FoldedAttempts, type FoldOutcome } from './attempt-folder.js';
import type { ConnectionInfo, Direction, EndReason, StreamFactory } from './stream.js';

export type { ReassemblyStats } from './context.js';

/** Tunables of a TcpReassembler; every field has a default (TCP_LIMITS, MAIL_PORTS). */
export interface ReassemblerOptions {
  /** Ports whose connections are opened at their first packet (others are probed at their first payload). */
  isMailPort(port: number): boolean;
  /** An open connection silent this long (capture time) is closed with reason 'timeout'. */
  idleTimeoutSec: number;
  /** Closed, ignored and unprobed entries silent this long are forgotten. */
  closedLingerSec: number;
  /** Capture time between two idle sweeps. */
  sweepIntervalSec: number;
  /**
   * Sharded reading (src/parallel): the caller keeps the capture clock and the sweep schedule of the
   * whole capture and calls advanceClock() before each packet; packet() then does neither itself.
   */
  externalClock?: boolean;
  /**
   * Memory budget of the connection table in bytes (entries at their estimated cost, ENTRY_BYTES,
   * plus retransmission windows); the least recently active entries are evicted beyond it.
   */
  tableBudgetBytes: number;
  /** Memory of the set remembering evicted connections (their later packets are counted, not re-opened); 0: none. */
  evictedFlowsBytes: number;
  /**
   * Failed attempts (unanswered, refused) from one client to one server port reported as
   * conversations; later ones are folded into one record (AttemptFolder). Infinity: never fold.
   */
  foldAfterAttempts: number;
  /** Memory for held-back attempts; beyond it the oldest is folded as unanswered at once. */
  heldAttemptsBytes: number;
  /** Out-of-order bytes per connection (both directions). */
  maxBufferedBytesPerConnection: number;
  /** Out-of-order bytes across all connections. */
  maxBufferedBytesTotal: number;
  /** Out-of-order segments per direction. */
  maxBufferedSegmentsPerDirection: number;
  /** Delivered bytes kept per direction to compare retransmissions (rounded down to a power of two; 0 = off). */
  retransmissionWindowBytes: number;
  /** Retransmission window bytes across all connections. */
  maxWindowBytesTotal: number;
  /** Bytes of finished directions' windows kept for reuse (0: none, every window is a new allocation). */
  windowPoolBytes: number;
}

const DEFAULT_MAIL_PORTS = new Set(MAIL_PORTS);

/** The defaults: the mail ports of MAIL_PORTS and the caps of TCP_LIMITS. */
export const DEFAULT_REASSEMBLER_OPTIONS: Readonly<ReassemblerOptions> = Object.freeze({
  isMailPort: (port: number) => DEFAULT_MAIL_PORTS.has(port),
  idleTimeoutSec: TCP_LIMITS.IDLE_TIMEOUT_SEC,
  closedLingerSec: TCP_LIMITS.CLOSED_LINGER_SEC,
  sweepIntervalSec: TCP_LIMITS.SWEEP_INTERVAL_SEC,
  tableBudgetBytes: TCP_LIMITS.TABLE_BUDGET_BYTES,
  evictedFlowsBytes: TCP_LIMITS.EVICTED_FLOWS_BYTES,
  foldAfterAttempts: TCP_LIMITS.FOLD_AFTER_ATTEMPTS,
  heldAttemptsBytes: TCP_LIMITS.HELD_ATTEMPTS_BYTES,
  maxBufferedBytesPerConnection: TCP_LIMITS.MAX_BUFFERED_BYTES_PER_CONNECTION,
  maxBufferedBytesTotal: TCP_LIMITS.MAX_BUFFERED_BYTES_TOTAL,
  maxBufferedSegmentsPerDirection: TCP_LIMITS.MAX_BUFFERED_SEGMENTS_PER_DIRECTION,
  retransmissionWindowBytes: TCP_LIMITS.RETRANSMISSION_WINDOW_BYTES,
  maxWindowBytesTotal: TCP_LIMITS.MAX_WINDOW_BYTES_TOTAL,
  windowPoolBytes: TCP_LIMITS.WINDOW_POOL_BYTES,
});

function floorPow2(n: number): number {
  if (n < 1) return 0;
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

/**
 * Reassembles the TCP connections of a capture and hands each direction's bytes, in order, to the
 * handler a StreamFactory gives for the connection.
 *
 * Contract:
 * - packet() takes every frame whose Decoded has kind 'tcp', in capture order; it keeps nothing of
 *   `frame` or `d` beyond the call except copies (endpoint bytes, out-of-order segments).
 * - In-order payload is handed to the handler as a view on `d.buf` (no copy); only out-of-order
 *   segments are copied. The SegmentMeta object is reused between calls.
 * - Mail-port connections are opened at their first packet; others are probed at their first
 *   payload; declined ones are remembered and skipped.
 * - Every opened connection gets exactly one close(summary), after end() of both directions.
 * - Memory is bounded by the options (connections, buffered bytes, windows); every cap has a
 *   counter in stats().
 * - Never throws on bad input; exceptions thrown by handlers propagate to the caller.
 */
export class TcpReassembler {
  private readonly opts: ReassemblerOptions;
  private readonly ctx: ReassemblyContext;
  private readonly table: FlowTable;
  /** Connections evicted from the table: their later packets are absorbed (counted), not new connections. */
  private readonly evictedFlows: EvictedFlows;
  /** Sum of the entries' charges (Connection.charge); with the window bytes, what the budget bounds. */
  private tableBytes = 0;
  /** Packets of evicted connections absorbed by evictedFlows. */
  private evictedPackets = 0;
  /** Failed attempts of busy (client, server, port) keys, counted instead of reported. */
  private readonly folder: AttemptFolder;
  /** Held-back attempts (ConnState.Attempt), oldest first, and how many. */
  private heldHead: Connection | undefined = undefined;
  private heldTail: Connection | undefined = undefined;
  private held = 0;
  /** The current packet's endpoints (reused). */
  private readonly key = new FlowKey();
  /** What retired (closed, declined) connections point to instead of their own state. */
  private readonly inert: InertParts;
  private nextId = 1;
  /** Capture clock for timeouts and the sweep schedule (unused with options.externalClock). */
  private readonly clock: CaptureClock;
  /** The capture clock's value at the current packet (set by advanceClock with options.externalClock). */
  private now = -Infinity;
  private finished = false;

  constructor(private readonly factory: StreamFactory, opts?: Partial<ReassemblerOptions>) {
    this.opts = { ...DEFAULT_REASSEMBLER_OPTIONS, ...opts };
    const o = this.opts;
    this.ctx = {
      stats: newReassemblyStats(),
      maxBufferedBytesPerConnection: o.maxBufferedBytesPerConnection,
      maxBufferedBytesTotal: o.maxBufferedBytesTotal,
      maxBufferedSegmentsPerDirection: o.maxBufferedSegmentsPerDirection,
      retransmissionWindowBytes: floorPow2(o.retransmissionWindowBytes),
      maxWindowBytesTotal: o.maxWindowBytesTotal,
      windowPool: new WindowPool(o.windowPoolBytes),
      maxMismatchesPerConnection: TCP_LIMITS.MAX_MISMATCHES_PER_CONNECTION,
      maxSeqAheadBytes: TCP_LIMITS.MAX_SEQ_AHEAD_BYTES,
      meta: { streamOffset: 0, firstFrame: 0, lastFrame: 0, ts: 0 },
      ts: 0,
    };
    this.table = new FlowTable();
    this.evictedFlows = new EvictedFlows(o.evictedFlowsBytes);
    this.folder = new AttemptFolder(o.foldAfterAttempts);
    this.clock = new CaptureClock(o.sweepIntervalSec);
    this.inert = inertParts(this.ctx);
  }

  /** Feeds one TCP segment (frames of other kinds are ignored). */
  packet(frame: RawFrame, d: Decoded): void {
    if (d.kind !== 'tcp' || this.finished) return;
    const stats = this.ctx.stats;
    stats.packets++;
    const ts = frameTime(frame);
    let now = this.now;
    if (this.opts.externalClock !== true) {
      now = this.now = this.clock.tick(ts);
      if (this.clock.sweep) this.sweep(now);
    }

    const key = this.key;
    key.load(d.buf, d.srcAddrOffset, d.dstAddrOffset, d.addrLength, d.srcPort, d.dstPort);
    const table = this.table;
    let c = table.find(key);
    let side: 0 | 1 = table.side;
    const flags = d.flags;
    if (c === undefined && !this.evictedFlows.empty &&
      this.evictedFlows.absorbs(key.hash, key.hash2(), (flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN, d.seq)) {
      // A packet of a connection the table evicted: it was reported (tcp.evicted) and stays over.
      this.evictedPackets++;
      return;
    }
    if (c !== undefined && (flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN && this.isNewAttempt(c, side, d.seq)) {
      this.replace(c, frame.index, ts);
      c = undefined;
    }
    if (c === undefined) {
      c = this.create(frame, d, ts);
      side = 0;
    } else {
      table.touch(c);
    }
    // The frame's own time (a jump forward starts a new era at once), never behind the clock.
    c.lastTs = ts > now ? ts : now;

    const state = c.state;
    if (state === ConnState.Ignored || state === ConnState.Closed) {
      if ((flags & TcpFlag.RST) !== 0) c.state = ConnState.Closed;
      else if ((flags & TcpFlag.FIN) !== 0) {
        c.finMask |= side === 0 ? 1 : 2;
        if (c.finMask === 3) c.state = ConnState.Closed;
      }
      return;
    }
    this.ctx.ts = ts;
    this.segment(c, side, frame, d);
    if (this.tableBytes + stats.windowBytes > this.opts.tableBudgetBytes) this.fitBudget(c);
  }

  /** Flushes every open connection (gaps for holes), ends both directions and closes it, in id order. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const open: Connection[] = [];
    for (let c = this.table.head; c !== undefined; c = c.lruNext) if (c.state === ConnState.Open || c.state === ConnState.Attempt) open.push(c);
    open.sort((a, b) => a.id - b.id);
    for (const c of open) {
      if (c.state === ConnState.Attempt && this.foldAttempt(c, 'unanswered')) continue;
      this.close(c, 'capture-end', c.summary.lastFrame, c.summary.endTs);
    }
    for (let c = this.table.head; c !== undefined; c = this.table.head) this.forget(c);
  }

  /** Bytes the table's budget counts now: entries at their estimated cost plus retransmission windows. */
  get tableMemoryBytes(): number {
    return this.tableBytes + this.ctx.stats.windowBytes;
  }

  /** Connections created so far (the last id given); one packet creates at most one. */
  get connectionsCreated(): number {
    return this.nextId - 1;
  }

  /** With options.externalClock: sets the capture clock and, when `sweep`, sweeps the table now. */
  advanceClock(now: number, sweep: boolean): void {
    this.now = now;
    if (sweep) this.sweep(now);
  }

  /** A snapshot of the counters. */
  stats(): ReassemblyStats {
    const s: ReassemblyStats = { ...this.ctx.stats, activeConnections: this.table.size };
    // Only when it happened, so reports of ordinary captures keep their shape.
    if (this.evictedPackets > 0) s.evictedPackets = this.evictedPackets;
    const folded = this.folder.foldedCount;
    if (folded > 0) s.foldedAttempts = folded;
    return s;
  }

  /** Records of the failed attempts folded so far, one per (client, server, port). */
  foldedAttempts(): readonly FoldedAttempts[] {
    return this.folder.folded();
  }

  /** One segment of a tracked connection (Pending or Open), captured at ctx.ts. */
  private segment(c: Connection, side: 0 | 1, frame: RawFrame, d: Decoded): void {
    const ts = this.ctx.ts;
    const flags = d.flags;
    const fi = frame.index;
    let dir: Direction = c.dirOf(side);
    const s = c.summary;
    if (c.state === ConnState.Attempt && !((flags & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.RST | TcpFlag.FIN)) === TcpFlag.SYN && dir === 0 && d.payloadLength === 0)) {
      // A held-back attempt gets something other than a client SYN (retry).
      if ((flags & TcpFlag.RST) !== 0 && dir === 1 && !c.synAckSeen) {
        s.frames[1]++;
        s.lastFrame = fi;
        s.endTs = ts;
        if (this.foldAttempt(c, 'refused')) return;
        s.frames[1]--;
      } else if (!this.promote(c)) {
        return;
      }
    }

    if ((flags & TcpFlag.SYN) !== 0) {
      if (c.provisionalRoles) {
        // A handshake packet after a mid-stream start settles the roles.
        c.provisionalRoles = false;
        c.roleSource = 'syn';
        if (dir !== ((flags & TcpFlag.ACK) === 0 ? 0 : 1)) c.swapRoles();
        dir = c.dirOf(side);
      }
      if ((flags & TcpFlag.ACK) === 0) {
        if (dir === 0) {
          const r = c.halves[0].syn(d.seq);
          if (r === 'repeat') this.ctx.stats.synRetransmissions++;
          if (s.synFrames.length < TCP_LIMITS.MAX_SYN_FRAMES_PER_CONNECTION) s.synFrames.push(fi);
          if (!c.sawSyn) {
            c.sawSyn = true;
            if (c.info !== undefined) c.info.sawSyn = true;
          }
        }
      } else if (dir === 1) {
        c.synAckSeen = true;
        s.refused = false;
        c.halves[1].syn(d.seq);
        // The SYN-ACK acknowledges the client's ISN + 1: the client stream starts there even
        // when the capture missed the SYN.
        if (!c.halves[0].started) c.halves[0].start(d.ack);
      }
    }

    if ((flags & TcpFlag.RST) !== 0) {
      s.frames[dir]++;
      s.lastFrame = fi;
      s.endTs = ts;
      if (dir === 1 && c.sawSyn && !c.synAckSeen && s.bytes[0] === 0 && s.bytes[1] === 0) {
        // Refused. Stay open a while: clients retry the same SYN after a RST (one attempt, many SYNs).
        if (!s.refused) this.folder.failedReported(c.foldSlot);
        s.refused = true;
        if (c.state === ConnState.Pending) this.retireUnopened(c);
        return;
      } else {
        s.resetBy = dir === 0 ? 'client' : 'server';
        s.resetFrame = fi;
      }
      if (c.state === ConnState.Open) this.close(c, 'rst', fi, ts);
      else this.retireUnopened(c);
      return;
    }

    const len = d.payloadLength;
    if (len > 0 && c.state === ConnState.Pending) {
      if (!this.probe(c, dir, d)) return;
      dir = c.dirOf(side);
    }
    s.frames[dir]++;
    s.bytes[dir] += len;
    s.lastFrame = fi;
    s.endTs = ts;

    if (len > 0 && c.charge < ENTRY_BYTES.dialogue && c.state === ConnState.Open) this.charge(c, ENTRY_BYTES.dialogue);
    const half = c.halves[dir];
    // Sequence numbers are handed on as signed 32-bit values: small integers for V8, where an
    // unsigned one above 2^31 would be boxed in a heap number at each call (the half-stream only
    // ever takes differences modulo 2^32 and stores them unsigned).
    if ((flags & TcpFlag.ACK) !== 0) c.halves[dir ^ 1].peerAck(d.ack | 0, fi);
    const seq = (flags & TcpFlag.SYN) !== 0 ? (d.seq + 1) | 0 : d.seq | 0;
    if (len > 0) half.segment(d.buf, d.payloadOffset, len, seq, fi);
    if ((flags & TcpFlag.FIN) !== 0) {
      if (s.finBy === undefined) s.finBy = dir === 0 ? 'client' : 'server';
      half.fin((seq + d.payloadWireLength) | 0, fi);
    }
    if (c.halves[0].ended && c.halves[1].ended && c.state === ConnState.Open) this.close(c, 'fin', fi, ts);
  }

  /** First payload of a connection on other ports: ask the factory. Returns false when declined. */
  private probe(c: Connection, dir: Direction, d: Decoded): boolean {
    if (c.provisionalRoles) {
      c.provisionalRoles = false;
      // Whoever speaks first is the client (until the factory says otherwise).
      if (dir !== 0) {
        c.swapRoles();
        dir = 0;
      }
    }
    const info = this.info(c);
    const r = this.factory.probe(info, dir, d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength));
    if (r === undefined) {
      this.ignore(c);
      return false;
    }
    if (r.swapRoles) {
      c.swapRoles();
      c.roleSource = 'greeting';
      info.roleSource = 'greeting';
    }
    c.handler = r.handler;
    c.state = ConnState.Open;
    this.ctx.stats.probedConnections++;
    return true;
  }

  /** A new connection for the packet whose endpoints are in this.key. */
  private create(frame: RawFrame, d: Decoded, ts: number): Connection {
    const table = this.table;
    const stats = this.ctx.stats;
    if (this.tableBytes + stats.windowBytes + ENTRY_BYTES.tracked > this.opts.tableBudgetBytes) this.fitBudget(undefined, ENTRY_BYTES.tracked);
    const c = new Connection(this.key, this.ctx);
    c.id = this.nextId++;
    c.firstFrame = frame.index;
    c.startTs = ts;
    c.lastTs = ts;
    c.summary.lastFrame = frame.index;
    c.summary.endTs = ts;
    if (d.vlans.length > 0) c.vlans = d.vlans.slice();
    table.add(c);
    this.charge(c, ENTRY_BYTES.tracked);
    stats.connections++;
    if (table.size > stats.peakConnections) stats.peakConnections = table.size;

    const flags = d.flags;
    const mail = this.opts.isMailPort(d.srcPort) || this.opts.isMailPort(d.dstPort);
    if ((flags & TcpFlag.SYN) !== 0) {
      c.roleSource = 'syn';
      // SYN alone: the sender is the client; SYN+ACK: the sender is the server.
      c.clientIsA = (flags & TcpFlag.ACK) === 0;
      c.sawSyn = c.clientIsA;
    } else if (mail) {
      c.roleSource = 'port';
      c.clientIsA = !(this.opts.isMailPort(d.srcPort) && !this.opts.isMailPort(d.dstPort));
    } else {
      c.roleSource = 'first-speaker';
      c.provisionalRoles = true;
    }

    if (mail) {
      if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN && this.folder.enabled) {
        const slot = this.folder.attempt(foldDigest0(c), foldDigest1(c));
        c.foldSlot = slot < 0 ? -slot : slot;
        if (slot < 0) {
          // Many attempts from this client to this port already: hold it back until answered.
          c.state = ConnState.Attempt;
          this.hold(c);
          return c;
        }
      }
      this.promote(c);
    }
    return c;
  }

  /** Hands a mail-port connection (new, or a held-back attempt) to the factory. Returns false when declined. */
  private promote(c: Connection): boolean {
    if (c.state === ConnState.Attempt) this.unhold(c);
    const h = this.factory.open(this.info(c));
    if (h === undefined) {
      this.ignore(c);
      return false;
    }
    c.handler = h;
    c.state = ConnState.Open;
    this.ctx.stats.mailConnections++;
    return true;
  }

  /**
   * A held-back attempt failed (unanswered when it ends without a reply, refused by a RST): folded
   * into its key's record (true: it is retired, lingering to absorb its retries), or, while its key
   * has failed fewer than foldAfterAttempts times, handed to the factory to be reported (false).
   */
  private foldAttempt(c: Connection, outcome: FoldOutcome, force = false): boolean {
    const s = c.summary;
    const folded = this.folder.fold(c.foldSlot, outcome, s.synFrames.length, c.firstFrame, s.lastFrame, c.startTs, s.endTs, () => {
      const client = c.clientIsA ? 0 : 1;
      return { client: c.address(client), server: c.address(client === 0 ? 1 : 0), serverPort: client === 0 ? c.portB : c.portA };
    }, force);
    if (!folded) return this.promote(c) && false;
    this.unhold(c);
    c.foldedIsn = c.halves[0].isn;
    this.retireUnopened(c);
    return true;
  }

  private info(c: Connection): ConnectionInfo {
    if (c.info !== undefined) return c.info;
    const a = { ip: c.address(0), port: c.portA };
    const b = { ip: c.address(1), port: c.portB };
    c.info = {
      id: c.id,
      client: c.clientIsA ? a : b,
      server: c.clientIsA ? b : a,
      roleSource: c.roleSource,
      firstFrame: c.firstFrame,
      startTs: c.startTs,
      sawSyn: c.sawSyn,
      vlans: c.vlans,
    };
    return c.info;
  }

  private ignore(c: Connection): void {
    c.state = ConnState.Ignored;
    c.retire(this.inert);
    this.charge(c, ENTRY_BYTES.retired);
    this.ctx.stats.ignoredConnections++;
  }

  /** A SYN (without ACK) on a known connection: does it start a new connection on reused ports? */
  private isNewAttempt(c: Connection, side: 0 | 1, seq: number): boolean {
    // A folded attempt lingers to absorb the retries of its SYN.
    if (c.state === ConnState.Closed) return c.foldedIsn === -1 || c.foldedIsn !== seq >>> 0;
    // Declined connections are not tracked closely: only a FIN already seen marks a new attempt.
    if (c.state === ConnState.Ignored) return c.finMask !== 0;
    if (c.provisionalRoles || c.dirOf(side) !== 0) return false;
    const client = c.halves[0];
    if (client.isn !== -1) return client.isn !== seq >>> 0;
    // Picked up mid-stream: a SYN after data is a new connection.
    return client.offset > 0 || c.halves[1].offset > 0;
  }

  /** Ends a connection whose ports are being reused by a new one. */
  private replace(c: Connection, frame: number, ts: number): void {
    this.ctx.stats.portReuses++;
    if (c.state === ConnState.Attempt && this.foldAttempt(c, 'unanswered')) {
      this.forget(c);
      return;
    }
    if (c.state === ConnState.Open) this.close(c, 'evicted', frame, ts);
    this.forget(c);
  }

  /** Flushes, ends both directions and reports the summary; the entry stays (Closed) to absorb stragglers. */
  private close(c: Connection, reason: EndReason, frame: number, ts: number): void {
    if (c.state !== ConnState.Open) return;
    c.state = ConnState.Closed;
    if (c.summary.refused) reason = 'rst';
    c.halves[0].close(reason, frame, ts);
    c.halves[1].close(reason, frame, ts);
    const s = c.summary;
    s.endReason = c.halves[0].ended && c.halves[1].ended && reason !== 'rst' && c.halves[0].finOffset >= 0 && c.halves[1].finOffset >= 0 ? 'fin' : reason;
    s.noAnswer = c.sawSyn && s.frames[1] === 0;
    s.established = c.synAckSeen || !c.sawSyn || s.bytes[0] + s.bytes[1] > 0;
    if (s.noAnswer && !s.refused) this.folder.failedReported(c.foldSlot);
    const h = c.handler;
    c.retire(this.inert);
    this.charge(c, ENTRY_BYTES.retired);
    h?.close(s);
  }

  /** A connection that never had a handler (Pending) is over: it lingers Closed, retired. */
  private retireUnopened(c: Connection): void {
    c.state = ConnState.Closed;
    c.retire(this.inert);
    this.charge(c, ENTRY_BYTES.retired);
  }

  /**
   * Adds a new held-back attempt to the list; past heldAttemptsBytes the oldest is folded now (as
   * unanswered), forgotten and remembered with the evicted flows, or reported if its key has not
   * failed often enough yet.
   */
  private hold(c: Connection): void {
    c.heldPrev = this.heldTail;
    c.heldNext = undefined;
    if (this.heldTail !== undefined) this.heldTail.heldNext = c;
    else this.heldHead = c;
    this.heldTail = c;
    this.held++;
    while (this.held * ENTRY_BYTES.tracked > this.opts.heldAttemptsBytes && this.heldHead !== undefined && this.heldHead !== c) {
      const old = this.heldHead;
      if (this.foldAttempt(old, 'unanswered', true)) {
        this.evictedFlows.add(old.hash, old.hash2(), old.foldedIsn === -1 ? undefined : old.foldedIsn);
        this.forget(old);
      }
    }
  }

  /** Takes an attempt off the held list (it is promoted or folded). */
  private unhold(c: Connection): void {
    if (c.heldPrev !== undefined) c.heldPrev.heldNext = c.heldNext;
    else if (this.heldHead === c) this.heldHead = c.heldNext;
    else return;
    if (c.heldNext !== undefined) c.heldNext.heldPrev = c.heldPrev;
    else this.heldTail = c.heldPrev;
    c.heldPrev = undefined;
    c.heldNext = undefined;
    this.held--;
  }

  /** Sets what an entry is charged in the table's budget. */
  private charge(c: Connection, bytes: number): void {
    this.tableBytes += bytes - c.charge;
    c.charge = bytes;
  }

  /** Drops an entry from the table (after close() if it was open). */
  private forget(c: Connection): void {
    c.release();
    this.table.remove(c);
    this.tableBytes -= c.charge;
    c.charge = 0;
  }

  /**
   * Evicts the least recently active entries until the table fits its budget with `room` bytes to
   * spare, never `keep` (the connection of the packet being handled).
   */
  private fitBudget(keep: Connection | undefined, room = 0): void {
    const budget = this.opts.tableBudgetBytes - room;
    const stats = this.ctx.stats;
    while (this.tableBytes + stats.windowBytes > budget) {
      const c = this.table.head;
      if (c === undefined || c === keep) return;
      this.evict(c);
    }
  }

  /**
   * Drops an entry to make room. An open connection is finished (its conversation ends with
   * 'evicted': tcp.evicted). Every evicted entry is remembered (EvictedFlows), so that its later
   * packets are counted instead of starting a new connection that would evict another in turn.
   */
  private evict(c: Connection): void {
    let isn = c.state === ConnState.Open || c.state === ConnState.Pending || c.state === ConnState.Attempt ? c.halves[0].isn : c.foldedIsn;
    if (c.state === ConnState.Attempt && this.foldAttempt(c, 'unanswered')) isn = c.foldedIsn;
    if (c.state === ConnState.Open) {
      this.ctx.stats.evicted++;
      this.close(c, 'evicted', c.summary.lastFrame, c.summary.endTs);
    }
    this.evictedFlows.add(c.hash, c.hash2(), isn === -1 ? undefined : isn);
    this.forget(c);
  }

  /** Times out open connections and forgets lingering entries, oldest activity first. */
  private sweep(now: number): void {
    const idle = this.opts.idleTimeoutSec;
    const linger = this.opts.closedLingerSec;
    const shortest = idle < linger ? idle : linger;
    for (let c = this.table.head; c !== undefined; ) {
      const next = c.lruNext;
      const silent = now - c.lastTs;
      if (silent < 0) {
        // Touched by a frame stamped ahead of the clock (a wild timestamp): not idle, look further.
        c = next;
        continue;
      }
      if (silent < shortest) break;
      if (c.state === ConnState.Attempt && silent >= linger) {
        // A held-back attempt whose SYN retries stopped: folded, or reported after all (it is
        // then an open connection like any other, timed out below at the idle timeout).
        if (this.foldAttempt(c, 'unanswered')) {
          this.evictedFlows.add(c.hash, c.hash2(), c.foldedIsn === -1 ? undefined : c.foldedIsn);
          this.forget(c);
          c = next;
          continue;
        }
      }
      if (c.state === ConnState.Open && !c.summary.refused) {
        if (silent >= idle) {
          this.ctx.stats.timedOut++;
          this.close(c, 'timeout', c.summary.lastFrame, c.summary.endTs);
          this.forget(c);
        }
      } else if (silent >= linger) {
        // Refused attempts close once their retries stop; the rest is forgotten.
        this.close(c, 'rst', c.summary.lastFrame, c.summary.endTs);
        this.forget(c);
      }
      c = next;
    }
  }
}

/**
 * The AttemptFolder key of a connection (client address, server address and port) as a 64-bit
 * digest of numbers, in two words: no string per attempt.
 */
function foldDigest0(c: Connection): number {
  return c.clientIsA ? directedHash(c.a0, c.a1, c.a2, c.a3, c.b0, c.b1, c.b2, c.b3, c.portB, 0x9e3779b1)
    : directedHash(c.b0, c.b1, c.b2, c.b3, c.a0, c.a1, c.a2, c.a3, c.portA, 0x9e3779b1);
}

function foldDigest1(c: Connection): number {
  return c.clientIsA ? directedHash(c.a0, c.a1, c.a2, c.a3, c.b0, c.b1, c.b2, c.b3, c.portB, 0x85ebca77)
    : directedHash(c.b0, c.b1, c.b2, c.b3, c.a0, c.a1, c.a2, c.a3, c.portA, 0x85ebca77);
}

/** A hash of client words, server words and port in that order (not symmetric), seeded. */
function directedHash(c0: number, c1: number, c2: number, c3: number, s0: number, s1: number, s2: number, s3: number, port: number, seed: number): number {
  let h = mix(mix(mix(mix(mix(mix(mix(mix(mix(seed, c0), c1), c2), c3), s0), s1), s2), s3), port);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

function mix(h: number, w: number): number {
  return Math.imul(Math.imul(h ^ w, 0x01000193) ^ (h >>> 15), 0xcc9e2d51);
}
