import { constants, createDeflateRaw, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RawInflater } from '../../../src/protocols/framing/raw-inflate.js';

const deflate = (b: Uint8Array, level = 6) => new Uint8Array(deflateRawSync(b, { level, finishFlush: constants.Z_SYNC_FLUSH }));

function inflateChunks(z: Uint8Array, cuts: number[]): { out: Buffer; inf: RawInflater } {
  const inf = new RawInflater();
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const c of [...cuts.filter((x) => x > 0 && x < z.length).sort((a, b) => a - b), z.length]) {
    if (c <= from) continue;
    parts.push(inf.push(z.subarray(from, c)));
    from = c;
  }
  return { out: Buffer.concat(parts), inf };
}

describe('RawInflater', () => {
  it('inflates stored, fixed and dynamic blocks produced by zlib, at any chunking', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.constantFrom(0, 1, 9), fc.array(fc.nat(4000), { maxLength: 8 }), (data, level, cuts) => {
        const text = Buffer.concat([Buffer.from(data), Buffer.from('* 1 FETCH (FLAGS (\\Seen))\r\n'.repeat(20))]);
        const { out, inf } = inflateChunks(deflate(text, level), cuts);
        expect(inf.error).toBeUndefined();
        expect(out.equals(text)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('continues one stream across sync-flushed messages (one inflater per direction)', async () => {
    // A zlib stream flushed with Z_SYNC_FLUSH after each message, as an IMAP COMPRESS peer does;
    // later messages refer back to earlier ones through the shared window.
    const msgs = ['a1 OK first message\r\n', '* 2 EXISTS\r\n', 'a2 OK first message again\r\n'];
    const d = createDeflateRaw();
    const pieces: Uint8Array[] = [];
    d.on('data', (b: Buffer) => pieces.push(new Uint8Array(b)));
    const flushed: Uint8Array[] = [];
    for (const m of msgs) {
      d.write(m);
      await new Promise<void>((resolve) => d.flush(constants.Z_SYNC_FLUSH, () => resolve()));
      flushed.push(new Uint8Array(Buffer.concat(pieces.splice(0))));
    }
    const inf = new RawInflater();
    expect(flushed.map((z) => Buffer.from(inf.push(z)).toString())).toEqual(msgs);
    expect(inf.error).toBeUndefined();
  });

  it('reports invalid data as an error value and then stays silent', () => {
    const inf = new RawInflater();
    expect(inf.push(new Uint8Array([0xff, 0xff, 0xff]))).toEqual(new Uint8Array(0));
    expect(inf.error).toBe('invalid block type 3');
    expect(inf.push(new Uint8Array([1, 2, 3])).length).toBe(0);
  });

  it('stops at the output cap (decompression bombs)', () => {
    const inf = new RawInflater();
    inf.push(deflate(new Uint8Array(100_000)), 1000);
    expect(inf.error).toMatch(/over the cap/);
  });
});
