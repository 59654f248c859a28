import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import { bytes, collector, pcapFile, PcapngBuilder } from '../helpers/capture-builders.js';

function parse(input: Uint8Array, chunks?: number[]) {
  const sink = collector();
  const p = new CaptureParser(sink, { source: 'test.pcap' });
  if (!chunks) p.push(input);
  else {
    let o = 0;
    for (const n of chunks) {
      p.push(input.subarray(o, Math.min(input.length, o + n)));
      o += n;
      if (o >= input.length) break;
    }
    if (o < input.length) p.push(input.subarray(o));
  }
  p.end();
  return { ...sink, stats: p.stats(), error: p.error };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('classic pcap', () => {
  const records = [
    { tsSec: 1_700_000_000, tsFrac: 1, data: bytes(60, 1) },
    { tsSec: 1_700_000_001, tsFrac: 999_999, data: bytes(42, 2), wireLen: 1514 },
    { tsSec: 1_700_000_002, tsFrac: 500, data: bytes(0) },
  ];

  for (const le of [true, false]) {
    it(`reads a µs file, ${le ? 'little' : 'big'}-endian`, () => {
      const r = parse(pcapFile({ le, records }));
      expect(r.error).toBeUndefined();
      expect(r.warnings).toEqual([]);
      expect(r.stats).toMatchObject({ format: 'pcap', frames: 3, warnings: 0, bytesRead: 24 + 16 * 3 + 102 });
      expect(r.frames).toEqual([
        { index: 1, tsSec: 1_700_000_000, tsNsec: 1000, capLen: 60, wireLen: 60, linkType: 1, interfaceId: 0, fileOffset: 24, hex: hex(bytes(60, 1)) },
        { index: 2, tsSec: 1_700_000_001, tsNsec: 999_999_000, capLen: 42, wireLen: 1514, linkType: 1, interfaceId: 0, fileOffset: 100, hex: hex(bytes(42, 2)) },
        { index: 3, tsSec: 1_700_000_002, tsNsec: 500_000, capLen: 0, wireLen: 0, linkType: 1, interfaceId: 0, fileOffset: 158, hex: '' },
      ]);
    });

    it(`reads a ns file, ${le ? 'little' : 'big'}-endian`, () => {
      const r = parse(pcapFile({ le, nano: true, linkType: 113, records: [{ tsSec: 5, tsFrac: 123_456_789, data: bytes(20) }] }));
      expect(r.stats.format).toBe('pcap-ns');
      expect(r.frames).toEqual([{ index: 1, tsSec: 5, tsNsec: 123_456_789, capLen: 20, wireLen: 20, linkType: 113, interfaceId: 0, fileOffset: 24, hex: hex(bytes(20)) }]);
    });
  }

  it('normalises the BSD DLT_RAW values 12 and 14 to LINKTYPE_RAW', () => {
    for (const lt of [12, 14]) {
      expect(parse(pcapFile({ linkType: lt, records: [records[0]!] })).frames[0]!.linkType).toBe(101);
    }
  });

  it('carries an overflowing microsecond field into the seconds', () => {
    const r = parse(pcapFile({ records: [{ tsSec: 10, tsFrac: 2_500_000, data: bytes(4) }] }));
    expect(r.frames[0]).toMatchObject({ tsSec: 12, tsNsec: 500_000_000 });
  });

  it('accepts records up to a sane snaplen above 256 KiB', () => {
    const big = bytes(300_000);
    const r = parse(pcapFile({ snaplen: 400_000, records: [{ tsSec: 1, tsFrac: 0, data: big }] }));
    expect(r.warnings).toEqual([]);
    expect(r.frames[0]!.capLen).toBe(300_000);
  });

  it('resynchronises after a record with an absurd length and reads everything after it', () => {
    const good = (i: number) => ({ tsSec: 1_700_000_000 + i, tsFrac: i, data: bytes(50 + i, i) });
    const file = pcapFile({ records: [good(0), good(1), { ...good(2), capLen: 0x7fff0000 }, good(3), good(4)] });
    const r = parse(file);
    expect(r.frames.map((f) => f.tsSec - 1_700_000_000)).toEqual([0, 1, 3, 4]);
    expect(r.frames.map((f) => f.index)).toEqual([1, 2, 3, 4]);
    const damageAt = 24 + (16 + 50) + (16 + 51);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ code: 'pcap.damaged-record', offset: damageAt, frame: 2 });
    expect(r.warnings[0]!.message).toBe(`test.pcap: damaged record at byte ${damageAt} after frame 2: capture length 2147418112 is implausible; skipped ${16 + 52} bytes and resynchronised at byte ${damageAt + 16 + 52}`);
    expect(r.stats.warnings).toBe(1);
  });

  it('resynchronises past junk bytes spliced between records, even at the first record', () => {
    const rec = (i: number) => pcapFile({ records: [{ tsSec: 1_600_000_000 + i, tsFrac: 7, data: bytes(40, i) }] }).subarray(24);
    const junk = new Uint8Array(37).fill(0xff);
    const header = pcapFile({ records: [] });
    const file = Buffer.concat([header, junk, rec(0), rec(1), junk, rec(2)]);
    const r = parse(file);
    expect(r.frames.map((f) => f.tsSec - 1_600_000_000)).toEqual([0, 1, 2]);
    expect(r.warnings.map((w) => w.offset)).toEqual([24, 24 + 37 + 56 * 2]);
  });

  it('resynchronises when the damaged record is followed only by the last record', () => {
    const file = pcapFile({ records: [
      { tsSec: 100, tsFrac: 0, data: bytes(30) },
      { tsSec: 101, tsFrac: 0, data: bytes(30), capLen: 0xffffffff },
      { tsSec: 102, tsFrac: 0, data: bytes(30, 9) },
    ] });
    const r = parse(file);
    expect(r.frames.map((f) => f.tsSec)).toEqual([100, 102]);
    expect(r.warnings).toHaveLength(1);
  });

  it('reports damage that runs to the end of the file', () => {
    const file = Buffer.concat([pcapFile({ records: [{ tsSec: 100, tsFrac: 0, data: bytes(30), capLen: 0x10000000 }] }), new Uint8Array(100)]);
    const r = parse(file);
    expect(r.frames).toEqual([]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]!.message).toContain('no plausible record found in the remaining 146 bytes');
  });

  it('warns about a truncated last record (offset and frame number) and keeps the others', () => {
    const file = pcapFile({ records: [{ tsSec: 1, tsFrac: 0, data: bytes(30) }, { tsSec: 2, tsFrac: 0, data: bytes(30) }] });
    const r = parse(file.subarray(0, file.length - 5));
    expect(r.frames).toHaveLength(1);
    expect(r.warnings).toEqual([{ code: 'pcap.truncated-record', offset: 70, frame: 1, message: 'test.pcap: truncated last record at byte 70 (frame 2): only 41 of 46 bytes' }]);
    const r2 = parse(file.subarray(0, 70 + 9));
    expect(r2.warnings[0]!.message).toBe('test.pcap: truncated last record at byte 70 (frame 2): only 9 of 16 header bytes');
  });

  it('fails (without throwing) on a truncated file header', () => {
    const r = parse(pcapFile({ records: [] }).subarray(0, 20));
    expect(r.error?.code).toBe('ERR_CAPTURE_TRUNCATED');
    expect(r.error?.message).toBe('test.pcap: pcap file header truncated: only 20 of 24 bytes (at byte 0)');
    expect(r.frames).toEqual([]);
  });
});

