/**
 * A key log file that may still grow (`mailwire live --keylog FILE`): a client that writes
 * SSLKEYLOGFILE (Thunderbird via NSS, curl, `openssl s_client -keylogfile`, Python) appends the
 * secrets of each session after mailwire started. The KeyLog this follows gets a `refresh` hook:
 * when a TLS layer finds no secret for a client random, the file is checked (one stat) and only
 * what was appended since the last read is read, in chunks, and merged.
 *
 * Cost: a stat at most once per `minIntervalMs` (100 ms) of wall time, besides at most
 * CHECKS_PER_RANDOM for each client random (a new TLS session: its two directions and TLS 1.3's key
 * stages need keys at moments a few milliseconds apart); a read only when the file grew, shrank or
 * was replaced. Lookups happen when a direction needs keys (a ChangeCipherSpec, a TLS 1.3 key
 * stage), never per packet. Memory: one chunk, one partial line (at most MAX_LINE_BYTES) and the KeyLog
 * itself, whose entries are capped (TLS_LIMITS.MAX_KEYLOG_ENTRIES).
 */
import { errnoWords, systemErrorWords } from '../../errors.js';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { emptyKeyLog, mergeKeyLog, type KeyLog } from './keylog.js';
import { TLS_LIMITS } from './limits.js';

/** Longest key log line kept while waiting for its end (real lines are under 300 characters). */
export const MAX_LINE_BYTES = 4096;
/** Checks made for one client random regardless of the interval. */
export const CHECKS_PER_RANDOM = 4;
/** Client randoms remembered with their checks (the table is emptied when full). */
const MAX_CHECKED_RANDOMS = 4096;

/** Key log text that arrives in chunks, as lines; a line longer than MAX_LINE_BYTES is skipped up to its newline. */
class KeyLogLines {
  /** The last line read, still without its newline (latin1, one character per byte). */
  private partial = '';
  /** A line longer than MAX_LINE_BYTES is being skipped up to its newline. */
  private skipping = false;

  /** Hands the complete lines of `text` (after the partial line) to `lines` as one block; `overlong` once per skipped line. */
  take(text: string, lines: (block: string) => void, overlong: () => void): void {
    let from = 0;
    if (this.skipping) {
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      this.skipping = false;
      from = nl + 1;
    }
    const last = text.lastIndexOf('\n');
    if (last >= from) {
      lines(this.partial + text.slice(from, last));
      this.partial = '';
      from = last + 1;
    }
    this.partial += text.slice(from);
    if (this.partial.length > MAX_LINE_BYTES) {
      // Not a key log line: skip it up to its newline, counted once as a bad line.
      overlong();
      this.partial = '';
      this.skipping = true;
    }
  }

  /** The unterminated last line, if any (a complete file may end without a newline). */
  unterminated(): string | undefined {
    return this.partial !== '' && !this.skipping ? this.partial : undefined;
  }

  reset(): void {
    this.partial = '';
    this.skipping = false;
  }
}

/** Caps of reading a key log once (`read --keylog`, `extract`, `logins`): /dev/zero or a 1 GB file must not be read whole. */
export const KEYLOG_READ_LIMITS = {
  /** Bytes read at most; the rest is not read (one warning). Real key logs hold ~200 bytes per TLS session. */
  MAX_BYTES: 64 * 1024 * 1024,
  /** Well-formed lines kept: every label of TLS_LIMITS.MAX_KEYLOG_ENTRIES TLS 1.3 sessions (five each). */
  MAX_LINES: TLS_LIMITS.MAX_KEYLOG_ENTRIES * 5,
} as const;

/** A line mailwire can use or knowingly ignore: `LABEL <64 hex client random> <hex secret>`. */
const WELL_FORMED = /^[A-Z][A-Z0-9_]{0,63}[ \t]+[0-9a-fA-F]{64}[ \t]+(?:[0-9a-fA-F]{2}){1,256}\s*$/;

