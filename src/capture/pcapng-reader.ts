import { LinkType } from './frame.js';
import { CAPTURE_LIMITS } from './limits.js';
import { isDecodedLinkType, normaliseLinkType, unsupportedLinkTypeMessage } from './link-type.js';
import { isValidTsresol, TimestampResolution } from './pcapng-timestamp.js';
import type { ReaderContext, RecordReader } from './reader-context.js';

/** pcapng block types (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html §4, §10.1). */
export const BlockType = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 0x00000001,
  PACKET: 0x00000002,
  SIMPLE_PACKET: 0x00000003,
  NAME_RESOLUTION: 0x00000004,
  INTERFACE_STATISTICS: 0x00000005,
  ENHANCED_PACKET: 0x00000006,
  SYSTEMD_JOURNAL: 0x00000009,
  DECRYPTION_SECRETS: 0x0000000a,
  CUSTOM: 0x00000bad,
  CUSTOM_NO_COPY: 0x40000bad,
} as const;

/** The Section Header Block's byte-order magic as read little-endian. */
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;
/** Type + length + trailing length. */
const BLOCK_OVERHEAD_BYTES = 12;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** Smallest total length of each block type this reader looks inside. */
const MIN_BLOCK_BYTES: Record<number, number> = {
  [BlockType.SECTION_HEADER]: 28,
  [BlockType.INTERFACE_DESCRIPTION]: 20,
  [BlockType.PACKET]: 32,
  [BlockType.SIMPLE_PACKET]: 16,
  [BlockType.ENHANCED_PACKET]: 32,
  [BlockType.DECRYPTION_SECRETS]: 20,
};

const KNOWN_BLOCK_TYPES = new Set<number>(Object.values(BlockType));

interface Interface {
  linkType: number;
  snaplen: number;
  /** Id across the whole file (sections number their interfaces from 0; this does not restart). */
  globalId: number;
  ts: TimestampResolution;
}

const textDecoder = new TextDecoder('utf-8');

/**
 * Reads pcapng: any number of sections of either byte order (each Section Header Block starts a
 * new interface list), interfaces with their own link type, snaplen, if_tsresol and if_tsoffset;
 * Enhanced, Simple and (obsolete) Packet Blocks become frames; Decryption Secrets Blocks go to
 * sink.secrets; every other block is skipped. A block whose length is impossible or whose trailing
 * length differs is damage: reported, then the reader scans byte by byte for the next plausible
 * block (known type, sane length, matching trailing length).
 */
export class PcapngReader implements RecordReader {
  readonly format = 'pcapng' as const;
  need = BLOCK_OVERHEAD_BYTES;
  private le = true;
  private started = false;
  private interfaces: Interface[] = [];
  /** Interfaces packet blocks named that no readable IDB described (see iface()), by id. */
  private readonly assumed = new Map<number, Interface>();
  private nextGlobalId = 0;
  private damageAt = -1;
  private damageWhy = '';
  private damageFrames = 0;

  constructor(private readonly ctx: ReaderContext) {}

  parse(buf: Uint8Array, view: DataView, start: number, end: number, base: number, final: boolean): number {
    let p = start;
    for (;;) {
      if (this.damageAt >= 0) {
        p = this.scan(view, p, end, base, final);
        if (this.damageAt >= 0) return p;
      }
      if (end - p < BLOCK_OVERHEAD_BYTES) {
        this.need = BLOCK_OVERHEAD_BYTES;
        return p;
      }
      const type = view.getUint32(p, this.le);
      let le = this.le;
      if (type === BlockType.SECTION_HEADER) {
        const bom = view.getUint32(p + 8, true);
        if (bom === BYTE_ORDER_MAGIC) le = true;
        else if (bom === BYTE_ORDER_MAGIC_SWAPPED) le = false;
        else {
          if (!this.damage(p, base, `section header with bad byte-order magic 0x${bom.toString(16)}`)) return end;
          p++;
          continue;
        }
      }
      const len = view.getUint32(p + 4, le);
      if (len < (MIN_BLOCK_BYTES[type] ?? BLOCK_OVERHEAD_BYTES) || len % 4 !== 0 || len > CAPTURE_LIMITS.MAX_PCAPNG_BLOCK_BYTES) {
        if (!this.damage(p, base, `block type 0x${type.toString(16)} has impossible length ${len}`)) return end;
        p++;
        continue;
      }
      if (end - p < len) {
        this.need = len;
        return p;
      }
      const trailer = view.getUint32(p + len - 4, le);
      if (trailer !== len) {
        if (!this.damage(p, base, `block type 0x${type.toString(16)} length ${len} does not match its trailing length ${trailer}`)) return end;
        p++;
        continue;
      }
      if (type === BlockType.SECTION_HEADER) this.section(view, p, base, le);
      else this.block(type, buf, view, p, len, base);
      p += len;
    }
  }

