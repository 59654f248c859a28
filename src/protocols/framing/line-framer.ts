/**
 * Splits one direction of a text protocol stream (IMAP, POP3) into lines, with a raw mode for
 * counted content (IMAP literals). Push parser: feed any chunking, get the same callbacks.
 *
 * Why its own module: both dissectors need exactly the same framing, bounded the same way
 * (MAX_LINE_BYTES), with frame numbers tracked per line (Zeek's ContentLine analyzer plays this role).
 */
import type { SegmentMeta } from '../../tcp/stream.js';
import { LIMITS } from '../limits.js';

export interface LineInfo {
  /** The line ended with LF alone, not CRLF. */
  bareLf: boolean;
  /** The line was longer than MAX_LINE_BYTES: `bytes` holds its start, the rest was skipped. */
  overlong: boolean;
  /** Total length of the line on the wire (without the line end), even when overlong. */
  length: number;
  firstFrame: number;
  lastFrame: number;
  /** Capture time of the chunk where the line started. */
  ts: number;
  /** Stream offset of the line's first byte. */
  streamOffset: number;
}

export interface RawInfo {
  firstFrame: number;
  lastFrame: number;
  ts: number;
  streamOffset: number;
}

export interface LineFramerHandler {
  /**
   * A complete line without its line end. `bytes` and `info` are valid only during the call: the
   * framer reuses one LineInfo object for every line (copy the fields you keep).
   */
  line(bytes: Uint8Array, info: LineInfo): void;
  /** Raw-mode content (after expectRaw); `remaining` bytes are still expected after this chunk. `info` is reused like LineInfo. */
  raw(bytes: Uint8Array, info: RawInfo, remaining: number): void;
  /**
   * Optional bulk path (POP3 message bodies): the handler may take whole lines of `buf[start, end)`
   * itself, without the framer visiting each one, and returns the position after the last line it
   * took (`start` when it took none); the line at that position then comes through line() as usual.
   * Offered at every line start with nothing buffered (`buf` is the pushed chunk), and for a line
   * completed from bytes buffered across chunks (`buf` is the framer's buffer holding that one line,
   * LF included). A line taken must be complete (its LF inside `buf[start, end)`) and no longer than
   * `maxLineBytes` (LF excluded, CR included): exactly the lines the framer would deliver whole.
   * `info` holds the frames, time and stream offset of a line starting at `start` (its `bareLf`,
   * `overlong` and `length` fields are not set) and is reused like LineInfo; `buf` is valid only
   * during the call. The handler must not call expectRaw from here.
   */
  bulk?(buf: Uint8Array, start: number, end: number, info: LineInfo, maxLineBytes: number): number;
}

export class LineFramer {
  private pending: Uint8Array = new Uint8Array(256);
  private pendingLen = 0;
  /** Bytes of the current line seen beyond the kept part (overlong lines). */
  private skipped = 0;
  private lineFirstFrame = 0;
  private lineTs = 0;
  private lineOffset = 0;
  private rawRemaining = 0;
  /** Reused for every line and raw chunk: one object per framer instead of one per line (the hot path). */
  private readonly info: LineInfo = { bareLf: false, overlong: false, length: 0, firstFrame: 0, lastFrame: 0, ts: 0, streamOffset: 0 };
  private readonly rawInfo: RawInfo = { firstFrame: 0, lastFrame: 0, ts: 0, streamOffset: 0 };

  constructor(private readonly handler: LineFramerHandler, private readonly maxLineBytes = LIMITS.MAX_LINE_BYTES) {}

  /** After the current callback returns, deliver the next `n` bytes through raw() instead of lines. */
  expectRaw(n: number): void {
    this.rawRemaining = n;
  }

  /** Bytes still owed to raw mode. */
  get rawPending(): number {
    return this.rawRemaining;
  }

  /** Cancels raw mode (e.g. after a gap inside a literal) and returns how many bytes were still owed. */
  cancelRaw(): number {
    const r = this.rawRemaining;
    this.rawRemaining = 0;
    return r;
  }

  /** Bytes of an unfinished line are buffered. */
  get hasPartialLine(): boolean {
    return this.pendingLen > 0 || this.skipped > 0;
  }