describe('not a capture', () => {
  it('empty input', () => {
    expect(parse(new Uint8Array(0)).error?.code).toBe('ERR_CAPTURE_EMPTY');
  });
  it('text', () => {
    const r = parse(new TextEncoder().encode('From: someone\r\nSubject: hello\r\n'));
    expect(r.error?.code).toBe('ERR_CAPTURE_BAD_MAGIC');
    expect(r.error?.message).toBe('test.pcap: not a capture file (neither pcap nor pcapng): looks like text (at byte 0)');
    expect(r.error?.offset).toBe(0);
  });
  it('PNG', () => {
    const r = parse(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
    expect(r.error?.message).toContain('a PNG image');
  });
  it('3 bytes', () => {
    expect(parse(Uint8Array.from([0xd4, 0xc3, 0xb2])).error?.code).toBe('ERR_CAPTURE_BAD_MAGIC');
  });
  it('ignores input after the error', () => {
    const sink = collector();
    const p = new CaptureParser(sink);
    p.push(new TextEncoder().encode('hello world'));
    p.push(pcapFile({ records: [{ tsSec: 1, tsFrac: 0, data: bytes(3) }] }));
    p.end();
    expect(sink.frames).toEqual([]);
    expect(p.error?.message).toMatch(/^input: not a capture file/);
  });
});

/** Two sections (LE then BE), interfaces with different link types and resolutions, every packet block kind. */
function richPcapng(): Uint8Array {
  return new PcapngBuilder()
    .shb(true)
    .block(0x0bad, (w) => w.u32(32473).bytes([1, 2, 3]))       // custom block: skipped
    .idb({ linkType: 1, snaplen: 65535, name: 'eth0' })           // default µs
    .idb({ linkType: 101, snaplen: 0, tsresol: 9, tsoffset: 100n }) // ns, +100 s
    .epb({ ifId: 0, ts: 1_700_000_000_123_456n, data: bytes(60, 1), wireLen: 1514 })
    .epb({ ifId: 1, ts: 1_699_999_900_987_654_321n, data: bytes(41, 2) })
    .block(4, (w) => w.u16(0).u16(0))                           // name resolution: skipped
    .dsb(0x544c534b, 'CLIENT_RANDOM 00 11\n')
    .pb({ ifId: 0, ts: 2_000_000n, data: bytes(10, 3) })
    .block(5, (w) => w.u32(0).u32(0).u32(0).u16(0).u16(0))     // interface statistics: skipped
    .shb(false)
    .idb({ linkType: 113, snaplen: 16, tsresol: 0x80 | 10 })     // 2^-10 s, snaplen 16
    .spb({ wireLen: 100, data: bytes(16, 4) })
    .epb({ ifId: 0, ts: (5n << 10n) | 512n, data: bytes(12, 5) })
    .block(0x99, (w) => w.u32(7))                               // unknown type: skipped
    .build();
}

describe('pcapng', () => {
  it('reads sections of both byte orders, interfaces, EPB/PB/SPB and secrets, and skips other blocks', () => {
    const r = parse(richPcapng());
    expect(r.error).toBeUndefined();
    expect(r.warnings).toEqual([]);
    expect(r.stats).toMatchObject({ format: 'pcapng', frames: 5, warnings: 0 });
    expect(r.secretsSeen).toEqual([{ secretsType: 0x544c534b, text: 'CLIENT_RANDOM 00 11\n' }]);
    expect(r.frames.map(({ hex: _h, fileOffset: _o, ...f }) => f)).toEqual([
      { index: 1, tsSec: 1_700_000_000, tsNsec: 123_456_000, capLen: 60, wireLen: 1514, linkType: 1, interfaceId: 0 },
      { index: 2, tsSec: 1_700_000_000, tsNsec: 987_654_321, capLen: 41, wireLen: 41, linkType: 101, interfaceId: 1 },
      { index: 3, tsSec: 2, tsNsec: 0, capLen: 10, wireLen: 10, linkType: 1, interfaceId: 0 },
      // Second section: its interface 0 is the file's third interface.
      { index: 4, tsSec: 0, tsNsec: 0, capLen: 16, wireLen: 100, linkType: 113, interfaceId: 2 },
      { index: 5, tsSec: 5, tsNsec: 500_000_000, capLen: 12, wireLen: 12, linkType: 113, interfaceId: 2 },
    ]);
    expect(r.frames.map((f) => f.hex)).toEqual([bytes(60, 1), bytes(41, 2), bytes(10, 3), bytes(16, 4), bytes(12, 5)].map(hex));
  });

  it('gives every frame the offset of its block', () => {
    const file = new PcapngBuilder().shb().idb({ linkType: 1 }).epb({ ifId: 0, ts: 0n, data: bytes(5) }).epb({ ifId: 0, ts: 0n, data: bytes(5) }).build();
    expect(parse(file).frames.map((f) => f.fileOffset)).toEqual([28 + 20 + 4, 28 + 24 + 40]);
  });

  it('a packet naming an undescribed interface is read with the previous interface\'s link type, said once', () => {
    const file = new PcapngBuilder().shb().idb({ linkType: 113 })
      .epb({ ifId: 3, ts: 0n, data: bytes(5) }).epb({ ifId: 0, ts: 0n, data: bytes(6) }).epb({ ifId: 4, ts: 0n, data: bytes(7) }).build();
    const r = parse(file);
    expect(r.frames.map((f) => [f.capLen, f.linkType])).toEqual([[5, 113], [6, 113], [7, 113]]);
    expect(r.warnings.map((w) => w.code)).toEqual(['pcapng.assumed-interface']);
    expect(r.warnings[0]!.message).toContain('names interface 3');
  });

  it('a damaged interface description block (skipped) does not lose the frames: Ethernet is assumed', () => {
    const b = new PcapngBuilder().shb();
    const idbAt = b.build().length;
    const file = b.idb({ linkType: 1 }).epb({ ifId: 0, ts: 1n, data: bytes(8) }).epb({ ifId: 0, ts: 2n, data: bytes(9) }).build();
    // The IDB's trailing length no longer matches its leading one: the block is damaged and skipped.
    const view = new DataView(file.buffer, file.byteOffset);
    const idbLen = view.getUint32(idbAt + 4, true);
    view.setUint32(idbAt + idbLen - 4, idbLen + 4, true);
    const r = parse(file);
    expect(r.frames.map((f) => [f.capLen, f.linkType])).toEqual([[8, 1], [9, 1]]);
    expect(r.warnings.map((w) => w.code)).toEqual(['pcapng.damaged-block', 'pcapng.assumed-interface']);
    expect(r.warnings[1]!.message).toContain('Ethernet');
  });

  it('resynchronises after a block with an impossible length', () => {
    const b = new PcapngBuilder().shb().idb({ linkType: 1 }).epb({ ifId: 0, ts: 1n, data: bytes(8) });
    const before = b.build().length;
    const file = b.epb({ ifId: 0, ts: 2n, data: bytes(8) }).epb({ ifId: 0, ts: 3n, data: bytes(8) }).build();
    new DataView(file.buffer).setUint32(before + 4, 0x00ffff01, true); // length of the 2nd EPB
    const r = parse(file);
    expect(r.frames.map((f) => f.tsNsec)).toEqual([1000, 3000]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ code: 'pcapng.damaged-block', offset: before });
    expect(r.warnings[0]!.message).toContain(`block type 0x6 has impossible length 16776961; skipped 40 bytes and resynchronised at byte ${before + 40}`);
  });

  it('resynchronises after a trailing length that does not match', () => {
    const b = new PcapngBuilder().shb().idb({ linkType: 1 });
    const before = b.build().length;
    const file = b.epb({ ifId: 0, ts: 2n, data: bytes(8) }).epb({ ifId: 0, ts: 3n, data: bytes(8) }).build();
    new DataView(file.buffer).setUint32(before + 36, 48, true); // trailer of the 1st EPB (length 40)
    const r = parse(file);
    expect(r.frames.map((f) => f.tsNsec)).toEqual([3000]);
    expect(r.warnings[0]!.message).toContain('length 40 does not match its trailing length 48');
  });

  it('warns about an EPB whose captured length overflows the block', () => {
    const file = new PcapngBuilder().shb().idb({ linkType: 1 }).epb({ ifId: 0, ts: 0n, data: bytes(8), capLen: 200 }).build();
    const r = parse(file);
    expect(r.frames).toEqual([]);
    expect(r.warnings.map((w) => w.code)).toEqual(['pcapng.bad-packet-length']);
  });

  it('warns about a truncated last block', () => {
    const file = new PcapngBuilder().shb().idb({ linkType: 1 }).epb({ ifId: 0, ts: 0n, data: bytes(8) }).epb({ ifId: 0, ts: 0n, data: bytes(8) }).build();
    const r = parse(file.subarray(0, file.length - 3));
    expect(r.frames).toHaveLength(1);
    expect(r.warnings).toEqual([{ code: 'pcapng.truncated-block', offset: 92, frame: 1, message: 'test.pcap: truncated last block at byte 92 (after frame 1): only 37 of 40 bytes' }]);
  });

  it('fails on a first section header that cannot be read', () => {
    const file = new PcapngBuilder().shb().build();
    expect(parse(file.subarray(0, 10)).error?.code).toBe('ERR_CAPTURE_TRUNCATED');
    const badBom = file.slice();
    badBom[8] = 0x99;
    expect(parse(badBom).error?.code).toBe('ERR_CAPTURE_CORRUPT');
  });
});

