/**
 * Builders of small capture files for tests: classic pcap (any byte order, µs or ns, damage by
 * hand) and pcapng (any blocks, either byte order). Bytes are built explicitly field by field so a
 * test can also build files the writer refuses to produce (bad lengths, wrong trailers).
 */
import type { CaptureSecrets, CaptureWarning, FrameSink, RawFrame } from '../../src/capture/frame.js';

/** One classic pcap record; `capLen` overrides the length field (to build damage). */
export interface PcapRecordSpec {
  tsSec: number;
  /** µs or ns, as the file's magic says. */
  tsFrac: number;
  data: Uint8Array;
  wireLen?: number;
  capLen?: number;
}

class ByteWriter {
  private parts: number[] = [];
  constructor(private readonly le: boolean) {}
  u8(v: number): this { this.parts.push(v & 0xff); return this; }
  u16(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff];
    this.parts.push(...(this.le ? b : b.reverse()));
    return this;
  }
  u32(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
    this.parts.push(...(this.le ? b : b.reverse()));
    return this;
  }
  bytes(d: Uint8Array | number[]): this { for (const x of d) this.parts.push(x); return this; }
  pad4(): this { while (this.parts.length % 4) this.parts.push(0); return this; }
  get length(): number { return this.parts.length; }
  build(): Uint8Array { return Uint8Array.from(this.parts); }
}

/** A classic pcap file. */
export function pcapFile(opts: { le?: boolean; nano?: boolean; snaplen?: number; linkType?: number; records: PcapRecordSpec[] }): Uint8Array {
  const le = opts.le ?? true;
  const w = new ByteWriter(le);
  w.u32(opts.nano ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(opts.snaplen ?? 65535).u32(opts.linkType ?? 1);
  for (const r of opts.records) {
    w.u32(r.tsSec).u32(r.tsFrac).u32(r.capLen ?? r.data.length).u32(r.wireLen ?? r.data.length).bytes(r.data);
  }
  return w.build();
}

/** Builds a pcapng file block by block (each section in its own byte order). */
export class PcapngBuilder {
  private blocks: Uint8Array[] = [];
  private le = true;

  /** Section Header Block; switches the byte order of the blocks that follow. */
  shb(le = true, major = 1): this {
    this.le = le;
    return this.block(0x0a0d0d0a, (w) => w.u32(0x1a2b3c4d).u16(major).u16(0).u32(0xffffffff).u32(0xffffffff));
  }

  /** Interface Description Block with optional if_tsresol (code 9) and if_tsoffset (code 14). */
  idb(opts: { linkType: number; snaplen?: number; tsresol?: number; tsoffset?: bigint; name?: string }): this {
    return this.block(1, (w) => {
      w.u16(opts.linkType).u16(0).u32(opts.snaplen ?? 0);
      if (opts.name !== undefined) {
        const n = new TextEncoder().encode(opts.name);
        w.u16(2).u16(n.length).bytes(n).pad4();
      }
      if (opts.tsresol !== undefined) w.u16(9).u16(1).u8(opts.tsresol).pad4();
      if (opts.tsoffset !== undefined) {
        const v = BigInt.asUintN(64, opts.tsoffset);
        const hi = Number(v >> 32n);
        const lo = Number(v & 0xffffffffn);
        w.u16(14).u16(8);
        if (this.le) w.u32(lo).u32(hi); else w.u32(hi).u32(lo);
      }
      w.u16(0).u16(0);
    });
  }

  /** Enhanced Packet Block; `ts` is the 64-bit timestamp in the interface's units. */
  epb(opts: { ifId: number; ts: bigint; data: Uint8Array; wireLen?: number; capLen?: number }): this {
    return this.block(6, (w) => {
      w.u32(opts.ifId).u32(Number(opts.ts >> 32n)).u32(Number(opts.ts & 0xffffffffn))
        .u32(opts.capLen ?? opts.data.length).u32(opts.wireLen ?? opts.data.length).bytes(opts.data).pad4();
    });
  }

  /** Simple Packet Block: only the wire length and the (snaplen-cut) bytes. */
  spb(opts: { wireLen: number; data: Uint8Array }): this {
    return this.block(3, (w) => w.u32(opts.wireLen).bytes(opts.data).pad4());
  }

  /** Obsolete Packet Block (type 2): 16-bit interface id and drops count. */
  pb(opts: { ifId: number; ts: bigint; data: Uint8Array; wireLen?: number }): this {
    return this.block(2, (w) => {
      w.u16(opts.ifId).u16(0).u32(Number(opts.ts >> 32n)).u32(Number(opts.ts & 0xffffffffn))
        .u32(opts.data.length).u32(opts.wireLen ?? opts.data.length).bytes(opts.data).pad4();
    });
  }

  /** Decryption Secrets Block (type 0xA). */
  dsb(secretsType: number, text: string): this {
    const d = new TextEncoder().encode(text);
    return this.block(0x0a, (w) => w.u32(secretsType).u32(d.length).bytes(d).pad4());
  }

  /** Any block with a raw body (padded to 4). */
  block(type: number, body: (w: ByteWriter) => void): this {
    const inner = new ByteWriter(this.le);
    body(inner);
    inner.pad4();
    const len = inner.length + 12;
    const w = new ByteWriter(this.le);
    w.u32(type).u32(len).bytes(inner.build()).u32(len);
    this.blocks.push(w.build());
    return this;
  }

  /** Raw bytes inserted as they are (damage). */
  raw(bytes: Uint8Array): this {
    this.blocks.push(bytes);
    return this;
  }

  build(): Uint8Array {
    const total = this.blocks.reduce((n, b) => n + b.length, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const b of this.blocks) { out.set(b, o); o += b.length; }
    return out;
  }
}

/** A frame copied out of the reused RawFrame (with its bytes as hex). */
export interface FrameCopy {
  index: number; tsSec: number; tsNsec: number; capLen: number; wireLen: number;
  linkType: number; interfaceId: number; fileOffset: number; hex: string;
}

/** A sink that copies everything it receives, for assertions. */
export function collector(): FrameSink & { frames: FrameCopy[]; warnings: CaptureWarning[]; secretsSeen: CaptureSecrets[] } {
  const frames: FrameCopy[] = [];
  const warnings: CaptureWarning[] = [];
  const secrets: CaptureSecrets[] = [];
  return {
    frames, warnings, secretsSeen: secrets,
    frame(f: RawFrame) {
      frames.push({
        index: f.index, tsSec: f.tsSec, tsNsec: f.tsNsec, capLen: f.capLen, wireLen: f.wireLen,
        linkType: f.linkType, interfaceId: f.interfaceId, fileOffset: f.fileOffset,
        hex: Buffer.from(f.buf.subarray(f.offset, f.offset + f.capLen)).toString('hex'),
      });
    },
    warning(w: CaptureWarning) { warnings.push(w); },
    secrets(s: CaptureSecrets) { secrets.push(s); },
  };
}

/** Deterministic payload bytes: `n` bytes starting at `seed`. */
export function bytes(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed + i * 7) & 0xff;
  return b;
}