  push(bytes: Uint8Array, meta: SegmentMeta): void {
    let pos = 0;
    const end = bytes.length;
    while (pos < end) {
      if (this.rawRemaining > 0) {
        const take = Math.min(this.rawRemaining, end - pos);
        this.rawRemaining -= take;
        const ri = this.rawInfo;
        ri.firstFrame = meta.firstFrame;
        ri.lastFrame = meta.lastFrame;
        ri.ts = meta.ts;
        ri.streamOffset = meta.streamOffset + pos;
        // The whole chunk as it came (the usual case inside a literal): no view to allocate.
        this.handler.raw(pos === 0 && take === end ? bytes : bytes.subarray(pos, pos + take), ri, this.rawRemaining);
        pos += take;
        continue;
      }
      if (this.pendingLen === 0 && this.skipped === 0) {
        if (this.handler.bulk !== undefined) {
          const bi = this.info;
          bi.firstFrame = meta.firstFrame;
          bi.lastFrame = meta.lastFrame;
          bi.ts = meta.ts;
          bi.streamOffset = meta.streamOffset + pos;
          pos = this.handler.bulk(bytes, pos, end, bi, this.maxLineBytes);
          if (pos >= end) return;
        }
        this.lineFirstFrame = meta.firstFrame;
        this.lineTs = meta.ts;
        this.lineOffset = meta.streamOffset + pos;
      }
      const lf = bytes.indexOf(0x0a, pos);
      if (lf < 0) {
        this.append(bytes, pos, end);
        return;
      }
      const info = this.info;
      info.firstFrame = this.lineFirstFrame;
      info.lastFrame = meta.lastFrame;
      info.ts = this.lineTs;
      info.streamOffset = this.lineOffset;
      // A complete line: deliver without copying when nothing is pending (CR excluded).
      let content: Uint8Array;
      if (this.pendingLen === 0 && this.skipped === 0 && lf - pos <= this.maxLineBytes) {
        const total = lf - pos;
        const bareLf = !(total > 0 && bytes[lf - 1] === 0x0d);
        const start = pos;
        const stop = bareLf ? lf : lf - 1;
        info.bareLf = bareLf;
        info.overlong = false;
        info.length = stop - start;
        pos = lf + 1;
        content = bytes.subarray(start, stop);
      } else {
        if (this.handler.bulk !== undefined && this.skipped === 0 && this.pendingLen + (lf - pos) < this.maxLineBytes) {
          // The line began in an earlier chunk: offered whole (LF included) from the buffer.
          this.append(bytes, pos, lf + 1);
          const n = this.pendingLen;
          const taken = this.handler.bulk(this.pending, 0, n, info, this.maxLineBytes) === n;
          this.pendingLen = taken ? 0 : n - 1;
          if (taken) {
            pos = lf + 1;
            continue;
          }
        } else {
          this.append(bytes, pos, lf);
        }
        const lineBytes = this.pending.subarray(0, this.pendingLen);
        const total = lineBytes.length + this.skipped;
        let bareLf = true;
        content = lineBytes;
        if (this.skipped === 0 && lineBytes.length > 0 && lineBytes[lineBytes.length - 1] === 0x0d) {
          bareLf = false;
          content = lineBytes.subarray(0, lineBytes.length - 1);
        } else if (this.skipped > 0 && lf > 0 && bytes[lf - 1] === 0x0d) {
          bareLf = false;
        }
        info.bareLf = bareLf;
        info.overlong = this.skipped > 0;
        info.length = bareLf ? total : total - 1;
        this.pendingLen = 0;
        this.skipped = 0;
        pos = lf + 1;
      }
      this.handler.line(content, info);
    }
  }

  /**
   * The stream lost bytes. A partial line is delivered as it is (the caller marks it as cut by the
   * gap through `onPartial`), and raw mode is cancelled (the caller decides how to resynchronise).
   */
  gap(onPartial?: (bytes: Uint8Array, info: LineInfo) => void): void {
    if (this.hasPartialLine && onPartial) onPartial(this.pending.subarray(0, this.pendingLen), this.partialInfo());
    this.pendingLen = 0;
    this.skipped = 0;
  }

  /** End of the direction: returns the unterminated last line, if any, through onPartial. */
  finish(onPartial?: (bytes: Uint8Array, info: LineInfo) => void): void {
    this.gap(onPartial);
  }

  private partialInfo(): LineInfo {
    return {
      bareLf: false,
      overlong: this.skipped > 0,
      length: this.pendingLen + this.skipped,
      firstFrame: this.lineFirstFrame,
      lastFrame: this.lineFirstFrame,
      ts: this.lineTs,
      streamOffset: this.lineOffset,
    };
  }

  private append(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    const room = this.maxLineBytes - this.pendingLen;
    const keep = Math.max(0, Math.min(room, n));
    if (keep > 0) {
      if (this.pendingLen + keep > this.pending.length) {
        const grown = new Uint8Array(Math.min(this.maxLineBytes, Math.max(this.pending.length * 2, this.pendingLen + keep)));
        grown.set(this.pending.subarray(0, this.pendingLen));
        this.pending = grown;
      }
      // Short pieces (the start of a line cut by the chunk end) byte by byte: no view to allocate.
      if (keep <= 64) {
        const dst = this.pending;
        for (let i = 0, o = this.pendingLen; i < keep; i++) dst[o + i] = src[from + i]!;
      } else {
        this.pending.set(src.subarray(from, from + keep), this.pendingLen);
      }
      this.pendingLen += keep;
    }
    this.skipped += n - keep;
  }
}