  /** Starts resynchronising; false (and a fatal error) when the very first block is bad. */
  private damage(p: number, base: number, why: string): boolean {
    if (!this.started) {
      this.ctx.fail('ERR_CAPTURE_CORRUPT', `not a readable pcapng file: ${why}`, base + p);
      return false;
    }
    this.damageAt = base + p;
    this.damageWhy = why;
    this.damageFrames = this.ctx.frames;
    return true;
  }

  /** Scans from p for a plausible block; clears damageAt (and reports) when one is found. */
  private scan(view: DataView, p: number, end: number, base: number, final: boolean): number {
    for (; ; p++) {
      const avail = end - p;
      if (avail < BLOCK_OVERHEAD_BYTES) {
        this.need = BLOCK_OVERHEAD_BYTES;
        return p;
      }
      let le = this.le;
      const type = view.getUint32(p, le);
      if (type === BlockType.SECTION_HEADER) {
        const bom = view.getUint32(p + 8, true);
        if (bom === BYTE_ORDER_MAGIC) le = true;
        else if (bom === BYTE_ORDER_MAGIC_SWAPPED) le = false;
        else continue;
      } else if (!KNOWN_BLOCK_TYPES.has(type)) {
        continue;
      }
      const len = view.getUint32(p + 4, le);
      if (len < (MIN_BLOCK_BYTES[type] ?? BLOCK_OVERHEAD_BYTES) || len % 4 !== 0 || len > CAPTURE_LIMITS.MAX_PCAPNG_BLOCK_BYTES) continue;
      if (avail < len) {
        if (final) continue;
        this.need = len;
        return p;
      }
      if (view.getUint32(p + len - 4, le) !== len) continue;
      const at = base + p;
      this.ctx.warn('pcapng.damaged-block',
        `damaged block at byte ${this.damageAt} after frame ${this.damageFrames}: ${this.damageWhy}; skipped ${at - this.damageAt} bytes and resynchronised at byte ${at}`,
        this.damageAt);
      this.damageAt = -1;
      return p;
    }
  }

  private section(view: DataView, p: number, base: number, le: boolean): void {
    this.started = true;
    this.le = le;
    this.interfaces = [];
    this.assumed.clear();
    const major = view.getUint16(p + 12, le);
    if (major !== 1) {
      this.ctx.warn('pcapng.unusual-version', `section header at byte ${base + p} has version ${major}.${view.getUint16(p + 14, le)} (expected 1.0); reading it as 1.0`, base + p);
    }
  }

  /** An Enhanced or obsolete Packet Block: timestamp at +12, lengths at +20/+24, data at +28. */
  private timestampedPacket(name: string, ifaceId: number, buf: Uint8Array, view: DataView, p: number, len: number, base: number): void {
    const le = this.le;
    const capLen = view.getUint32(p + 20, le);
    if (capLen > len - 32) {
      this.ctx.warn('pcapng.bad-packet-length', `${name} at byte ${base + p}: captured length ${capLen} exceeds the block; skipped`, base + p);
      return;
    }
    const iface = this.iface(ifaceId, p, base);
    if (!iface) return;
    iface.ts.convert(view.getUint32(p + 12, le), view.getUint32(p + 16, le));
    this.ctx.emit(buf, p + 28, capLen, view.getUint32(p + 24, le), iface.ts.sec, iface.ts.nsec, iface.linkType, iface.globalId, base + p);
  }

  private block(type: number, buf: Uint8Array, view: DataView, p: number, len: number, base: number): void {
    const le = this.le;
    switch (type) {
      case BlockType.ENHANCED_PACKET:
        this.timestampedPacket('enhanced packet block', view.getUint32(p + 8, le), buf, view, p, len, base);
        return;
      case BlockType.SIMPLE_PACKET: {
        const iface = this.iface(0, p, base);
        if (!iface) return;
        // The SPB has no captured length: the smaller of the wire length, the snaplen, the block.
        const wireLen = view.getUint32(p + 8, le);
        let capLen = Math.min(wireLen, len - 16);
        if (iface.snaplen > 0 && iface.snaplen < capLen) capLen = iface.snaplen;
        // And no timestamp: it is reported as 0 (the epoch), as Wireshark does.
        this.ctx.emit(buf, p + 12, capLen, wireLen, 0, 0, iface.linkType, iface.globalId, base + p);
        return;
      }
      case BlockType.PACKET:
        // The obsolete Packet Block: the EPB's layout with a 16-bit interface id and a drops count.
        this.timestampedPacket('packet block', view.getUint16(p + 8, le), buf, view, p, len, base);
        return;
      case BlockType.INTERFACE_DESCRIPTION:
        this.interfaceDescription(view, p, len, base);
        return;
      case BlockType.DECRYPTION_SECRETS: {
        const secretsType = view.getUint32(p + 8, le);
        const secretsLen = view.getUint32(p + 12, le);
        if (secretsLen > len - 20) {
          this.ctx.warn('pcapng.bad-secrets-length', `decryption secrets block at byte ${base + p}: secrets length ${secretsLen} exceeds the block; skipped`, base + p);
          return;
        }
        this.ctx.secrets(secretsType, textDecoder.decode(buf.subarray(p + 16, p + 16 + secretsLen)));
        return;
      }
      default:
        // Name resolution, statistics, journal, custom and unknown blocks carry nothing we use.
        return;
    }
  }

