import { CAPTURE_LIMITS } from './limits.js';
import { isDecodedLinkType, normaliseLinkType, unsupportedLinkTypeMessage } from './link-type.js';
import type { ReaderContext, RecordReader } from './reader-context.js';

/** Size of the classic pcap global header and of each record header. */
export const PCAP_GLOBAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;

/** Classic pcap magics as read big-endian from the first 4 bytes. */
export const PCAP_MAGIC = {
  MICRO_BE: 0xa1b2c3d4,
  MICRO_LE: 0xd4c3b2a1,
  NANO_BE: 0xa1b23c4d,
  NANO_LE: 0x4d3cb2a1,
} as const;

/** True when the 4 bytes read big-endian are one of the classic pcap magics. */
export function isClassicPcapMagic(magicBe: number): boolean {
  return magicBe === PCAP_MAGIC.MICRO_BE || magicBe === PCAP_MAGIC.MICRO_LE
    || magicBe === PCAP_MAGIC.NANO_BE || magicBe === PCAP_MAGIC.NANO_LE;
}

/**
 * Reads the records of a classic pcap file (libpcap 2.4 format, either byte order, µs or ns).
 * A record whose length is absurd is damage: it is reported once, and the reader scans forward
 * byte by byte for a plausible record header (time near the previous record, caplen <= the record
 * limit, caplen <= wire length, followed by another plausible header or the end of input).
 */
export class ClassicPcapReader implements RecordReader {
  readonly format: 'pcap' | 'pcap-ns';
  need = RECORD_HEADER_BYTES;
  private readonly le: boolean;
  /** Units of the fractional timestamp per second (1e6 or 1e9) and nanoseconds per unit. */
  private readonly fracPerSec: number;
  private readonly nsPerFrac: number;
  private readonly linkType: number;
  /** Largest caplen read as a record; larger is damage. */
  private readonly maxRecord: number;
  private prevTsSec = -1;
  /** Offset where the current damage started, -1 when not resynchronising. */
  private damageAt = -1;
  private damageLen = 0;
  private damageFrames = 0;

  /** `view` holds the 24-byte global header at `at`. */
  constructor(private readonly ctx: ReaderContext, view: DataView, at: number, base: number) {
    const magic = view.getUint32(at, false);
    this.le = magic === PCAP_MAGIC.MICRO_LE || magic === PCAP_MAGIC.NANO_LE;
    const nano = magic === PCAP_MAGIC.NANO_BE || magic === PCAP_MAGIC.NANO_LE;
    this.format = nano ? 'pcap-ns' : 'pcap';
    this.fracPerSec = nano ? 1e9 : 1e6;
    this.nsPerFrac = nano ? 1 : 1000;
    const major = view.getUint16(at + 4, this.le);
    const minor = view.getUint16(at + 6, this.le);
    if (major !== 2) {
      ctx.warn('pcap.unusual-version', `classic pcap version ${major}.${minor} (expected 2.4) at byte ${base + at + 4}; reading it as 2.4`, base + at + 4);
    }
    const snaplen = view.getUint32(at + 16, this.le);
    this.linkType = normaliseLinkType(view.getUint32(at + 20, this.le));
    if (!isDecodedLinkType(this.linkType)) {
      ctx.warn('pcap.unsupported-link-type', unsupportedLinkTypeMessage(this.linkType, `file header, byte ${base + at + 20}`), base + at + 20);
    }
    const trusted = snaplen > 0 && snaplen <= CAPTURE_LIMITS.MAX_TRUSTED_SNAPLEN_BYTES;
    this.maxRecord = trusted && snaplen > CAPTURE_LIMITS.MAX_PLAUSIBLE_RECORD_BYTES
      ? snaplen : CAPTURE_LIMITS.MAX_PLAUSIBLE_RECORD_BYTES;
  }

