/**
 * The LineFramer's optional lineRange fast path: whatever the chunking, a handler that takes some
 * lines as ranges and the rest through line() sees exactly the lines (bytes and LineInfo) of a
 * handler without it; declined lines come through line() once; lines buffered across chunks or cut
 * as overlong are never offered as ranges.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineFramer, type LineInfo } from '../../../src/protocols/framing/line-framer.js';

type Seen = { text: string; info: LineInfo; via: 'range' | 'line' };

function run(chunks: Uint8Array[], opts: { range: boolean; accept?: (text: string) => boolean; maxLine?: number }): Seen[] {
  const out: Seen[] = [];
  const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
  const framer = new LineFramer({
    line(bytes, info) {
      out.push({ text: text(bytes), info: { ...info }, via: 'line' });
    },
    raw() {},
    ...(opts.range
      ? {
          lineRange(buf: Uint8Array, start: number, end: number, info: LineInfo) {
            const t = text(buf.subarray(start, end));
            if (!(opts.accept?.(t) ?? true)) return false;
            out.push({ text: t, info: { ...info }, via: 'range' });
            return true;
          },
        }
      : {}),
  }, opts.maxLine ?? 1024);
  let off = 0;
  let frame = 1;
  for (const c of chunks) {
    framer.push(c, { streamOffset: off, firstFrame: frame, lastFrame: frame, ts: frame / 10 });
    off += c.length;
    frame++;
  }
  return out;
}

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    if (p > prev) chunks.push(bytes.subarray(prev, p));
    prev = p;
  }
  return chunks;
}

const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const strip = (xs: Seen[]) => xs.map(({ text, info }) => ({ text, info }));

describe('LineFramer lineRange fast path', () => {
  it('offers whole lines of a chunk as ranges, and lines spanning chunks through line()', () => {
    const seen = run([enc('+OK 3 octets\r\nab'), enc('c\r\n.\n')], { range: true });
    expect(seen.map((s) => [s.text, s.via, s.info.bareLf, s.info.length, s.info.streamOffset, s.info.firstFrame, s.info.lastFrame])).toEqual([
      ['+OK 3 octets', 'range', false, 12, 0, 1, 1],
      ['abc', 'line', false, 3, 14, 1, 2],
      ['.', 'range', true, 1, 19, 2, 2],
    ]);
  });

  it('a declined line comes through line() exactly once', () => {
    const seen = run([enc('one\r\n.\r\ntwo\r\n')], { range: true, accept: (t) => t !== '.' });
    expect(seen.map((s) => `${s.via}:${s.text}`)).toEqual(['range:one', 'line:.', 'range:two']);
  });

  it('never offers an overlong line as a range', () => {
    const seen = run([enc(`${'x'.repeat(40)}\r\nshort\r\n`)], { range: true, maxLine: 16 });
    expect(seen.map((s) => [s.via, s.info.overlong, s.info.length])).toEqual([
      ['line', true, 40],
      ['range', false, 5],
    ]);
  });

  it('gives the same lines and LineInfo as line() alone, for any chunking and any accept rule', () => {
    const line = fc.tuple(fc.stringMatching(/^[.a-z ]{0,12}$/), fc.constantFrom('\r\n', '\n'));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.array(fc.nat(400), { maxLength: 12 }), fc.nat(3), (lines, cuts, rule) => {
        const bytes = enc(lines.map(([t, e]) => t + e).join(''));
        const chunks = split(bytes, cuts);
        const accept = [() => true, () => false, (t: string) => t.startsWith('.'), (t: string) => t.length % 2 === 0][rule]!;
        const plain = run(chunks, { range: false, maxLine: 8 });
        const fast = run(chunks, { range: true, accept, maxLine: 8 });
        expect(strip(fast)).toEqual(strip(plain));
        for (const s of fast) if (s.via === 'range') expect(s.info.overlong).toBe(false);
      }),
    );
  });
});