/**
 * Reads a key log file (or pipe, or device) once, streamed in chunks: keeps only well-formed lines
 * (comments, garbage and lines longer than MAX_LINE_BYTES are dropped), at most
 * KEYLOG_READ_LIMITS.MAX_LINES of them, and stops after KEYLOG_READ_LIMITS.MAX_BYTES with one
 * warning. Returns the kept lines as key log text. Throws the file's error (ENOENT, EISDIR...).
 */
export function readKeyLogText(path: string, onWarning: (message: string) => void, chunkBytes = 64 * 1024): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    const lines = new KeyLogLines();
    const kept: string[] = [];
    const keep = (block: string): void => {
      for (const line of block.split('\n')) if (kept.length < KEYLOG_READ_LIMITS.MAX_LINES && WELL_FORMED.test(line)) kept.push(line.trim());
    };
    let total = 0;
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) {
      total += n;
      lines.take(buf.toString('latin1', 0, n), keep, () => undefined);
      if (kept.length >= KEYLOG_READ_LIMITS.MAX_LINES) {
        onWarning(`key log ${path}: more than ${KEYLOG_READ_LIMITS.MAX_LINES} key lines; the rest is not read`);
        return kept.join('\n');
      }
      if (total >= KEYLOG_READ_LIMITS.MAX_BYTES) {
        onWarning(`key log ${path}: only the first ${KEYLOG_READ_LIMITS.MAX_BYTES / (1024 * 1024)} MiB read (${kept.length} key line(s) in them); the rest is not read`);
        return kept.join('\n');
      }
    }
    const last = lines.unterminated();
    if (last !== undefined) keep(last);
    return kept.join('\n');
  } finally {
    closeSync(fd);
  }
}

export interface KeyLogFileOptions {
  /** Least wall time between two checks, in ms (default 100), once a client random had its CHECKS_PER_RANDOM. */
  minIntervalMs?: number;
  /** Bytes read at a time (default 64 KiB). */
  chunkBytes?: number;
  /** Clock in ms (tests). */
  now?: () => number;
  /** One line when the file cannot be read any more (once until it can be read again). */
  onWarning?: (message: string) => void;
  /** The KeyLog to merge into (default: a new, empty one). */
  into?: KeyLog;
}

export class KeyLogFile {
  /** The followed key log: hand it to the analysis (SessionOptions.keyLog). */
  readonly keyLog: KeyLog;
  /** stat and read calls made (the cost bound's tests). */
  statCalls = 0;
  readCalls = 0;
  private fd: number | undefined;
  private dev = -1;
  private ino = -1;
  /** Bytes of the file consumed, the partial last line included. */
  private offset = 0;
  /** Splits what is read into lines (the partial last line waits for its end). */
  private readonly lines = new KeyLogLines();
  private lastCheck = -Infinity;
  /** Checks made per client random. */
  private readonly checked = new Map<string, number>();
  /** Why the last read failed (warned once), or undefined. */
  private failing: string | undefined;
  private readonly minIntervalMs: number;
  private readonly chunkBytes: number;
  private readonly now: () => number;
  private chunk: Buffer | undefined;

  constructor(readonly path: string, private readonly options: KeyLogFileOptions = {}) {
    this.keyLog = options.into ?? emptyKeyLog();
    this.minIntervalMs = options.minIntervalMs ?? 100;
    this.chunkBytes = Math.max(1, options.chunkBytes ?? 64 * 1024);
    this.now = options.now ?? (() => performance.now());
    this.keyLog.refresh = (random) => this.refresh(random);
  }

  /**
   * The first read, at start: returns why the file cannot be read (an errno code such as ENOENT,
   * or a message), or undefined. An unterminated last line counts as a line here (the file may be
   * complete), and is kept to be completed by later writes as well.
   */
  start(): string | undefined {
    this.lastCheck = this.now();
    const once = this.readOnceIfPipe();
    if (once !== false) return once;
    this.failing = this.readNew();
    if (this.failing === undefined) this.mergeUnterminated();
    return this.failing;
  }

