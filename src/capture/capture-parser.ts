import type { MailwireError } from '../errors.js';
import { ClassicPcapReader, isClassicPcapMagic, PCAP_GLOBAL_HEADER_BYTES } from './classic-pcap-reader.js';
import type { CaptureStats, FrameSink } from './frame.js';
import { CAPTURE_LIMITS } from './limits.js';
import { describeNonCapture } from './magic.js';
import { BlockType, PcapngReader } from './pcapng-reader.js';
import { ReaderContext, type RecordReader } from './reader-context.js';

/** Bytes needed to tell the formats apart. */
const MAGIC_BYTES = 4;

/**
 * Synchronous push parser for the (decompressed) bytes of a capture file: classic pcap (both byte
 * orders, µs and ns magics) or pcapng, told apart by the magic number, never by a file name.
 *
 * Contract:
 * - `push(chunk)` may split the input anywhere; the frames, warnings and secrets are the same at
 *   every chunking. The parser does not keep `chunk`: the caller may overwrite it after push returns.
 * - Every record goes to `sink.frame` with ONE reused RawFrame whose `buf` is either the chunk
 *   itself (records wholly inside it: no copy) or the parser's carry buffer (a record split across
 *   chunks is copied there). Both are valid only during the call.
 * - Damage in the file is a warning (`sink.warning`, byte offset in the message and `offset`) and
 *   reading goes on. Only an input with nothing readable (empty, not a capture, truncated file
 *   header) sets `error`; push/end never throw, and ignore everything after an error.
 */
export class CaptureParser {
  private readonly ctx: ReaderContext;
  private reader: RecordReader | undefined;
  private detectNeed = MAGIC_BYTES;
  private carry = new Uint8Array(0);
  private carryView = new DataView(this.carry.buffer);
  private carryLen = 0;
  /** Input offset of carry[0]. */
  private carryBase = 0;
  private bytesIn = 0;
  private ended = false;

  constructor(sink: FrameSink, opts: { source?: string } = {}) {
    this.ctx = new ReaderContext(sink, opts.source ?? 'input');
  }

  /** Set when the input is not a readable capture; the MailwireError names the source and offset. */
  get error(): MailwireError | undefined {
    return this.ctx.error;
  }

  /** Feeds the next bytes of the input. */
  push(chunk: Uint8Array): void {
    if (this.ended || this.ctx.error) return;
    const n = chunk.length;
    const chunkBase = this.bytesIn;
    this.bytesIn += n;
    let pos = 0;
    // First complete the unit that straddles the previous chunk, copying only the bytes it needs.
    while (this.carryLen > 0) {
      const need = this.need();
      const take = Math.min(need - this.carryLen, n - pos);
      this.ensureCarry(need);
      this.carry.set(chunk.subarray(pos, pos + take), this.carryLen);
      pos += take;
      this.carryLen += take;
      if (this.carryLen < need) return;
      this.consumeCarry(this.run(this.carry, this.carryView, 0, this.carryLen, this.carryBase, false));
      if (this.ctx.error) return;
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const used = this.run(chunk, view, pos, n, chunkBase, false);
    if (this.ctx.error || used >= n) return;
    this.ensureCarry(n - used);
    this.carry.set(chunk.subarray(used, n), 0);
    this.carryLen = n - used;
    this.carryBase = chunkBase + used;
  }

  /** Declares the end of input: reports a truncated last record, or the error for an unusable input. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.ctx.error) return;
    if (this.bytesIn === 0) {
      this.ctx.fail('ERR_CAPTURE_EMPTY', 'empty input, not a capture file');
      return;
    }
    const used = this.run(this.carry, this.carryView, 0, this.carryLen, this.carryBase, true);
    if (this.ctx.error) return;
    const leftover = this.carryLen - used;
    if (leftover > 0) this.reader?.atEnd(leftover, this.carryBase + used);
    this.carryLen = 0;
  }

  /** Reports a problem found outside the parser (e.g. a damaged gzip stream), counted like its own. */
  warnExternal(code: string, message: string, offset?: number): void {
    this.ctx.warn(code, message, offset);
  }

  /** Totals so far. `bytesRead` counts the (decompressed) bytes pushed. */
  stats(): CaptureStats {
    return {
      format: this.reader?.format ?? 'pcap',
      compressed: false,
      frames: this.ctx.frames,
      bytesRead: this.bytesIn,
      warnings: this.ctx.warnings,
    };
  }

  private need(): number {
    return this.reader ? this.reader.need : this.detectNeed;
  }

  private consumeCarry(used: number): void {
    if (used === 0) return;
    this.carry.copyWithin(0, used, this.carryLen);
    this.carryLen -= used;
    this.carryBase += used;
  }

  private ensureCarry(size: number): void {
    if (this.carry.length >= size) return;
    // Readers cap record and block lengths, so `size` never exceeds MAX_CARRY_BYTES.
    const grown = new Uint8Array(Math.min(Math.max(size, this.carry.length * 2, CAPTURE_LIMITS.INITIAL_CARRY_BYTES), CAPTURE_LIMITS.MAX_CARRY_BYTES));
    grown.set(this.carry.subarray(0, this.carryLen));
    this.carry = grown;
    this.carryView = new DataView(grown.buffer);
  }

  private run(buf: Uint8Array, view: DataView, start: number, end: number, base: number, final: boolean): number {
    let p = start;
    if (!this.reader) {
      p = this.detect(buf, view, p, end, base, final);
      if (!this.reader) return p;
    }
    return this.reader.parse(buf, view, p, end, base, final);
  }

  /** Picks the reader from the magic number; returns the offset after the file header it consumed. */
  private detect(buf: Uint8Array, view: DataView, p: number, end: number, base: number, final: boolean): number {
    const avail = end - p;
    if (avail < MAGIC_BYTES) {
      if (final) this.ctx.fail('ERR_CAPTURE_BAD_MAGIC', `not a capture file: ${describeNonCapture(buf.subarray(p, end))} (${avail} bytes)`, base + p);
      this.detectNeed = MAGIC_BYTES;
      return p;
    }
    const magic = view.getUint32(p, false);
    if (magic === BlockType.SECTION_HEADER) {
      this.reader = new PcapngReader(this.ctx);
      return p;
    }
    if (!isClassicPcapMagic(magic)) {
      this.ctx.fail('ERR_CAPTURE_BAD_MAGIC', `not a capture file (neither pcap nor pcapng): looks like ${describeNonCapture(buf.subarray(p, Math.min(end, p + 64)))}`, base + p);
      return end;
    }
    if (avail < PCAP_GLOBAL_HEADER_BYTES) {
      if (final) this.ctx.fail('ERR_CAPTURE_TRUNCATED', `pcap file header truncated: only ${avail} of ${PCAP_GLOBAL_HEADER_BYTES} bytes`, base + p);
      this.detectNeed = PCAP_GLOBAL_HEADER_BYTES;
      return p;
    }
    this.reader = new ClassicPcapReader(this.ctx, view, p, base);
    return p + PCAP_GLOBAL_HEADER_BYTES;
  }
}
