/**
 * One direction of an IMAP stream as logical lines: a LineFramer whose lines are joined across
 * literals (`... {5}CRLF` + 5 octets + `rest of line CRLF` is ONE logical line; RFC 9051 §4.3).
 * Literal contents are streamed by count, never held whole: only a head, the whole text when
 * small, sizes and frames are kept. A literal may be cut by a gap or the end of the stream.
 *
 * The reader can be "diverted" at a line boundary (STARTTLS, COMPRESS): every later byte goes to a
 * target instead (TLS layer, inflater), including bytes that arrived in the same chunk.
 */
import { LineFramer, type LineInfo, type RawInfo } from '../framing/line-framer.js';
import { decodeText, latin1Text } from '../conversation-builder.js';
import { LIMITS } from '../limits.js';
import type { LiteralInfo } from '../../model/conversation.js';
import type { SegmentMeta } from '../../tcp/stream.js';
import type { ContentEnd, ContentSink, ContentStart } from '../dissector.js';
import { trailingLiteral, type LiteralAnnouncement, type LiteralRef } from './grammar.js';
import { IMAP_LIMITS } from './limits.js';

/** A complete (or cut) logical line. The object is handed over: the handler may keep it. */
export interface LogicalLine {
  /** Text of the line without line ends and without literal contents. */
  raw: string;
  literals: LiteralInfo[];
  /** The same literals as the grammar parser sees them (position in raw, kept text). */
  refs: LiteralRef[];
  firstFrame: number;
  lastFrame: number;
  /** Capture time of the first byte, and of the last chunk that contributed. */
  ts: number;
  endTs: number;
  streamOffset: number;
  /** Some part of the line ended with a bare LF. */
  bareLf: boolean;
  /** Some part was longer than the line cap (text truncated), or the line text exceeded the cap. */
  overlong: boolean;
  /** The line is incomplete: 'gap' (bytes lost), 'end' (stream ended), 'refused' (server refused a synchronising literal), 'insane-literal' (announced size not believable). */
  cut?: 'gap' | 'end' | 'refused' | 'insane-literal';
}

export interface LineReaderHandler {
  /** The first part of a line ended with a literal announcement: the line has started (sync literals wait for `+`). */
  started(line: LogicalLine): void;
  /** A logical line is complete (or cut). */
  complete(line: LogicalLine): void;
  /** A literal announced an implausible size (over IMAP_LIMITS.MAX_PLAUSIBLE_LITERAL_BYTES or not representable). */
  hugeLiteral(line: LogicalLine, a: LiteralAnnouncement, skipped: boolean): void;
  /** Bytes reached the diverted target in the same chunk as the line that diverted the stream (STARTTLS injection check). */
  sameChunkAfterDivert(bytes: Uint8Array, meta: SegmentMeta): void;
}

/** Where a reader streams literal contents: the dissector's ContentSink and this direction's identity. */
export interface LiteralContentTarget {
  sink: ContentSink;
  /** The ContentStart fields that do not depend on the literal (conversation, endpoints, side, layers). */
  base: Omit<ContentStart, 'context' | 'index' | 'size' | 'firstFrame' | 'ts'>;
}

export class LineReader {
  private readonly framer: LineFramer;
  private line: LogicalLine | undefined;
  private startedSent = false;
  /** Literal being read (index in line.literals), with its head/keep buffers. */
  private lit: LiteralInfo | undefined;
  private litRef: LiteralRef | undefined;
  private head = new Uint8Array(LIMITS.LITERAL_HEAD_BYTES);
  private headLen = 0;
  private keep: Uint8Array | undefined;
  private keepLen = 0;
  private target: ((bytes: Uint8Array, meta: SegmentMeta) => void) | undefined;
  private pushSeq = 0;
  private divertSeq = -1;
  /** After a gap: lines that do not parse are skipped, not reported, until one parses. */
  resyncing = false;
  /** Content sink id of the literal being read, and the literals of the current line the sink took. */
  private sinkId: number | undefined;
  private lineSinks: Array<{ id: number; lit: LiteralInfo }> = [];
  private literalIndex = 0;

