/**
 * The connection table: a numeric, order-independent hash of the two endpoints picks a bucket
 * (chained on collisions), and a doubly linked list keeps connections in order of last activity
 * so the least recently active one is found in O(1) for eviction and idle sweeps.
 *
 * No string keys and no per-packet objects: a packet's endpoints are read once into a reused
 * FlowKey (addresses as 32-bit words), hashed from those numbers and compared against the words
 * each connection keeps.
 */
import type { Connection } from './connection.js';

/**
 * A packet's endpoints as numbers, filled in place by load() (one object, reused for every packet).
 * Addresses are big-endian 32-bit words as signed integers; IPv4 uses word 0 only (the rest are 0).
 */
export class FlowKey {
  v6 = false;
  s0 = 0;
  s1 = 0;
  s2 = 0;
  s3 = 0;
  d0 = 0;
  d1 = 0;
  d2 = 0;
  d3 = 0;
  srcPort = 0;
  dstPort = 0;
  /** Order-independent hash of the two endpoints (the same for both directions). */
  hash = 0;

  /** secondHash() of the endpoints: with `hash`, a 64-bit digest of the connection (computed on demand). */
  hash2(): number {
    return secondHash(this.s0, this.s1, this.s2, this.s3, this.srcPort, this.d0, this.d1, this.d2, this.d3, this.dstPort);
  }

  /** Reads the endpoints at buf[srcOff], buf[dstOff] (addrLen 4 or 16 bytes) and hashes them. */
  load(buf: Uint8Array, srcOff: number, dstOff: number, addrLen: number, srcPort: number, dstPort: number): void {
    this.srcPort = srcPort;
    this.dstPort = dstPort;
    const s0 = word(buf, srcOff);
    const d0 = word(buf, dstOff);
    this.s0 = s0;
    this.d0 = d0;
    if (addrLen === 16) {
      this.v6 = true;
      const s1 = word(buf, srcOff + 4);
      const s2 = word(buf, srcOff + 8);
      const s3 = word(buf, srcOff + 12);
      const d1 = word(buf, dstOff + 4);
      const d2 = word(buf, dstOff + 8);
      const d3 = word(buf, dstOff + 12);
      this.s1 = s1;
      this.s2 = s2;
      this.s3 = s3;
      this.d1 = d1;
      this.d2 = d2;
      this.d3 = d3;
      this.hash = fmix((endpointHash(s0 ^ Math.imul(s1, 0x27d4eb2f) ^ Math.imul(s2, 0x165667b1) ^ Math.imul(s3, 0x61c88647), srcPort) +
        endpointHash(d0 ^ Math.imul(d1, 0x27d4eb2f) ^ Math.imul(d2, 0x165667b1) ^ Math.imul(d3, 0x61c88647), dstPort)) | 0);
    } else {
      this.v6 = false;
      this.s1 = 0;
      this.s2 = 0;
      this.s3 = 0;
      this.d1 = 0;
      this.d2 = 0;
      this.d3 = 0;
      this.hash = fmix((endpointHash(s0, srcPort) + endpointHash(d0, dstPort)) | 0);
    }
  }
}

/**
 * A second order-independent hash of two endpoints, independent of FlowKey.hash (other constants):
 * with it, the pair is a 64-bit digest of the connection (EvictedFlows remembers flows by it).
 */
export function secondHash(x0: number, x1: number, x2: number, x3: number, xPort: number, y0: number, y1: number, y2: number, y3: number, yPort: number): number {
  const hx = Math.imul(x0 ^ Math.imul(x1, 0x2545f491) ^ Math.imul(x2, 0x9e3779b9) ^ Math.imul(x3, 0x7feb352d), 0x846ca68b) ^ Math.imul(xPort + 0x3c6ef372, 0x85ebca6b);
  const hy = Math.imul(y0 ^ Math.imul(y1, 0x2545f491) ^ Math.imul(y2, 0x9e3779b9) ^ Math.imul(y3, 0x7feb352d), 0x846ca68b) ^ Math.imul(yPort + 0x3c6ef372, 0x85ebca6b);
  return fmix((fmix(hx) + fmix(hy)) | 0) | 0;
}

