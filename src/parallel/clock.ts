/**
 * The capture clock and idle-sweep schedule of the TCP layer, kept by the main thread when reading
 * is sharded: the same computation as TcpReassembler.tick() and its sweep test, over every TCP frame
 * of the capture, so that each worker's reassembler (options.externalClock) times connections out at
 * the same frames, with the same clock, as one reassembler seeing all frames would.
 */
import { TCP_LIMITS } from '../tcp/limits.js';

export class CaptureClock {
  private clock = -Infinity;
  private prevTs1 = -Infinity;
  private prevTs2 = -Infinity;
  private nextSweepTs = -Infinity;
  /** Whether the last tick() ran a sweep. */
  sweep = false;

  constructor(private readonly sweepIntervalSec = TCP_LIMITS.SWEEP_INTERVAL_SEC) {}

  /** A TCP frame at time ts: returns the clock (median of the last three frame times, never going back). */
  tick(ts: number): number {
    const a = this.prevTs2;
    const b = this.prevTs1;
    this.prevTs2 = b;
    this.prevTs1 = ts;
    const med = Math.max(Math.min(a, b), Math.min(Math.max(a, b), ts));
    const m = med === -Infinity ? ts : med;
    if (m > this.clock) this.clock = m;
    const now = this.clock;
    this.sweep = now >= this.nextSweepTs;
    if (this.sweep) this.nextSweepTs = now + this.sweepIntervalSec;
    return now;
  }
}
