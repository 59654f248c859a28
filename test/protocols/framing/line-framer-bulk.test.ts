/**
 * The LineFramer's optional bulk hook: whatever the chunking, a handler that takes some lines in bulk
 * and the rest through line() sees exactly the lines (bytes and LineInfo) of a handler without it;
 * a line it declines comes through line() once; it is offered lines completed across chunks (the
 * framer's buffer, LF included) and never a line longer than the cap.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineFramer, type LineInfo } from '../../../src/protocols/framing/line-framer.js';

type Seen = { text: string; info: LineInfo; via: 'bulk' | 'line' };

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/**
 * A bulk handler that takes, from `start`, the complete lines `accept` agrees to (stopping at the
 * first it declines), recording each with the LineInfo the framer would have given it.
 */
function bulkTaker(out: Seen[], accept: (t: string) => boolean) {
  return (buf: Uint8Array, start: number, end: number, info: LineInfo, max: number): number => {
    let p = start;
    while (p < end) {
      const lf = buf.indexOf(0x0a, p);
      if (lf < 0 || lf >= end || lf - p > max) break;
      const bareLf = !(lf > p && buf[lf - 1] === 0x0d);
      const stop = bareLf ? lf : lf - 1;
      const t = text(buf.subarray(p, stop));
      if (!accept(t)) break;
      // All lines offered together started in the same chunk: only the stream offset moves on.
      out.push({ text: t, info: { ...info, bareLf, overlong: false, length: stop - p, streamOffset: info.streamOffset + (p - start) }, via: 'bulk' });
      p = lf + 1;
    }
    return p;
  };
}

function run(chunks: Uint8Array[], opts: { bulk: boolean; accept?: (text: string) => boolean; maxLine?: number }): Seen[] {
  const out: Seen[] = [];
  const framer = new LineFramer({
    line(bytes, info) {
      out.push({ text: text(bytes), info: { ...info }, via: 'line' });
    },
    raw() {},
    ...(opts.bulk ? { bulk: bulkTaker(out, opts.accept ?? (() => true)) } : {}),
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

describe('LineFramer bulk hook', () => {
  it('offers the lines of a chunk in bulk, and a line completed across chunks from its buffer', () => {
    const seen = run([enc('+OK 3 octets\r\nab'), enc('c\r\n.\n')], { bulk: true });
    expect(seen.map((s) => [s.text, s.via, s.info.bareLf, s.info.length, s.info.streamOffset, s.info.firstFrame, s.info.lastFrame])).toEqual([
      ['+OK 3 octets', 'bulk', false, 12, 0, 1, 1],
      ['abc', 'bulk', false, 3, 14, 1, 2],
      ['.', 'bulk', true, 1, 19, 2, 2],
    ]);
  });

  it('a declined line comes through line() exactly once, and bulk resumes after it', () => {
    const seen = run([enc('one\r\n.\r\ntwo\r\nthr'), enc('ee\r\n.\r\n')], { bulk: true, accept: (t) => t !== '.' });
    expect(seen.map((s) => `${s.via}:${s.text}`)).toEqual(['bulk:one', 'line:.', 'bulk:two', 'bulk:three', 'line:.']);
  });

  it('never offers an overlong line, in one chunk or across chunks', () => {
    const seen = run([enc(`${'x'.repeat(40)}\r\nshort\r\n${'y'.repeat(10)}`), enc(`${'y'.repeat(10)}\r\n`)], { bulk: true, maxLine: 16 });
    expect(seen.map((s) => [s.via, s.info.overlong, s.info.length])).toEqual([
      ['line', true, 40],
      ['bulk', false, 5],
      ['line', true, 20],
    ]);
  });

  it('gives the same lines and LineInfo as line() alone, for any chunking and any accept rule', () => {
    const line = fc.tuple(fc.stringMatching(/^[.a-z \r]{0,12}$/), fc.constantFrom('\r\n', '\n'));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.array(fc.nat(400), { maxLength: 12 }), fc.nat(3), (lines, cuts, rule) => {
        const bytes = enc(lines.map(([t, e]) => t + e).join(''));
        const chunks = split(bytes, cuts);
        const accept = [() => true, () => false, (t: string) => t.startsWith('.'), (t: string) => t.length % 2 === 0][rule]!;
        const plain = run(chunks, { bulk: false, maxLine: 8 });
        const fast = run(chunks, { bulk: true, accept, maxLine: 8 });
        expect(strip(fast)).toEqual(strip(plain));
        for (const s of fast) if (s.via === 'bulk') expect(s.info.overlong).toBe(false);
      }),
    );
  });
});