/** A big-endian 32-bit word as a signed integer (a small integer for V8, never a heap number). */
function word(buf: Uint8Array, p: number): number {
  return (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
}

/** Hash of one endpoint (an address word and the port). */
function endpointHash(w: number, port: number): number {
  let h = Math.imul(w ^ Math.imul(port, 0x9e3779b1), 0xcc9e2d51);
  h = (h << 15) | (h >>> 17);
  return Math.imul(h, 0x1b873593);
}

/** The murmur3 finaliser: spreads the sum of the two endpoint hashes over all bits. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Buckets of a new table; it doubles when it holds twice as many connections. */
const INITIAL_BUCKETS = 1024;
/** The table stops growing its bucket array here (4 Mi buckets, 32 MiB): chains grow instead. */
const MAX_BUCKETS = 1 << 22;

export class FlowTable {
  private buckets: Array<Connection | undefined>;
  private mask: number;
  /** Least recently active first. */
  head: Connection | undefined = undefined;
  tail: Connection | undefined = undefined;
  size = 0;
  /** Set by find(): 0 when the packet goes from the connection's endpoint A to B, 1 otherwise. */
  side: 0 | 1 = 0;

  constructor() {
    this.buckets = new Array<Connection | undefined>(INITIAL_BUCKETS).fill(undefined);
    this.mask = INITIAL_BUCKETS - 1;
  }

  /** The connection of a packet, or undefined; sets `side`. */
  find(k: FlowKey): Connection | undefined {
    const hash = k.hash;
    for (let c = this.buckets[hash & this.mask]; c !== undefined; c = c.bucketNext) {
      if (c.hash !== hash) continue;
      const m = c.match(k);
      if (m !== -1) {
        this.side = m;
        return c;
      }
    }
    return undefined;
  }

  /** Adds a connection (c.hash set) as the most recently active. */
  add(c: Connection): void {
    if (this.size >= 2 * this.buckets.length && this.buckets.length < MAX_BUCKETS) this.grow();
    const i = c.hash & this.mask;
    c.bucketNext = this.buckets[i];
    this.buckets[i] = c;
    this.append(c);
    this.size++;
  }

  /** Removes a connection from its bucket and the activity list. */
  remove(c: Connection): void {
    const i = c.hash & this.mask;
    let p = this.buckets[i];
    if (p === c) {
      this.buckets[i] = c.bucketNext;
    } else {
      while (p !== undefined && p.bucketNext !== c) p = p.bucketNext;
      if (p === undefined) return;
      p.bucketNext = c.bucketNext;
    }
    c.bucketNext = undefined;
    this.unlink(c);
    this.size--;
  }

  /** Doubles the bucket array and re-chains every connection (the activity list is untouched). */
  private grow(): void {
    const n = this.buckets.length * 2;
    const buckets = new Array<Connection | undefined>(n).fill(undefined);
    const mask = n - 1;
    for (let c = this.head; c !== undefined; c = c.lruNext) {
      const i = c.hash & mask;
      c.bucketNext = buckets[i];
      buckets[i] = c;
    }
    this.buckets = buckets;
    this.mask = mask;
  }

  /** Marks a connection as the most recently active. */
  touch(c: Connection): void {
    if (this.tail === c) return;
    this.unlink(c);
    this.append(c);
  }

  private append(c: Connection): void {
    c.lruPrev = this.tail;
    c.lruNext = undefined;
    if (this.tail !== undefined) this.tail.lruNext = c;
    else this.head = c;
    this.tail = c;
  }

  private unlink(c: Connection): void {
    if (c.lruPrev !== undefined) c.lruPrev.lruNext = c.lruNext;
    else this.head = c.lruNext;
    if (c.lruNext !== undefined) c.lruNext.lruPrev = c.lruPrev;
    else this.tail = c.lruPrev;
    c.lruPrev = undefined;
    c.lruNext = undefined;
  }
}
