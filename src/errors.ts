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
  | 'ERR_OUTPUT';

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