  constructor(private readonly handler: LineReaderHandler, readonly decrypted: boolean, readonly inflated: boolean, private readonly content?: LiteralContentTarget) {
    this.framer = new LineFramer({ line: (b, i) => this.onLine(b, i), raw: (b, i, r) => this.onRaw(b, i, r) });
  }

  get diverted(): boolean {
    return this.target !== undefined;
  }

  /** A line is partly read (bytes buffered, literal in progress or line awaiting its rest). */
  get busy(): boolean {
    return this.line !== undefined || this.framer.hasPartialLine;
  }

  push(bytes: Uint8Array, meta: SegmentMeta): void {
    this.pushSeq++;
    this.framer.push(bytes, meta);
  }

  /** From now on (including the rest of the current chunk) bytes go to `target`. */
  divert(target: (bytes: Uint8Array, meta: SegmentMeta) => void): void {
    this.target = target;
    this.divertSeq = this.pushSeq;
    this.framer.cancelRaw();
    this.framer.expectRaw(Number.MAX_SAFE_INTEGER);
  }

  /**
   * Undoes divert(): the bytes sent to the target turned out to be text (a client that never
   * started TLS after the STARTTLS OK). `bytes` (none, or the chunk the target was given) are read as lines.
   */
  undivert(bytes?: Uint8Array, meta?: SegmentMeta): void {
    this.target = undefined;
    this.framer.cancelRaw();
    if (bytes && meta) this.framer.push(bytes, meta);
  }

  /** Bytes are missing: the line or literal in progress is cut; parsing resynchronises later. */
  gap(): void {
    this.cut('gap');
    this.resyncing = true;
  }

  /** The direction ended. */
  finish(): void {
    this.cut('end');
  }

  /** The server refused a synchronising literal the client announced (tagged NO/BAD before `+`): it will not come. */
  refuseSyncLiteral(): boolean {
    if (!this.lit || this.lit.form !== 'sync' || this.lit.received > 0) return false;
    this.framer.cancelRaw();
    this.endLiteral();
    this.emit('refused');
    return true;
  }

  private cut(reason: 'gap' | 'end'): void {
    if (this.target) return;
    if (this.lit) {
      this.framer.cancelRaw();
      this.endLiteral();
    }
    this.framer.gap((bytes, info) => this.append(bytes, info));
    if (this.line) this.emit(reason);
  }

  private onLine(bytes: Uint8Array, info: LineInfo): void {
    this.append(bytes, info);
    const line = this.line!;
    // Only a line ending in "}" can announce a literal: the others skip the view and the string.
    const n = bytes.length;
    const ann = info.overlong || n < 3 || bytes[n - 1] !== 0x7d ? undefined : trailingLiteral(latin1Text(bytes.subarray(Math.max(0, n - 24))));
    if (!ann) {
      this.emit(undefined);
      return;
    }
    if (ann.huge || ann.size > LIMITS.MAX_SANE_LITERAL_BYTES) {
      this.handler.hugeLiteral(line, ann, false);
      this.emit('insane-literal');
      this.resyncing = true;
      return;
    }
    if (ann.size > IMAP_LIMITS.MAX_PLAUSIBLE_LITERAL_BYTES) this.handler.hugeLiteral(line, ann, true);
    const lit: LiteralInfo = {
      size: ann.size,
      received: 0,
      at: line.raw.length,
      head: '',
      complete: false,
      firstFrame: info.lastFrame,
      lastFrame: info.lastFrame,
      streamOffset: info.streamOffset + info.length + (info.bareLf ? 1 : 2),
      form: ann.form,
    };
    const ref: LiteralRef = { at: line.raw.length, size: ann.size, form: ann.form };
    // Beyond the cap a literal is skipped by count without being described.
    if (line.literals.length < IMAP_LIMITS.MAX_LITERALS_PER_LINE && !line.overlong) {
      line.literals.push(lit);
      line.refs.push(ref);
    }
    this.lit = lit;
    this.litRef = ref;
    if (this.content) {
      const { sink, base } = this.content;
      this.sinkId = sink.begin({ ...base, context: line.raw, index: this.literalIndex, size: ann.size, firstFrame: info.lastFrame, ts: info.ts });
      if (this.sinkId !== undefined) this.lineSinks.push({ id: this.sinkId, lit });
    }
    this.literalIndex++;
    this.headLen = 0;
    this.keepLen = 0;
    this.keep = ann.size <= LIMITS.LITERAL_KEEP_BYTES ? new Uint8Array(ann.size) : undefined;
    if (!this.startedSent) {
      this.startedSent = true;
      this.handler.started(line);
    }
    if (ann.size === 0) this.endLiteral();
    else this.framer.expectRaw(ann.size);
  }

