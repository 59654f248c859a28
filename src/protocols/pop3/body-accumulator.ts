/**
 * A RETR/TOP message body, streamed line by line: it keeps only its size, its first bytes and the
 * frames it spans (a body can be megabytes; it is never held). The LiteralInfo it fills is the one
 * attached to the +OK event, updated in place as lines arrive.
 */
import type { LiteralInfo } from '../../model/conversation.js';
import { latin1Text } from '../conversation-builder.js';
import { LIMITS } from '../limits.js';

const CRLF = new Uint8Array([0x0d, 0x0a]);
const LF = new Uint8Array([0x0a]);

export class BodyAccumulator {
  /** The LiteralInfo (form 'body') to attach to the status line event. */
  readonly info: LiteralInfo;
  /** Lines of content (after the status line, before the terminator). */
  lines = 0;
  private readonly kept = new Uint8Array(LIMITS.LITERAL_KEEP_BYTES);
  private keptLen = 0;

  constructor(at: number, frame: number, streamOffset: number) {
    this.info = { size: 0, received: 0, at, head: '', complete: false, firstFrame: frame, lastFrame: frame, streamOffset, form: 'body' };
  }

  /**
   * One content line, already dot-unstuffed (RFC 1939 §3), without its line end. `length` is the
   * line's full length (the framer may have kept only the start of an overlong line).
   */
  add(content: Uint8Array, length: number, bareLf: boolean, firstFrame: number, lastFrame: number, streamOffset: number): void {
    if (this.lines === 0) {
      this.info.firstFrame = firstFrame;
      this.info.streamOffset = streamOffset;
    } else if (firstFrame < this.info.firstFrame) {
      // Reassembled out-of-order segments: an earlier frame may carry later bytes.
      this.info.firstFrame = firstFrame;
    }
    this.lines++;
    this.keep(content);
    this.keep(bareLf ? LF : CRLF);
    const total = length + (bareLf ? 1 : 2);
    this.info.size += total;
    this.info.received += total;
    if (lastFrame > this.info.lastFrame) this.info.lastFrame = lastFrame;
  }

  /** The body ended (terminator seen: complete, or connection/gap: incomplete). Fills head/text. */
  finish(complete: boolean): LiteralInfo {
    const kept = this.kept.subarray(0, this.keptLen);
    this.info.head = latin1Text(kept.subarray(0, LIMITS.LITERAL_HEAD_BYTES));
    if (this.info.size <= LIMITS.LITERAL_KEEP_BYTES && this.keptLen === this.info.size) this.info.text = latin1Text(kept);
    this.info.complete = complete;
    return this.info;
  }

  private keep(bytes: Uint8Array): void {
    const room = this.kept.length - this.keptLen;
    if (room <= 0) return;
    const n = Math.min(room, bytes.length);
    this.kept.set(bytes.subarray(0, n), this.keptLen);
    this.keptLen += n;
  }
}
