import { MailwireError, type MailwireErrorCode } from '../errors.js';
import type { FrameSink, RawFrame } from './frame.js';
import { CAPTURE_LIMITS } from './limits.js';

/**
 * What the format readers share: the ONE reused RawFrame, the sink, the frame/warning counters and
 * the fatal error slot. Readers never throw: a fatal problem (nothing readable) is stored here and
 * the parser stops; everything else is a warning and reading goes on.
 */
export class ReaderContext {
  /** The single frame object handed to the sink for every record (overwritten each time). */
  readonly frame: RawFrame = {
    index: 0, tsSec: 0, tsNsec: 0, capLen: 0, wireLen: 0, linkType: 0, interfaceId: 0,
    buf: new Uint8Array(0), offset: 0, fileOffset: 0,
  };
  /** Frames delivered so far (also the index of the last one). */
  frames = 0;
  /** Warnings raised so far (including the ones not handed to the sink past MAX_WARNINGS). */
  warnings = 0;
  /** Set when the input cannot be read at all; the parser ignores everything after it. */
  error: MailwireError | undefined;

  constructor(private readonly sink: FrameSink, readonly source: string) {}

  /** Hands one record to the sink; `buf[offset, offset + capLen)` must hold its bytes. */
  emit(buf: Uint8Array, offset: number, capLen: number, wireLen: number, tsSec: number, tsNsec: number,
    linkType: number, interfaceId: number, fileOffset: number): void {
    const f = this.frame;
    f.index = ++this.frames;
    f.tsSec = tsSec;
    f.tsNsec = tsNsec;
    f.capLen = capLen;
    f.wireLen = wireLen < capLen ? capLen : wireLen;
    f.linkType = linkType;
    f.interfaceId = interfaceId;
    f.buf = buf;
    f.offset = offset;
    f.fileOffset = fileOffset;
    this.sink.frame(f);
  }

  /** Reports a problem in the file; the message should name the byte offset. Capped by MAX_WARNINGS. */
  warn(code: string, message: string, offset?: number): void {
    const n = ++this.warnings;
    if (!this.sink.warning) return;
    if (n < CAPTURE_LIMITS.MAX_WARNINGS) {
      this.sink.warning({ code, message: `${this.source}: ${message}`, offset, frame: this.frames || undefined });
    } else if (n === CAPTURE_LIMITS.MAX_WARNINGS) {
      this.sink.warning({
        code: 'capture.too-many-warnings',
        message: `${this.source}: more than ${CAPTURE_LIMITS.MAX_WARNINGS - 1} capture warnings; the rest are only counted`,
        offset, frame: this.frames || undefined,
      });
    }
  }

  /** Hands key log material (pcapng Decryption Secrets Block) to the sink. */
  secrets(secretsType: number, text: string): void {
    this.sink.secrets?.({ secretsType, text });
  }

  /** Records the fatal error (first one wins). */
  fail(code: MailwireErrorCode, message: string, offset?: number): void {
    if (this.error) return;
    const where = offset === undefined ? '' : ` (at byte ${offset})`;
    this.error = new MailwireError(code, `${this.source}: ${message}${where}`, offset);
  }
}

/**
 * A format reader: parses whole units (records, blocks) from a buffer and stops before the first
 * incomplete one. Contract: on return, `need` is the number of bytes, counted from the returned
 * position, that must be available before the reader can make progress, and it is always larger
 * than the bytes left (end - returned position).
 */
export interface RecordReader {
  readonly format: 'pcap' | 'pcap-ns' | 'pcapng';
  need: number;
  /**
   * Parses buf[start, end). `base` is the input offset of buf[0]; `final` says no more bytes will
   * come (incomplete units are then given up instead of waited for). Returns where it stopped.
   */
  parse(buf: Uint8Array, view: DataView, start: number, end: number, base: number, final: boolean): number;
  /** Called once at the end of input with the bytes that never formed a whole unit. */
  atEnd(leftover: number, offset: number): void;
}