describe('split invariance', () => {
  const damaged = (() => {
    const f = pcapFile({ records: Array.from({ length: 8 }, (_, i) => ({ tsSec: 1000 + i, tsFrac: i, data: bytes(20 + i * 9, i), ...(i === 3 ? { capLen: 0x01000000 } : {}) })) });
    return f;
  })();
  const inputs: Array<[string, Uint8Array]> = [
    ['pcap be ns', pcapFile({ le: false, nano: true, records: Array.from({ length: 6 }, (_, i) => ({ tsSec: i, tsFrac: i * 1000, data: bytes(i * 13, i) })) })],
    ['pcapng rich', richPcapng()],
    ['pcap damaged', damaged],
    ['pcap truncated', damaged.subarray(0, damaged.length - 7)],
  ];
  for (const [name, input] of inputs) {
    it(`gives the same frames, warnings and secrets at every chunking: ${name}`, () => {
      const whole = parse(input);
      expect(whole.frames.length).toBeGreaterThan(0);
      fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 200 }), (chunks) => {
        const r = parse(input, chunks);
        expect(r.frames).toEqual(whole.frames);
        expect(r.warnings).toEqual(whole.warnings);
        expect(r.secretsSeen).toEqual(whole.secretsSeen);
      }), { numRuns: 150 });
      // One byte at a time as well.
      expect(parse(input, Array(input.length).fill(1)).frames).toEqual(whole.frames);
    });
  }
});

describe('hostile input', () => {
  it('never throws on random bytes after a valid header', () => {
    fc.assert(fc.property(fc.boolean(), fc.uint8Array({ maxLength: 600 }), (ng, tail) => {
      const head = ng ? new PcapngBuilder().shb().idb({ linkType: 1 }).build() : pcapFile({ records: [] });
      const sink = collector();
      const p = new CaptureParser(sink);
      p.push(Buffer.concat([head, tail]));
      p.end();
      expect(p.error).toBeUndefined();
    }), { numRuns: 300 });
  });
});