  /**
   * A pipe or device (`--keylog <(cmd)`, /dev/stdin) has no size to follow: it is read to its end
   * now, in chunks, as `read` reads a key log, and not followed (refresh is removed). Returns false
   * for a regular file (or one that does not exist), else why it failed or undefined.
   */
  private readOnceIfPipe(): string | undefined | false {
    let fd: number | undefined;
    try {
      const st = statSync(this.path);
      if (st.isFile() || st.isDirectory()) return false;
      fd = openSync(this.path, 'r');
      const buf = (this.chunk ??= Buffer.allocUnsafe(this.chunkBytes));
      for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) {
        this.readCalls++;
        this.take(buf.toString('latin1', 0, n));
      }
      this.mergeUnterminated();
      this.restart();
      delete this.keyLog.refresh;
      return undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      return systemErrorWords(err);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /**
   * A TLS layer found no secret for `clientRandom`: checks the file for new lines, unless it was
   * checked less than minIntervalMs ago and this random has had its CHECKS_PER_RANDOM checks.
   */
  refresh(clientRandom?: string): void {
    const now = this.now();
    const checks = clientRandom === undefined ? CHECKS_PER_RANDOM : (this.checked.get(clientRandom) ?? 0);
    if (checks >= CHECKS_PER_RANDOM && now - this.lastCheck < this.minIntervalMs) return;
    if (clientRandom !== undefined) {
      if (checks === 0 && this.checked.size >= MAX_CHECKED_RANDOMS) this.checked.clear();
      this.checked.set(clientRandom, checks + 1);
    }
    this.lastCheck = now;
    const why = this.readNew();
    if (why !== undefined && this.failing === undefined) {
      const n = this.keyLog.entries.size;
      this.options.onWarning?.(`key log ${this.path} cannot be read any more (${why}); going on with the ${n} session${n === 1 ? '' : 's'} whose keys were read`);
    }
    this.failing = why;
  }

  /** Closes the file. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * One check: reads what was appended since the last read; from the start again when the file
   * shrank or the path now names another file. Returns why it failed, or undefined. Keys already
   * merged stay.
   */
  readNew(): string | undefined {
    try {
      this.statCalls++;
      let st = statSync(this.path);
      if (st.isDirectory()) {
        this.close();
        return errnoWords('EISDIR');
      }
      if (this.fd === undefined || st.ino !== this.ino || st.dev !== this.dev) {
        // First open, or the file was replaced (rotated, deleted and created again).
        const fd = openSync(this.path, 'r');
        this.close();
        this.fd = fd;
        st = fstatSync(fd);
        this.dev = st.dev;
        this.ino = st.ino;
        this.restart();
      } else if (st.size < this.offset) {
        this.restart(); // truncated
      }
      if (st.size > this.offset) this.read(st.size);
      return undefined;
    } catch (err) {
      // Read from the start once it is back (a new file may get the old inode number).
      this.close();
      return systemErrorWords(err);
    }
  }

  /** At start the file may be complete: an unterminated last line counts as a line (it is also kept, to be completed). */
  private mergeUnterminated(): void {
    const last = this.lines.unterminated();
    if (last !== undefined) mergeKeyLog(this.keyLog, last);
  }

  private restart(): void {
    this.offset = 0;
    this.lines.reset();
  }

  /** Reads from the offset up to `size` (what the stat saw; later growth waits for the next check). */
  private read(size: number): void {
    const buf = (this.chunk ??= Buffer.allocUnsafe(this.chunkBytes));
    while (this.offset < size) {
      this.readCalls++;
      const n = readSync(this.fd!, buf, 0, Math.min(buf.length, size - this.offset), this.offset);
      if (n === 0) break;
      this.offset += n;
      this.take(buf.toString('latin1', 0, n));
    }
  }

  /** Merges the complete lines of `text` (which follows the partial line); keeps the rest. */
  private take(text: string): void {
    this.lines.take(text, (block) => mergeKeyLog(this.keyLog, block), () => this.keyLog.badLines++);
  }
}