  parse(buf: Uint8Array, view: DataView, start: number, end: number, base: number, final: boolean): number {
    const le = this.le;
    let p = start;
    for (;;) {
      if (this.damageAt >= 0) {
        p = this.scan(view, p, end, base, final);
        if (this.damageAt >= 0) return p;
      }
      if (end - p < RECORD_HEADER_BYTES) {
        this.need = RECORD_HEADER_BYTES;
        return p;
      }
      const capLen = view.getUint32(p + 8, le);
      if (capLen > this.maxRecord) {
        this.damageAt = base + p;
        this.damageLen = capLen;
        this.damageFrames = this.ctx.frames;
        p++;
        continue;
      }
      const total = RECORD_HEADER_BYTES + capLen;
      if (end - p < total) {
        this.need = total;
        return p;
      }
      let tsSec = view.getUint32(p, le);
      let frac = view.getUint32(p + 4, le);
      if (frac >= this.fracPerSec) {
        // Some writers overflow the fraction; carry it into the seconds like libpcap's readers do.
        tsSec += Math.floor(frac / this.fracPerSec);
        frac %= this.fracPerSec;
      }
      this.prevTsSec = tsSec;
      this.ctx.emit(buf, p + RECORD_HEADER_BYTES, capLen, view.getUint32(p + 12, le), tsSec,
        frac * this.nsPerFrac, this.linkType, 0, base + p);
      p += total;
    }
  }

  /** Whether a record header at p looks real; `prevSec` < 0 skips the time test. */
  private plausible(view: DataView, p: number, prevSec: number): boolean {
    const le = this.le;
    const capLen = view.getUint32(p + 8, le);
    if (capLen === 0 || capLen > this.maxRecord) return false;
    if (capLen > view.getUint32(p + 12, le)) return false;
    if (view.getUint32(p + 4, le) >= this.fracPerSec) return false;
    if (prevSec >= 0 && Math.abs(view.getUint32(p, le) - prevSec) > CAPTURE_LIMITS.RESYNC_MAX_TIME_SKEW_SEC) return false;
    return true;
  }

  /** Scans from p for a plausible record; clears damageAt (and reports) when one is found. */
  private scan(view: DataView, p: number, end: number, base: number, final: boolean): number {
    for (; ; p++) {
      const avail = end - p;
      if (avail < RECORD_HEADER_BYTES) {
        this.need = RECORD_HEADER_BYTES;
        return p;
      }
      if (!this.plausible(view, p, this.prevTsSec)) continue;
      const total = RECORD_HEADER_BYTES + view.getUint32(p + 8, this.le);
      if (avail < total + RECORD_HEADER_BYTES) {
        // Wait for the next header; at the end of input a real last record ends exactly there.
        if (!final) {
          this.need = total + RECORD_HEADER_BYTES;
          return p;
        }
        if (avail !== total) continue;
      } else if (!this.plausible(view, p + total, view.getUint32(p, this.le))) {
        continue;
      }
      const at = base + p;
      this.ctx.warn('pcap.damaged-record',
        `damaged record at byte ${this.damageAt} after frame ${this.damageFrames}: capture length ${this.damageLen} is implausible; skipped ${at - this.damageAt} bytes and resynchronised at byte ${at}`,
        this.damageAt);
      this.damageAt = -1;
      return p;
    }
  }

  atEnd(leftover: number, offset: number): void {
    if (this.damageAt >= 0) {
      this.ctx.warn('pcap.damaged-record',
        `damaged record at byte ${this.damageAt} after frame ${this.damageFrames}: capture length ${this.damageLen} is implausible; no plausible record found in the remaining ${offset + leftover - this.damageAt} bytes`,
        this.damageAt);
      return;
    }
    const detail = leftover < RECORD_HEADER_BYTES
      ? `${leftover} of ${RECORD_HEADER_BYTES} header bytes`
      : `${leftover} of ${this.need} bytes`;
    this.ctx.warn('pcap.truncated-record',
      `truncated last record at byte ${offset} (frame ${this.ctx.frames + 1}): only ${detail}`, offset);
  }
}
