/**
 * One tracked TCP connection: its endpoints (as numbers), roles, both half-streams, its summary
 * and the links that place it in the flow table's bucket chain and activity (LRU) list.
 */
import { formatAddress } from '../decode/format-address.js';
import type { ReassemblyContext } from './context.js';
import { secondHash, type FlowKey } from './flow-table.js';
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
  /**
   * A client's SYN on a mail port from a client that has made many attempts to this server port
   * (AttemptFolder): no handler until the server answers; folded if it never does or refuses.
   */
  Attempt: 4,
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

/** Scratch bytes for formatting an address from its words. */
const ADDRESS_BYTES = new Uint8Array(16);

export class Connection implements HalfStreamOwner {
  id = 0;
  /** Order-independent hash of the two endpoints. */
  hash = 0;
  bucketNext: Connection | undefined = undefined;
  lruPrev: Connection | undefined = undefined;
  lruNext: Connection | undefined = undefined;

  state: ConnState = ConnState.Pending;
  /** Bytes this entry is charged in the table's budget (ENTRY_BYTES by what it holds). */
  charge = 0;
  handler: StreamHandler | undefined = undefined;
  info: ConnectionInfo | undefined = undefined;
  /** The connection's summary; after retire() a shared inert one. */
  summary: ConnectionSummary = newSummary();
  bufferedBytes = 0;
  /** Indexed by Direction (0 = client to server); after retire() a shared inert pair. */
  halves: [HalfStream, HalfStream];

  /** Endpoint A is the source of the first packet seen; addresses as FlowKey words (IPv4: word 0 only). */
  readonly v6: boolean;
  readonly a0: number;
  readonly a1: number;
  readonly a2: number;
  readonly a3: number;
  readonly b0: number;
  readonly b1: number;
  readonly b2: number;
  readonly b3: number;
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
  /** AttemptFolder slot (1-based; 0: none) of the key (client, server, port) of a connection started by a client SYN on a mail port. */
  foldSlot = 0;
  /** The client ISN of a folded attempt (its retries are absorbed while it lingers), else -1. */
  foldedIsn = -1;
  /** Links in the reassembler's list of held-back attempts (oldest first), while state is Attempt. */
  heldPrev: Connection | undefined = undefined;
  heldNext: Connection | undefined = undefined;

  /** A connection whose endpoint A is the key's source. */
  constructor(k: FlowKey, ctx: ReassemblyContext) {
    this.hash = k.hash;
    this.v6 = k.v6;
    this.a0 = k.s0;
    this.a1 = k.s1;
    this.a2 = k.s2;
    this.a3 = k.s3;
    this.b0 = k.d0;
    this.b1 = k.d1;
    this.b2 = k.d2;
    this.b3 = k.d3;
    this.portA = k.srcPort;
    this.portB = k.dstPort;
    this.halves = [new HalfStream(0, this, ctx), new HalfStream(1, this, ctx)];
  }

  /**
   * Whether the packet's endpoints are this connection's: 0 when it goes A to B, 1 when B to A,
   * -1 when it belongs elsewhere. Compares numbers (no allocation).
   */
  match(k: FlowKey): -1 | 0 | 1 {
    if (k.v6 !== this.v6) return -1;
    if (k.srcPort === this.portA && k.dstPort === this.portB && k.s0 === this.a0 && k.d0 === this.b0 &&
      k.s1 === this.a1 && k.s2 === this.a2 && k.s3 === this.a3 && k.d1 === this.b1 && k.d2 === this.b2 && k.d3 === this.b3) return 0;
    if (k.srcPort === this.portB && k.dstPort === this.portA && k.s0 === this.b0 && k.d0 === this.a0 &&
      k.s1 === this.b1 && k.s2 === this.b2 && k.s3 === this.b3 && k.d1 === this.a1 && k.d2 === this.a2 && k.d3 === this.a3) return 1;
    return -1;
  }

  /** secondHash() of the endpoints: with `hash`, the connection's 64-bit digest (EvictedFlows). */
  hash2(): number {
    return secondHash(this.a0, this.a1, this.a2, this.a3, this.portA, this.b0, this.b1, this.b2, this.b3, this.portB);
  }

  /** Printable address of endpoint A (side 0) or B (side 1). */
  address(side: 0 | 1): string {
    const b = ADDRESS_BYTES;
    if (side === 0) putWords(b, this.a0, this.a1, this.a2, this.a3);
    else putWords(b, this.b0, this.b1, this.b2, this.b3);
    return formatAddress(b, 0, this.v6 ? 16 : 4);
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

  /**
   * The connection is over for us (closed, or declined by the factory): releases its buffers and
   * drops its per-direction state, summary and info, keeping only what the flow table needs to
   * absorb the packets that still come (endpoints, state, FIN bits, activity). A lingering closed
   * connection then costs one small object instead of its whole reassembly state.
   */
  retire(inert: InertParts): void {
    this.release();
    this.halves = inert.halves;
    this.summary = inert.summary;
    this.info = undefined;
    this.handler = undefined;
    this.vlans = NO_VLANS;
  }
}

/** The shared state of retired connections: nothing may write to it (retired connections are only counted). */
export interface InertParts {
  readonly halves: [HalfStream, HalfStream];
  readonly summary: ConnectionSummary;
}

/** Inert parts for the connections of one reassembler. */
export function inertParts(ctx: ReassemblyContext): InertParts {
  const summary = newSummary();
  const owner: HalfStreamOwner = { handler: undefined, summary, bufferedBytes: 0 };
  return { halves: [new HalfStream(0, owner, ctx), new HalfStream(1, owner, ctx)], summary };
}

function putWords(b: Uint8Array, w0: number, w1: number, w2: number, w3: number): void {
  putWord(b, 0, w0);
  putWord(b, 4, w1);
  putWord(b, 8, w2);
  putWord(b, 12, w3);
}

function putWord(b: Uint8Array, p: number, w: number): void {
  b[p] = w >>> 24;
  b[p + 1] = (w >>> 16) & 0xff;
  b[p + 2] = (w >>> 8) & 0xff;
  b[p + 3] = w & 0xff;
}
