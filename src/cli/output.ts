/** Where a report goes: standard output or a file (-o), written synchronously as it is produced. */
import { closeSync, openSync, writeSync } from 'node:fs';
import { UsageError } from './options.js';

export interface Output {
  write(text: string): void;
  close(): void;
  /** The report goes to a terminal (colour, progress decisions). */
  readonly isTerminal: boolean;
}

export function openOutput(path: string | undefined): Output {
  if (!path || path === '-') {
    // On Linux, writes to files and pipes through process.stdout are synchronous; an analyst's
    // `| head` closing the pipe ends the output quietly.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
    });
    return { write: (t) => void process.stdout.write(t), close: () => {}, isTerminal: Boolean(process.stdout.isTTY) };
  }
  let fd: number;
  try {
    fd = openSync(path, 'w', 0o644);
  } catch (err) {
    throw new UsageError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return {
    write: (t) => {
      writeSync(fd, t);
    },
    close: () => closeSync(fd),
    isTerminal: false,
  };
}