  private onRaw(bytes: Uint8Array, info: RawInfo, remaining: number): void {
    const meta: SegmentMeta = info;
    if (this.target) {
      if (this.pushSeq === this.divertSeq) this.handler.sameChunkAfterDivert(bytes, meta);
      this.target(bytes, meta);
      return;
    }
    const lit = this.lit;
    if (!lit) return;
    if (lit.received === 0) {
      lit.firstFrame = info.firstFrame;
      lit.streamOffset = info.streamOffset;
    }
    lit.received += bytes.length;
    lit.lastFrame = info.lastFrame;
    if (this.sinkId !== undefined) this.content!.sink.chunk(this.sinkId, bytes);
    const line = this.line!;
    line.lastFrame = Math.max(line.lastFrame, info.lastFrame);
    line.endTs = info.ts;
    if (this.headLen < this.head.length) {
      const n = Math.min(this.head.length - this.headLen, bytes.length);
      this.head.set(bytes.subarray(0, n), this.headLen);
      this.headLen += n;
    }
    if (this.keep) {
      const n = Math.min(this.keep.length - this.keepLen, bytes.length);
      this.keep.set(bytes.subarray(0, n), this.keepLen);
      this.keepLen += n;
    }
    if (remaining === 0) this.endLiteral();
  }

  private endLiteral(): void {
    const lit = this.lit!;
    lit.complete = lit.received === lit.size;
    lit.head = latin1Text(this.head.subarray(0, this.headLen));
    if (this.keep && lit.complete) {
      lit.text = decodeText(this.keep.subarray(0, this.keepLen));
      this.litRef!.text = lit.text;
    }
    this.lit = undefined;
    this.litRef = undefined;
    this.keep = undefined;
    this.sinkId = undefined;
  }

  private append(bytes: Uint8Array, info: LineInfo): void {
    let line = this.line;
    if (!line) {
      line = {
        raw: '',
        literals: [],
        refs: [],
        firstFrame: info.firstFrame,
        lastFrame: info.lastFrame,
        ts: info.ts,
        endTs: info.ts,
        streamOffset: info.streamOffset,
        bareLf: false,
        overlong: false,
      };
      this.line = line;
      this.startedSent = false;
    }
    if (info.bareLf) line.bareLf = true;
    if (info.overlong) line.overlong = true;
    const room = LIMITS.MAX_LINE_BYTES - line.raw.length;
    if (bytes.length > room) {
      line.overlong = true;
      if (room > 0) line.raw += decodeText(bytes.subarray(0, room));
    } else {
      line.raw += decodeText(bytes);
    }
    line.lastFrame = Math.max(line.lastFrame, info.lastFrame);
    line.endTs = info.ts;
  }

  /** The line being read (after a literal announcement), if any. */
  get current(): LogicalLine | undefined {
    return this.line;
  }

  private emit(cut: LogicalLine['cut']): void {
    const line = this.line!;
    if (cut) line.cut = cut;
    this.line = undefined;
    this.startedSent = false;
    this.literalIndex = 0;
    if (this.lineSinks.length > 0) {
      // Ended only now, so that the sink sees the items after the literal (a FETCH's UID).
      const sinks = this.lineSinks;
      this.lineSinks = [];
      for (const { id, lit } of sinks) {
        const end: ContentEnd = { complete: lit.complete, received: lit.received, firstFrame: lit.firstFrame, lastFrame: lit.lastFrame, line: line.raw };
        if (!lit.complete) end.cut = cut ?? 'end';
        this.content!.sink.end(id, end);
      }
    }
    this.handler.complete(line);
  }
}
