import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineFramer, type LineInfo } from '../../../src/protocols/framing/line-framer.js';

type Out = Array<{ t: 'line'; text: string; bareLf: boolean; overlong: boolean; length: number } | { t: 'raw'; text: string }>;

function run(chunks: Uint8Array[], maxLine = 1024, rawAfter?: (line: string) => number): Out {
  const out: Out = [];
  const framer: LineFramer = new LineFramer({
    line(bytes, info: LineInfo) {
      const text = Buffer.from(bytes).toString('latin1');
      out.push({ t: 'line', text, bareLf: info.bareLf, overlong: info.overlong, length: info.length });
      const n = rawAfter?.(text) ?? 0;
      if (n > 0) framer.expectRaw(n);
    },
    raw(bytes) {
      const last = out[out.length - 1];
      const text = Buffer.from(bytes).toString('latin1');
      if (last && last.t === 'raw') last.text += text;
      else out.push({ t: 'raw', text });
    },
  }, maxLine);
  let off = 0;
  for (const c of chunks) {
    framer.push(c, { streamOffset: off, firstFrame: 1, lastFrame: 1, ts: 0 });
    off += c.length;
  }
  return out;
}

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

describe('LineFramer', () => {
  it('splits CRLF and bare-LF lines and reports which', () => {
    expect(run([enc('* OK ready\r\nA1 LOGIN x y\n')])).toEqual([
      { t: 'line', text: '* OK ready', bareLf: false, overlong: false, length: 10 },
      { t: 'line', text: 'A1 LOGIN x y', bareLf: true, overlong: false, length: 12 },
    ]);
  });

  it('delivers counted raw bytes after a line, then lines again', () => {
    const s = '* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\nA1 OK done\r\n';
    const literal = (line: string) => (line.endsWith('{5}') ? 5 : 0);
    expect(run([enc(s)], 1024, literal)).toEqual([
      { t: 'line', text: '* 1 FETCH (BODY[] {5}', bareLf: false, overlong: false, length: 21 },
      { t: 'raw', text: 'ab\r\nc' },
      { t: 'line', text: ')', bareLf: false, overlong: false, length: 1 },
      { t: 'line', text: 'A1 OK done', bareLf: false, overlong: false, length: 10 },
    ]);
  });

  it('caps an overlong line and keeps its true length', () => {
    const out = run([enc('x'.repeat(100) + '\r\nok\r\n')], 10);
    expect(out[0]).toEqual({ t: 'line', text: 'xxxxxxxxxx', bareLf: false, overlong: true, length: 100 });
    expect(out[1]).toMatchObject({ text: 'ok', overlong: false });
  });

  it('gives the same result at every chunking', () => {
    const s = '* OK hi\r\nA1 APPEND x {3}\r\nabc\r\nA1 OK\nlast\r\n';
    const literal = (line: string) => (line.endsWith('{3}') ? 3 : 0);
    const whole = run([enc(s)], 1024, literal);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: s.length }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let prev = 0;
        for (const p of [...points, s.length]) {
          if (p > prev) chunks.push(enc(s.slice(prev, p)));
          prev = p;
        }
        expect(run(chunks, 1024, literal)).toEqual(whole);
      }),
    );
  });
});
