/**
 * Usage and environment failures: an error class with a stable code, turned into one line and exit
 * status 2 by the CLI. Bad bytes on the wire are never thrown: they are data (see ARCHITECTURE).
 */
export type MailwireErrorCode =
  | 'ERR_INPUT_NOT_FOUND'
  | 'ERR_INPUT_UNREADABLE'
  | 'ERR_CAPTURE_BAD_MAGIC'
  | 'ERR_CAPTURE_TRUNCATED'
  | 'ERR_CAPTURE_EMPTY'
  | 'ERR_CAPTURE_CORRUPT'
  | 'ERR_GZIP_CORRUPT'
  | 'ERR_CAPTURE_PERMISSION'
  | 'ERR_CAPTURE_UNAVAILABLE'
  | 'ERR_CAPTURE_INTERFACE'
  | 'ERR_KEYLOG_UNREADABLE'
  | 'ERR_USAGE'
  | 'ERR_OUTPUT'
  | 'ERR_INVALID_INPUT'
  | 'ERR_FILTER_UNAVAILABLE'
  | 'ERR_FILTER_SYNTAX'
  | 'ERR_INTERNAL';

export class MailwireError extends Error {
  readonly code: MailwireErrorCode;
  /** Byte offset in the (decompressed) input where the problem is, when it has one. */
  readonly offset: number | undefined;
  constructor(code: MailwireErrorCode, message: string, offset?: number) {
    super(message);
    this.name = 'MailwireError';
    this.code = code;
    this.offset = offset;
  }
}

export function isMailwireError(err: unknown): err is MailwireError {
  return err instanceof MailwireError;
}

/** What the system's error codes mean, in words (shown instead of the raw ENOENT / EACCES). */
const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
  EBUSY: 'device or resource busy',
  EINVAL: 'invalid argument',
  ENXIO: 'no such device or address',
  ENODEV: 'no such device',
  EPIPE: 'the reader went away (broken pipe)',
};

/** The words for one error code (ENOENT → "no such file or directory"); the code itself when unknown. */
export function errnoWords(code: string): string {
  return ERRNO_WORDS[code] ?? code;
}

/**
 * A system error (fs, net) as words for a one-line message: "permission denied" rather than EACCES
 * or Node's "EACCES: permission denied, open '/x'" (the caller names the file itself).
 */
export function systemErrorWords(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && ERRNO_WORDS[code] !== undefined) return errnoWords(code);
  const message = err instanceof Error ? err.message : String(err);
  // Node's form "CODE: words, syscall 'path'": keep the words.
  const m = /^[A-Z0-9_]+: ([^,]+)/.exec(message);
  return m ? m[1]! : message;
}
