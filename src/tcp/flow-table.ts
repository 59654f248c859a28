/**
 * The connection table: a numeric, order-independent hash of the two endpoints picks a bucket
 * (chained on collisions), and a doubly linked list keeps connections in order of last activity
 * so the least recently active one is found in O(1) for eviction and idle sweeps.
 *
 * No string keys: a lookup hashes the address bytes in place and compares them against the copy
 * each connection made when it was created.
 */
import type { Connection } from './connection.js';

/** Hash of one endpoint (address bytes and port), FNV-1a style. */
function hashEndpoint(buf: Uint8Array, off: number, len: number, port: number): number {
  let h = (0x811c9dc5 ^ port) | 0;
  for (let i = 0; i < len; i++) h = Math.imul(h ^ buf[off + i]!, 0x01000193);
  return h;
}

/**
 * Order-independent hash of a packet's two endpoints: the same for both directions of a connection
 * (addition commutes; the murmur3 finaliser spreads the sum over all bits).
 */
export function flowHash(buf: Uint8Array, srcOff: number, dstOff: number, addrLen: number, srcPort: number, dstPort: number): number {
  let h = (hashEndpoint(buf, srcOff, addrLen, srcPort) + hashEndpoint(buf, dstOff, addrLen, dstPort)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class FlowTable {
  private readonly buckets: Array<Connection | undefined>;
  private readonly mask: number;
  /** Least recently active first. */
  head: Connection | undefined = undefined;
  tail: Connection | undefined = undefined;
  size = 0;
  /** Set by find(): 0 when the packet goes from the connection's endpoint A to B, 1 otherwise. */
  side: 0 | 1 = 0;

  /** `capacity` is the most connections expected; the bucket count is the next power of two. */
  constructor(capacity: number) {
    let n = 16;
    while (n < capacity && n < 1 << 22) n <<= 1;
    this.buckets = new Array<Connection | undefined>(n).fill(undefined);
    this.mask = n - 1;
  }

  /** The connection of a packet, or undefined; sets `side`. */
  find(hash: number, buf: Uint8Array, srcOff: number, dstOff: number, addrLen: number, srcPort: number, dstPort: number): Connection | undefined {
    for (let c = this.buckets[hash & this.mask]; c !== undefined; c = c.bucketNext) {
      if (c.hash !== hash) continue;
      const m = c.match(buf, srcOff, dstOff, addrLen, srcPort, dstPort);
      if (m !== -1) {
        this.side = m;
        return c;
      }
    }
    return undefined;
  }

  /** Adds a connection (c.hash set) as the most recently active. */
  add(c: Connection): void {
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
