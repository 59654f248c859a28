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

interface KeyState {
  /** SYN attempts seen (every outcome). */
  attempts: number;
  /** Attempts that got no answer or were refused (reported ones and folded ones). */
  failed: number;
  record: FoldedAttempts | undefined;
}

export class AttemptFolder {
  private readonly keys = new Map<string, KeyState>();
  private readonly records: FoldedAttempts[] = [];
  /** Attempts of keys beyond MAX_FOLD_KEYS (never held back). */
  untracked = 0;

  /** `foldAfter`: failed attempts of one key reported as conversations before the rest are folded (Infinity: never fold). */
  constructor(private readonly foldAfter: number) {}

  /** Folding is on. */
  get enabled(): boolean {
    return Number.isFinite(this.foldAfter);
  }

  /**
   * A client SYN started a new connection on key `key`: whether to hold it back (the key has made
   * `foldAfter` attempts or more already).
   */
  attempt(key: string): boolean {
    let k = this.keys.get(key);
    if (k === undefined) {
      if (this.keys.size >= MAX_FOLD_KEYS) {
        this.untracked++;
        return false;
      }
      k = { attempts: 0, failed: 0, record: undefined };
      this.keys.set(key, k);
    }
    k.attempts++;
    return k.attempts > this.foldAfter;
  }

  /** A reported (not held back) attempt of `key` failed: it counts towards the threshold. */
  failedReported(key: string): void {
    const k = this.keys.get(key);
    if (k !== undefined) k.failed++;
  }

  /**
   * A held-back attempt failed: returns true when it is folded (counted in the key's record), false
   * when the key has not failed `foldAfter` times yet and the attempt is to be reported after all
   * (unless `force`: the held-back attempts are over their memory, and the key's first attempts,
   * reported, may not have ended yet). `describe` gives the endpoints for a new record.
   */
  fold(key: string, outcome: FoldOutcome, syns: number, firstFrame: number, lastFrame: number, firstTs: number, lastTs: number,
    describe: () => { client: string; server: string; serverPort: number }, force = false): boolean {
    const k = this.keys.get(key);
    if (k === undefined) return false;
    k.failed++;
    if (k.failed <= this.foldAfter && !force) return false;
    let r = k.record;
    if (r === undefined) {
      r = { ...describe(), attempts: 0, unanswered: 0, refused: 0, syns: 0, firstFrame, lastFrame, firstTs, lastTs };
      k.record = r;
      this.records.push(r);
    }
    r.attempts++;
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
  folded(): readonly FoldedAttempts[] {
    return this.records;
  }

  /** Attempts folded so far. */
  get foldedCount(): number {
    let n = 0;
    for (const r of this.records) n += r.attempts;
    return n;
  }
}
