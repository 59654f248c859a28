import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { readCapture } from '../../src/capture/read-capture.js';
import { bytes, collector } from '../helpers/capture-builders.js';

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'mailwire-writer-')); });
afterAll(() => { rmSync(tmp, { recursive: true, force: true }); });

describe('PcapWriter', () => {
  it('writes a µs pcap that reads back frame for frame, owner-only', async () => {
    const path = join(tmp, 'out.pcap');
    const w = new PcapWriter(path, 101, 65535);
    w.write(1_700_000_000, 123_456_789, bytes(40, 1));
    w.write(1_700_000_001, 5_000, bytes(1500, 2), 9000);
    w.close();
    w.close(); // idempotent
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const file = readFileSync(path);
    expect(file.subarray(0, 24).toString('hex')).toBe('d4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + 'ffff0000' + '65000000');
    const sink = collector();
    const stats = await readCapture(path, sink);
    expect(stats).toMatchObject({ format: 'pcap', frames: 2, warnings: 0 });
    expect(sink.frames.map(({ hex: _h, ...f }) => f)).toEqual([
      { index: 1, tsSec: 1_700_000_000, tsNsec: 123_456_000, capLen: 40, wireLen: 40, linkType: 101, interfaceId: 0, fileOffset: 24 },
      { index: 2, tsSec: 1_700_000_001, tsNsec: 5_000, capLen: 1500, wireLen: 9000, linkType: 101, interfaceId: 0, fileOffset: 80 },
    ]);
    expect(sink.frames[1]!.hex).toBe(Buffer.from(bytes(1500, 2)).toString('hex'));
  });

  it('writes nanosecond files, cuts data at the snaplen and keeps the wire length', async () => {
    const path = join(tmp, 'ns.pcap');
    const w = new PcapWriter(path, 1, 100, { nanosecond: true });
    w.write(7, 999_999_999, bytes(300, 3));
    w.close();
    const sink = collector();
    expect((await readCapture(path, sink)).format).toBe('pcap-ns');
    expect(sink.frames[0]).toMatchObject({ tsSec: 7, tsNsec: 999_999_999, capLen: 100, wireLen: 300, hex: Buffer.from(bytes(100, 3)).toString('hex') });
  });

  it('tightens an existing file to 0o600 and writes records bigger than its buffer', async () => {
    const path = join(tmp, 'existing.pcap');
    writeFileSync(path, 'old');
    chmodSync(path, 0o644);
    const w = new PcapWriter(path, 1, 1 << 20);
    const big = bytes(600_000, 4);
    w.write(1, 0, bytes(10));
    w.write(2, 0, big);
    w.write(3, 0, bytes(10));
    w.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const sink = collector();
    await readCapture(path, sink);
    expect(sink.frames.map((f) => f.capLen)).toEqual([10, 600_000, 10]);
    expect(sink.frames[1]!.hex).toBe(Buffer.from(big).toString('hex'));
  });

  it('copies frames from a source with writeFrame, and writes to a given fd without closing it', async () => {
    const path = join(tmp, 'fd.pcap');
    const fd = openSync(path, 'w', 0o600);
    const w = new PcapWriter(fd, 1, 65535);
    const frame = { index: 1, tsSec: 9, tsNsec: 1_000, capLen: 3, wireLen: 60, linkType: 1, interfaceId: 0, buf: Uint8Array.from([0, 1, 2, 3, 4]), offset: 1, fileOffset: 0 };
    w.writeFrame(frame);
    w.close();
    closeSync(fd); // still open: the writer did not own it
    const sink = collector();
    await readCapture(path, sink);
    expect(sink.frames).toMatchObject([{ tsSec: 9, tsNsec: 1_000, capLen: 3, wireLen: 60, hex: '010203' }]);
  });

  it('throws ERR_OUTPUT for a path it cannot create', () => {
    expect(() => new PcapWriter(join(tmp, 'no-such-dir', 'x.pcap'), 1, 65535)).toThrow(expect.objectContaining({ code: 'ERR_OUTPUT' }));
  });
});
