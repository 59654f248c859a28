/**
 * File rotation for long-running `live` sensors, as tcpdump does it: `-C MB` starts a new file
 * before one would pass MB millions of bytes, `-G SECONDS` starts one every SECONDS (the file name
 * is a strftime-style template: `events-%Y%m%d-%H%M.jsonl`), `-W N` keeps a ring of N files with
 * -C (name0..nameN-1, overwritten in turn) or, with -G alone, stops after N files. Rotation
 * happens between two writes, never inside one, so each packet (-w) and each report line (-o) is
 * in exactly one file. Differences from tcpdump: times in names are UTC, and -G periods start on
 * multiples of SECONDS since the epoch (so `-G 60` files begin on the minute).
 */
import { UsageError, parseNumber } from './options.js';

export interface RotationOptions {
  /** -C: bytes a file may reach (MB × 1,000,000, as tcpdump). */
  sizeBytes?: number;
  /** -G: seconds per file. */
  seconds?: number;
  /** -W: files in the ring (-C) or files before stopping (-G alone). */
  count?: number;
}

/** -C, -G and -W as given on the command line, or undefined when none is. */
export function parseRotation(opts: { fileSize?: string; rotateSeconds?: string; fileCount?: string }): RotationOptions | undefined {
  const mb = parseNumber('-C', opts.fileSize, 0.000001);
  const seconds = parseNumber('-G', opts.rotateSeconds, 1);
  const count = parseNumber('-W', opts.fileCount, 1);
  if (mb === undefined && seconds === undefined && count === undefined) return undefined;
  if (count !== undefined && mb === undefined && seconds === undefined) throw new UsageError('-W needs -C or -G');
  const r: RotationOptions = {};
  if (mb !== undefined) r.sizeBytes = Math.round(mb * 1_000_000);
  if (seconds !== undefined) r.seconds = Math.floor(seconds);
  if (count !== undefined) r.count = Math.floor(count);
  return r;
}

/** A -G file name must hold a time: else each file would overwrite the last (tcpdump allows it; mailwire refuses). */
export function checkTemplate(template: string, opts: RotationOptions, what: string): void {
  if (opts.seconds !== undefined && !/%[YymdHMSjs]/.test(template)) {
    throw new UsageError(`${what} ${template}: -G needs a time in the file name (e.g. ${template}-%Y%m%d-%H%M%S), else each file would overwrite the last`);
  }
}

const two = (n: number): string => String(n).padStart(2, '0');

/** The strftime conversions file names use (%Y %y %m %d %H %M %S %j %s %%), in UTC. */
export function strftimeUtc(template: string, date: Date): string {
  return template.replace(/%([YymdHMSjs%])/g, (_, c: string) => {
    switch (c) {
      case 'Y': return String(date.getUTCFullYear());
      case 'y': return two(date.getUTCFullYear() % 100);
      case 'm': return two(date.getUTCMonth() + 1);
      case 'd': return two(date.getUTCDate());
      case 'H': return two(date.getUTCHours());
      case 'M': return two(date.getUTCMinutes());
      case 'S': return two(date.getUTCSeconds());
      case 'j': return String(Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000) + 1).padStart(3, '0');
      case 's': return String(Math.floor(date.getTime() / 1000));
      default: return '%';
    }
  });
}

/**
 * Says when a file ends and what the next one is called. `next(t, size, bytes)` is asked before
 * each write of `bytes` at time `t` (seconds) into the current file of `size` bytes.
 */
export class Rotation {
  private period: number | undefined;
  /** Files opened in the current -G period (or in all, without -G). */
  private index = 0;
  /** Files opened in all. */
  opened = 0;
  /** -W reached with -G alone: the caller stops capturing (the current file takes the rest). */
  limitReached = false;

  constructor(private readonly template: string, private readonly opts: RotationOptions, what: string) {
    checkTemplate(template, opts, what);
  }

  /** The first file's name, for time `t`. */
  first(t: number): string {
    this.period = this.periodOf(t);
    this.index = 0;
    this.opened = 1;
    return this.name();
  }

  /** The next file's name when one must start before this write, else undefined. */
  next(t: number, size: number, bytes: number): string | undefined {
    if (this.limitReached) return undefined;
    const period = this.periodOf(t);
    const newPeriod = period !== undefined && period > this.period!;
    const full = this.opts.sizeBytes !== undefined && size > 0 && size + bytes > this.opts.sizeBytes;
    if (!newPeriod && !full) return undefined;
    if (this.opts.count !== undefined && this.opts.sizeBytes === undefined && this.opened >= this.opts.count) {
      this.limitReached = true;
      return undefined;
    }
    if (newPeriod) {
      this.period = period;
      this.index = 0;
    } else {
      this.index++;
    }
    this.opened++;
    return this.name();
  }

  private periodOf(t: number): number | undefined {
    return this.opts.seconds === undefined ? undefined : Math.floor(t / this.opts.seconds) * this.opts.seconds;
  }

  private name(): string {
    const base = this.period === undefined ? this.template : strftimeUtc(this.template, new Date(this.period * 1000));
    if (this.opts.sizeBytes === undefined) return base;
    if (this.opts.count !== undefined) {
      // A ring of -W files, numbered with as many digits as the largest number needs (tcpdump's names).
      const width = String(this.opts.count - 1).length;
      return `${base}${String(this.index % this.opts.count).padStart(width, '0')}`;
    }
    return this.index === 0 ? base : `${base}${this.index}`;
  }
}
