/**
 * One tracked TCP connection: its endpoints (copied once), roles, both half-streams, its summary
 * and the links that place it in the flow table's bucket chain and activity (LRU) list.
 */
import type { ReassemblyContext } from './context.js';
import { HalfStream, type HalfStreamOwner } from './half-stream.js';
import type { ConnectionInfo, ConnectionSummary, Direction, RoleSource, StreamHandler } from './stream.js';

/** Where a connection is in its life. */
export const ConnState = {
  /** Not on a mail port and no payload yet: waiting to probe its first bytes. */
  Pending: 0,
  /** A handler receives its bytes. */
  Open: 1,
  /** The factory declined it: packets are only counted. */
  Ignored: 2,
  /** Over (FIN both ways, RST): kept a while so trailing packets do not start a new connection. */
  Closed: 3,
} as const;
export type ConnState = (typeof ConnState)[keyof typeof ConnState];

export function newSummary(): ConnectionSummary {
  return {
    noAnswer: false,
    refused: false,
    established: false,
    resetBy: undefined,
    resetFrame: undefined,
    finBy: undefined,
    endReason: 'capture-end',
    lastFrame: 0,
    endTs: 0,
    frames: [0, 0],
    bytes: [0, 0],
    gapBytes: [0, 0],
    retransmissionMismatches: [],
    capDrops: 0,
    synFrames: [],
  };
}

const NO_VLANS: readonly number[] = Object.freeze([]);

export class Connection implements HalfStreamOwner {
  id = 0;
  /** Order-independent hash of the two endpoints. */
  hash = 0;
  bucketNext: Connection | undefined = undefined;
  lruPrev: Connection | undefined = undefined;
  lruNext: Connection | undefined = undefined;

  state: ConnState = ConnState.Pending;
  handler: StreamHandler | undefined = undefined;
  info: ConnectionInfo | undefined = undefined;
  readonly summary: ConnectionSummary = newSummary();
  bufferedBytes = 0;
  /** Indexed by Direction (0 = client to server). */
  halves: [HalfStream, HalfStream];

  /** Endpoint A is the source of the first packet seen. */
  readonly addrA: Uint8Array;
  readonly addrB: Uint8Array;
  readonly portA: number;
  readonly portB: number;
  clientIsA = true;
  roleSource: RoleSource = 'first-speaker';
  /** Roles are a guess until the first payload (no SYN, no mail port). */
  provisionalRoles = false;

  firstFrame = 0;
  startTs = 0;
  lastTs = 0;
  vlans: readonly number[] = NO_VLANS;
  sawSyn = false;
  synAckSeen = false;
  /** FIN seen from A (bit 0) / B (bit 1): for connections without half-streams in use. */
  finMask = 0;

  constructor(buf: Uint8Array, srcOff: number, dstOff: number, addrLen: number, srcPort: number, dstPort: number, ctx: ReassemblyContext) {
    // Copies, never views: on a Node Buffer (live capture reuses one) slice() is a view.
    this.addrA = new Uint8Array(buf.subarray(srcOff, srcOff + addrLen));
    this.addrB = new Uint8Array(buf.subarray(dstOff, dstOff + addrLen));
    this.portA = srcPort;
    this.portB = dstPort;
    this.halves = [new HalfStream(0, this, ctx), new HalfStream(1, this, ctx)];
  }

  /**
   * Whether the packet's endpoints are this connection's: 0 when it goes A to B, 1 when B to A,
   * -1 when it belongs elsewhere. Compares bytes in place (no allocation).
   */
  match(buf: Uint8Array, srcOff: number, dstOff: number, addrLen: number, srcPort: number, dstPort: number): -1 | 0 | 1 {
    const a = this.addrA;
    const b = this.addrB;
    if (a.length !== addrLen) return -1;
    if (srcPort === this.portA && dstPort === this.portB && same(a, buf, srcOff) && same(b, buf, dstOff)) return 0;
    if (srcPort === this.portB && dstPort === this.portA && same(b, buf, srcOff) && same(a, buf, dstOff)) return 1;
    return -1;
  }

  /** Direction of a packet sent by endpoint A (side 0) or B (side 1). */
  dirOf(side: 0 | 1): Direction {
    return (side === 0) === this.clientIsA ? 0 : 1;
  }

  /** Swaps client and server (before or right after the first payload). */
  swapRoles(): void {
    this.clientIsA = !this.clientIsA;
    const [h0, h1] = this.halves;
    this.halves = [h1, h0];
    h1.dir = 0;
    h0.dir = 1;
    const s = this.summary;
    s.frames.reverse();
    s.bytes.reverse();
    s.gapBytes.reverse();
    if (this.info !== undefined) {
      const c = this.info.client;
      this.info.client = this.info.server;
      this.info.server = c;
    }
  }

  /** Returns buffered bytes to the shared budgets. */
  release(): void {
    this.halves[0].release();
    this.halves[1].release();
  }
}

function same(addr: Uint8Array, buf: Uint8Array, off: number): boolean {
  for (let i = 0; i < addr.length; i++) if (addr[i] !== buf[off + i]) return false;
  return true;
}
