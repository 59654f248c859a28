/**
 * A message body (POP3 RETR/TOP, SMTP DATA content or BDAT chunks), streamed: it keeps only its
 * size, its first bytes and the frames it spans (a body can be megabytes; it is never held). The
 * LiteralInfo it fills is the one attached to the event that announced it (POP3 +OK, SMTP DATA),
 * updated in place as content arrives. With a ContentSink, the content
 * (dot-unstuffed lines with their line ends as sent) streams to it instead of being dropped.
 */
import type { LiteralInfo } from '../../model/conversation.js';
import { latin1Text } from '../conversation-builder.js';
import { LIMITS } from '../limits.js';
import type { ContentSink, ContentStart } from '../dissector.js';

const CRLF = new Uint8Array([0x0d, 0x0a]);
const LF = new Uint8Array([0x0a]);

export class BodyAccumulator {
  /** The LiteralInfo (form 'body') to attach to the status line event. */
  readonly info: LiteralInfo;
  /** Lines of content (after the status line, before the terminator). */
  lines = 0;
  private readonly kept = new Uint8Array(LIMITS.LITERAL_KEEP_BYTES);
  private keptLen = 0;
  private readonly sink: ContentSink | undefined;
  private readonly sinkId: number | undefined;
  /** An overlong line reached the sink only in part: the streamed content is not whole. */
  private sinkShort = false;
  private sinkBytes = 0;

  constructor(at: number, frame: number, streamOffset: number, content?: { sink: ContentSink; start: ContentStart }) {
    this.info = { size: 0, received: 0, at, head: '', complete: false, firstFrame: frame, lastFrame: frame, streamOffset, form: 'body' };
    if (content) {
      this.sinkId = content.sink.begin(content.start);
      if (this.sinkId !== undefined) this.sink = content.sink;
    }
  }

  /**
   * One content line, already dot-unstuffed (RFC 1939 §3, RFC 5321 §4.5.2), without its line end: the bytes
   * buf[start, end), passed as a range so that the hot path allocates nothing per line. `length` is
   * the line's full length (the framer may have kept only the start of an overlong line).
   */
  add(buf: Uint8Array, start: number, end: number, length: number, bareLf: boolean, firstFrame: number, lastFrame: number, streamOffset: number): void {
    this.content(buf, start, end);
    this.content(bareLf ? LF : CRLF, 0, bareLf ? 1 : 2);
    if (this.sink && end - start < length) this.sinkShort = true;
    this.count(1, length + (bareLf ? 1 : 2), firstFrame, lastFrame, streamOffset);
  }

  /**
   * Content bytes buf[start, end) exactly as they follow in the unstuffed body, line ends included
   * (a run of whole lines, or a line and then its line end): kept while the first bytes are, and
   * streamed to the sink. The lines they belong to are counted by count().
   */
  content(buf: Uint8Array, start: number, end: number): void {
    if (this.keptLen < this.kept.length) this.keep(buf, start, end);
    if (this.sink) {
      this.sink.chunk(this.sinkId!, buf.subarray(start, end));
      this.sinkBytes += end - start;
    }
  }

  /**
   * `lines` content lines of `bytes` octets in all (unstuffed, line ends included, overlong lines at
   * their full length), which all started in a chunk of frames firstFrame..lastFrame; the first of
   * them at `streamOffset`.
   */
  count(lines: number, bytes: number, firstFrame: number, lastFrame: number, streamOffset: number): void {
    const info = this.info;
    // The first content (BDAT chunks are counted as bytes without lines; every line has its line end).
    if (info.received === 0) {
      info.firstFrame = firstFrame;
      info.streamOffset = streamOffset;
    } else if (firstFrame < info.firstFrame) {
      // Reassembled out-of-order segments: an earlier frame may carry later bytes.
      info.firstFrame = firstFrame;
    }
    this.lines += lines;
    info.size += bytes;
    info.received += bytes;
    if (lastFrame > info.lastFrame) info.lastFrame = lastFrame;
  }

  /** The body ended (terminator seen: complete, or connection/gap: incomplete; `cut` says why for the sink). Fills head/text. */
  finish(complete: boolean, cut: 'damaged' | 'end' = 'end'): LiteralInfo {
    const kept = this.kept.subarray(0, this.keptLen);
    this.info.head = latin1Text(kept.subarray(0, LIMITS.LITERAL_HEAD_BYTES));
    if (this.info.size <= LIMITS.LITERAL_KEEP_BYTES && this.keptLen === this.info.size) this.info.text = latin1Text(kept);
    this.info.complete = complete;
    if (this.sink) {
      const whole = complete && !this.sinkShort;
      this.sink.end(this.sinkId!, { complete: whole, received: this.sinkBytes, firstFrame: this.info.firstFrame, lastFrame: this.info.lastFrame, ...(whole ? {} : { cut: complete ? 'damaged' : cut }) });
    }
    return this.info;
  }

  private keep(buf: Uint8Array, start: number, end: number): void {
    const room = this.kept.length - this.keptLen;
    if (room <= 0) return;
    const n = Math.min(room, end - start);
    this.kept.set(buf.subarray(start, start + n), this.keptLen);
    this.keptLen += n;
  }
}