  /**
   * The interface a packet block names. One that no readable IDB described (a damaged IDB was
   * skipped) is assumed: the link type of the last interface described (else Ethernet),
   * microseconds, said once per section, so a damaged IDB does not lose every frame of the file.
   */
  private iface(id: number, p: number, base: number): Interface | undefined {
    const iface = this.interfaces[id] ?? this.assumed.get(id);
    if (iface) return iface;
    if (this.interfaces.length + this.assumed.size >= CAPTURE_LIMITS.MAX_PCAPNG_INTERFACES) {
      this.ctx.warn('pcapng.unknown-interface', `packet block at byte ${base + p} names interface ${id}, but the section describes ${this.interfaces.length}; skipped`, base + p);
      return undefined;
    }
    const last = this.interfaces[this.interfaces.length - 1];
    const linkType = last?.linkType ?? LinkType.ETHERNET;
    const assumed: Interface = { linkType, snaplen: 0, globalId: this.nextGlobalId++, ts: new TimestampResolution(6, 0) };
    this.assumed.set(id, assumed);
    if (this.assumed.size === 1) {
      this.ctx.warn('pcapng.assumed-interface',
        `packet block at byte ${base + p} names interface ${id}, which no readable interface description block describes: assuming ${last ? `the link type of interface ${this.interfaces.length - 1} (${linkType})` : `Ethernet (${LinkType.ETHERNET})`} and microsecond timestamps for it and any other undescribed interface of this section`,
        base + p);
    }
    return assumed;
  }

  private interfaceDescription(view: DataView, p: number, len: number, base: number): void {
    const le = this.le;
    if (this.interfaces.length >= CAPTURE_LIMITS.MAX_PCAPNG_INTERFACES) {
      this.ctx.warn('pcapng.too-many-interfaces', `interface description block at byte ${base + p} ignored: more than ${CAPTURE_LIMITS.MAX_PCAPNG_INTERFACES} interfaces in one section`, base + p);
      return;
    }
    let tsresol = 6;
    let offsetSec = 0;
    // Options: code(2) length(2) value, padded to 4 bytes; opt_endofopt (0) or the block end stops.
    const optEnd = p + len - 4;
    for (let o = p + 16; o + 4 <= optEnd;) {
      const code = view.getUint16(o, le);
      const optLen = view.getUint16(o + 2, le);
      if (code === 0 || o + 4 + optLen > optEnd) break;
      if (code === OPT_IF_TSRESOL && optLen >= 1) {
        const v = view.getUint8(o + 4);
        if (isValidTsresol(v)) tsresol = v;
        else this.ctx.warn('pcapng.bad-tsresol', `interface at byte ${base + p}: if_tsresol 0x${v.toString(16)} is unusable; assuming microseconds`, base + o);
      } else if (code === OPT_IF_TSOFFSET && optLen >= 8) {
        offsetSec = le
          ? view.getInt32(o + 8, true) * 4294967296 + view.getUint32(o + 4, true)
          : view.getInt32(o + 4, false) * 4294967296 + view.getUint32(o + 8, false);
      }
      o += 4 + ((optLen + 3) & ~3);
    }
    const linkType = normaliseLinkType(view.getUint16(p + 8, le));
    if (!isDecodedLinkType(linkType)) {
      this.ctx.warn('pcapng.unsupported-link-type', unsupportedLinkTypeMessage(linkType, `interface ${this.interfaces.length} described at byte ${base + p}`), base + p);
    }
    this.interfaces.push({
      linkType,
      snaplen: view.getUint32(p + 12, le),
      globalId: this.nextGlobalId++,
      ts: new TimestampResolution(tsresol, offsetSec),
    });
  }

  atEnd(leftover: number, offset: number): void {
    if (!this.started) {
      this.ctx.fail('ERR_CAPTURE_TRUNCATED', `pcapng section header truncated: only ${leftover} of ${this.need} bytes`, offset);
      return;
    }
    if (this.damageAt >= 0) {
      this.ctx.warn('pcapng.damaged-block',
        `damaged block at byte ${this.damageAt} after frame ${this.damageFrames}: ${this.damageWhy}; no plausible block found in the remaining ${offset + leftover - this.damageAt} bytes`,
        this.damageAt);
      return;
    }
    const detail = leftover < BLOCK_OVERHEAD_BYTES ? `${leftover} bytes` : `${leftover} of ${this.need} bytes`;
    this.ctx.warn('pcapng.truncated-block', `truncated last block at byte ${offset} (after frame ${this.ctx.frames}): only ${detail}`, offset);
  }
}
