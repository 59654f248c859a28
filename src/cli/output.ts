/** Where a report goes: standard output or a file (-o), written synchronously as it is produced. */
import { systemErrorWords } from '../errors.js';
import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { UsageError } from './options.js';

export interface Output {
  write(text: string): void;
  /** UTF-8 bytes (pre-rendered report text: sharded reading). */
  writeBytes(bytes: Uint8Array): void;
  close(): void;
  /** The report goes to a terminal (colour, progress decisions). */
  readonly isTerminal: boolean;
}

/**
 * Opens where the report goes. `ownerOnly` (reports with --show-secrets: they hold passwords) makes
 * a -o file mode 0600, tightening an existing one too; otherwise it is 0644 (less the umask).
 */
export function openOutput(path: string | undefined, opts: { ownerOnly?: boolean } = {}): Output {
  if (!path || path === '-') {
    // Written with blocking writes on fd 1, not process.stdout: process.stdout queues in memory
    // whatever a pipe cannot take yet, so a report of a million conversations read by a slower
    // consumer (`| less`, `| ssh`) would pile up in RAM (measured by scripts/adversarial.mjs). An
    // analyst's `| head` closing the pipe ends the output quietly.
    return {
      write: (t) => writing('standard output', () => writeAllSync(STDOUT_FD, Buffer.from(t, 'utf8'))),
      writeBytes: (b) => writing('standard output', () => writeAllSync(STDOUT_FD, b)),
      close: () => {},
      isTerminal: isatty(STDOUT_FD),
    };
  }
  let fd: number;
  try {
    fd = openSync(path, 'w', opts.ownerOnly ? 0o600 : 0o644);
    if (opts.ownerOnly) fchmodSync(fd, 0o600);
  } catch (err) {
    throw new UsageError(`cannot write ${path}: ${systemErrorWords(err)}`);
  }
  return {
    write: (t) => writing(path, () => writeSync(fd, t)),
    writeBytes: (b) => writing(path, () => {
      for (let off = 0; off < b.length;) off += writeSync(fd, b, off, b.length - off);
    }),
    close: () => writing(path, () => closeSync(fd)),
    isTerminal: false,
  };
}

/** Runs a write; a failure is one line naming the file ("no space left writing FILE"), not an internal error. */
function writing(what: string, write: () => unknown): void {
  try {
    write();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw new UsageError(`no space left writing ${what}`);
    if (code === 'EDQUOT') throw new UsageError(`disk quota exceeded writing ${what}`);
    if (code !== undefined) throw new UsageError(`cannot write ${what}: ${code}`);
    throw err;
  }
}

const STDOUT_FD = 1;
/** For a 1 ms sleep when fd 1 was handed to us non-blocking and the reader is behind. */
const SLEEP_CELL = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `text` to `fd`, waiting for the reader (EAGAIN) instead of buffering; EPIPE ends the process quietly. */
function writeAllSync(fd: number, buf: Uint8Array): void {
  for (let off = 0; off < buf.length;) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(SLEEP_CELL, 0, 0, 1);
        continue;
      }
      if (code === 'EPIPE') process.exit(0);
      throw err;
    }
  }
}
