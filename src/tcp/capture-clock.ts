/**
 * The capture clock and idle-sweep schedule of the TCP layer: the median of the last three frame
 * times, never going back, so that one frame with a wild timestamp (seen in the corpus: a year-2063
 * SYN-ACK) cannot time out the table; and a sweep due every sweepIntervalSec of that clock.
 *
 * TcpReassembler keeps one. When reading is sharded the main thread keeps it instead, over every TCP
 * frame of the capture, so that each worker's reassembler (options.externalClock) times connections
 * out at the same frames, with the same clock, as one reassembler seeing all frames would.
 */
import { TCP_LIMITS } from './limits.js';

export class CaptureClock {
  private clock = -Infinity;
  private prevTs1 = -Infinity;
  private prevTs2 = -Infinity;
  private nextSweepTs = -Infinity;
  /** Whether the last tick() ran a sweep. */
  sweep = false;

  constructor(private readonly sweepIntervalSec: number = TCP_LIMITS.SWEEP_INTERVAL_SEC) {}

  /** A TCP frame at time ts: returns the clock (median of the last three frame times, never going back). */
  tick(ts: number): number {
    const a = this.prevTs2;
    const b = this.prevTs1;
    this.prevTs2 = b;
    this.prevTs1 = ts;
    // Median of (a, b, ts); -Infinity entries at the start make it the lower of the known ones.
    const med = Math.max(Math.min(a, b), Math.min(Math.max(a, b), ts));
    const m = med === -Infinity ? ts : med;
    if (m > this.clock) this.clock = m;
    const now = this.clock;
    this.sweep = now >= this.nextSweepTs;
    if (this.sweep) this.nextSweepTs = now + this.sweepIntervalSec;
    return now;
  }
}
