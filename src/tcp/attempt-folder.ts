/**
 * Folding of failed connection attempts (issue 17, item 11): a SYN flood, a port scan or a client
 * retrying a dead server makes thousands of attempts from one client to one server port, and each
 * used to become a conversation of its own (1,000,000 SYNs: 555 s and 1.97 GB of jsonl). Past
 * `foldAfter` attempts from a client to a server port, the reassembler holds a new attempt back
 * (no handler) until the server answers; if it never does, or refuses, the attempt is counted in
 * one record per (client, server, port) instead, and the capture reports that record
 * (tcp.attempts-folded). Attempts the server answers are dissected as usual.
 *
 * Memory is bounded: MAX_FOLD_KEYS (client, server, port) keys are counted; attempts of further
 * keys are never held back (each is a conversation, as before).
 */

/** (client, server, port) keys counted for folding; attempts of other keys are reported one by one. */
export const MAX_FOLD_KEYS = 65_536;

/** The folded attempts of one client to one server port. */
export interface FoldedAttempts {
  client: string;
  server: string;
  serverPort: number;
  /** Attempts counted here instead of as conversations (unanswered + refused). */
  attempts: number;
  unanswered: number;
  refused: number;
  /** Client SYNs of those attempts (retries included). */
  syns: number;
  firstFrame: number;
  lastFrame: number;
  firstTs: number;
  lastTs: number;
}

/** How a held-back attempt ended. */
export type FoldOutcome = 'unanswered' | 'refused';

/** Slots of the key table: twice MAX_FOLD_KEYS, so probe chains stay short. */
const KEY_SLOTS = MAX_FOLD_KEYS * 2;
/** Words per slot: digest (2), attempts, failed (0 digest words and 0 attempts: free). */
const SLOT_WORDS = 4;

/**
 * Counts per (client, server, port) key in one fixed typed-array table (open addressing on a 64-bit
 * digest of the key; 2 MiB), so that counting an attempt makes no string and no object: a capture of
 * a million clients with one attempt each costs a lookup per attempt, not a Map entry.
 */
export class AttemptFolder {
  private readonly slots = new Int32Array(KEY_SLOTS * SLOT_WORDS);
  private keyCount = 0;
  /** Records by slot, in the order their keys first folded an attempt. */
  private readonly records = new Map<number, FoldedAttempts>();
  /** Attempts of keys beyond MAX_FOLD_KEYS (never held back). */
  untracked = 0;
  /** Attempts folded so far. */
  foldedCount = 0;

  /** `foldAfter`: failed attempts of one key reported as conversations before the rest are folded (Infinity: never fold). */
  constructor(private readonly foldAfter: number) {}

  /** Folding is on. */
  get enabled(): boolean {
    return Number.isFinite(this.foldAfter);
  }

  /**
   * A client SYN started a new connection whose key has the digest (d0, d1) (keyDigest): returns
   * the key's slot (-1 when keys are no longer counted) and whether to hold the attempt back (the
   * key has made `foldAfter` attempts or more already) as the sign: slot + 1 negated when held.
   */
  attempt(d0: number, d1: number): number {
    const s = this.slots;
    const mask = KEY_SLOTS - 1;
    for (let i = (d0 ^ (d1 >>> 7)) & mask; ; i = (i + 1) & mask) {
      const p = i * SLOT_WORDS;
      if (s[p + 2] === 0) {
        if (this.keyCount >= MAX_FOLD_KEYS) {
          this.untracked++;
          return 0;
        }
        this.keyCount++;
        s[p] = d0;
        s[p + 1] = d1;
      } else if (s[p] !== d0 || s[p + 1] !== d1) {
        continue;
      }
      const n = ++s[p + 2]!;
      return n > this.foldAfter ? -(i + 1) : i + 1;
    }
  }

  /** A reported (not held back) attempt of the key in `slot` (attempt()'s, unsigned) failed: it counts towards the threshold. */
  failedReported(slot: number): void {
    if (slot > 0) this.slots[(slot - 1) * SLOT_WORDS + 3]!++;
  }

  /**
   * A held-back attempt failed: returns true when it is folded (counted in the key's record), false
   * when the key has not failed `foldAfter` times yet and the attempt is to be reported after all
   * (unless `force`: the held-back attempts are over their memory, and the key's first attempts,
   * reported, may not have ended yet). `describe` gives the endpoints for a new record.
   */
  fold(slot: number, outcome: FoldOutcome, syns: number, firstFrame: number, lastFrame: number, firstTs: number, lastTs: number,
    describe: () => { client: string; server: string; serverPort: number }, force = false): boolean {
    if (slot <= 0) return false;
    const failed = ++this.slots[(slot - 1) * SLOT_WORDS + 3]!;
    if (failed <= this.foldAfter && !force) return false;
    let r = this.records.get(slot);
    if (r === undefined) {
      r = { ...describe(), attempts: 0, unanswered: 0, refused: 0, syns: 0, firstFrame, lastFrame, firstTs, lastTs };
      this.records.set(slot, r);
    }
    r.attempts++;
    this.foldedCount++;
    if (outcome === 'refused') r.refused++;
    else r.unanswered++;
    r.syns += syns;
    if (firstFrame < r.firstFrame) {
      r.firstFrame = firstFrame;
      r.firstTs = firstTs;
    }
    if (lastFrame > r.lastFrame) {
      r.lastFrame = lastFrame;
      r.lastTs = lastTs;
    }
    return true;
  }

  /** The records, in the order their keys first folded an attempt. */
  folded(): FoldedAttempts[] {
    return [...this.records.values()];
  }
}
