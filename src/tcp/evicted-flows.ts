/**
 * The connections the flow table evicted (or folded away), remembered compactly so that their
 * later packets are counted instead of opening a new conversation each: past a full table, every
 * packet of an evicted connection used to create a new entry that evicted another, and one capture
 * of 100,000 open connections came out as 500,000 conversations.
 *
 * A set of 64-bit digests of the connection's endpoints (order-independent, so both directions
 * match), with the client's initial sequence number when it was known, so that a retransmitted SYN
 * is recognised while a SYN with a new ISN (the ports reused) starts a new connection.
 *
 * Memory is fixed by its budget: two generations of open-addressing tables (typed arrays, 16 bytes
 * a slot). Entries go into the current one; when it is half full it becomes the previous one and
 * the older generation is dropped, so the most recently evicted flows are always remembered and the
 * oldest are forgotten first (then their packets are treated as new, as before). No per-entry object.
 */

/** Bytes of one slot: digest (2 words), client ISN, flags. */
const SLOT_BYTES = 16;
const USED = 1;
const HAS_ISN = 2;
/** Forgotten (a new connection took the endpoints): the slot stays occupied so probing goes on. */
const DEAD = 4;

class Generation {
  readonly slots: Int32Array;
  readonly mask: number;
  count = 0;

  constructor(slots: number) {
    this.slots = new Int32Array(slots * 4);
    this.mask = slots - 1;
  }

  /** Slot index (in words) of the digest, or -1. */
  find(d0: number, d1: number): number {
    const s = this.slots;
    for (let i = d0 & this.mask; ; i = (i + 1) & this.mask) {
      const p = i * 4;
      const flags = s[p + 3]!;
      if (flags === 0) return -1;
      if (s[p] === d0 && s[p + 1] === d1 && (flags & DEAD) === 0) return p;
    }
  }

  add(d0: number, d1: number, isn: number | undefined): void {
    const s = this.slots;
    for (let i = d0 & this.mask; ; i = (i + 1) & this.mask) {
      const p = i * 4;
      if (s[p + 3] !== 0) continue;
      s[p] = d0;
      s[p + 1] = d1;
      s[p + 2] = isn === undefined ? 0 : isn | 0;
      s[p + 3] = USED | (isn === undefined ? 0 : HAS_ISN);
      this.count++;
      return;
    }
  }
}

export class EvictedFlows {
  private current: Generation;
  private previous: Generation | undefined = undefined;
  /** Entries per generation before it is rotated out (half its slots: short probe chains). */
  private readonly perGeneration: number;
  /** Flows remembered so far (both generations, forgotten ones included). */
  remembered = 0;

  /** `budgetBytes` for both generations together; 0 remembers nothing. */
  constructor(budgetBytes: number) {
    let slots = 16;
    while (slots * 2 * SLOT_BYTES * 2 <= budgetBytes) slots *= 2;
    this.perGeneration = budgetBytes <= 0 ? 0 : slots / 2;
    this.current = new Generation(budgetBytes <= 0 ? 1 : slots);
  }

  /** Bytes held by the tables. */
  get bytes(): number {
    return (this.current.slots.length + (this.previous?.slots.length ?? 0)) * 4;
  }

  /** Nothing remembered yet (the common case: no lookup needed). */
  get empty(): boolean {
    return this.remembered === 0;
  }

  /** Remembers a flow by its digest, with the client's ISN when known. */
  add(d0: number, d1: number, isn: number | undefined): void {
    if (this.perGeneration === 0) return;
    // Kept as signed words (Int32Array): compare them as such.
    d0 |= 0;
    d1 |= 0;
    if (this.current.count >= this.perGeneration) {
      this.previous = this.current;
      this.current = new Generation(this.previous.mask + 1);
    }
    this.current.add(d0, d1, isn);
    this.remembered++;
  }

  /**
   * The packet with this digest belongs to a remembered flow: true, unless it is a SYN (without ACK,
   * `syn` true) with a sequence number other than the remembered client ISN: the ports are reused by
   * a new connection, and the flow is forgotten (false).
   */
  absorbs(d0: number, d1: number, syn: boolean, seq: number): boolean {
    d0 |= 0;
    d1 |= 0;
    let g: Generation | undefined = this.current;
    let p = g.find(d0, d1);
    if (p === -1 && this.previous !== undefined) {
      g = this.previous;
      p = g.find(d0, d1);
    }
    if (p === -1) return false;
    if (!syn) return true;
    const s = g.slots;
    if ((s[p + 3]! & HAS_ISN) !== 0 && s[p + 2] === (seq | 0)) return true;
    s[p + 3] = s[p + 3]! | DEAD;
    return false;
  }
}
