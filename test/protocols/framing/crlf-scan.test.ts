/**
 * The CRLF run scanner: its WebAssembly and JS implementations give the same answers (position and
 * line count) for any bytes, range, start and cap, and both match the definition of an ordinary line.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CrlfScanner } from '../../../src/protocols/framing/crlf-scan.js';

const wasm = new CrlfScanner(true);
const js = new CrlfScanner(false);

/** The definition, one line at a time. */
function reference(buf: Uint8Array, p: number, end: number, max: number): { p: number; lines: number } {
  let lines = 0;
  for (;;) {
    let lf = -1;
    for (let i = p; i < end; i++) {
      if (buf[i] === 0x0a) {
        lf = i;
        break;
      }
    }
    if (lf < 0 || lf - p > max || lf === p || buf[lf - 1] !== 0x0d || buf[p] === 0x2e) return { p, lines };
    lines++;
    p = lf + 1;
  }
}

function both(buf: Uint8Array, start: number, end: number, p: number, max: number): Array<{ p: number; lines: number }> {
  return [wasm, js].map((s) => {
    s.load(buf, start, end);
    const q = s.scan(p, max);
    return { p: q, lines: s.lines };
  });
}

const byte = fc.constantFrom(0x0d, 0x0a, 0x2e, 0x61, 0x20, 0x0d, 0x0a, 0x61);

describe('CrlfScanner', () => {
  it('uses WebAssembly when the runtime has it (Node 20)', () => {
    expect(wasm.accelerated).toBe(true);
    expect(js.accelerated).toBe(false);
  });

  it('finds the run of ordinary lines', () => {
    const b = new Uint8Array(Buffer.from(`${'abc\r\n'.repeat(50)}\r\n..x\r\nmore\r\n`, 'latin1'));
    for (const [start, p, expected] of [[0, 0, { p: 252, lines: 51 }], [5, 5, { p: 252, lines: 50 }], [0, 252, { p: 252, lines: 0 }], [0, 257, { p: b.length, lines: 1 }], [0, 255, { p: b.length, lines: 2 }]] as const) {
      expect(both(b, start, b.length, p, 100)).toEqual([expected, expected]);
    }
  });

  it('WebAssembly and JS agree with the definition on random bytes, ranges, starts and caps', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(byte, fc.integer({ min: 0, max: 255 })), { maxLength: 900 }),
        fc.nat(), fc.nat(), fc.nat(), fc.constantFrom(0, 1, 2, 3, 7, 16, 17, 40, 65_536),
        (bytes, a, b, c, max) => {
          // Line-like content: mostly short lines of the bytes that matter.
          const buf = Uint8Array.from(bytes);
          const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
          const end = start + (b % (bytes.length - start + 1));
          const p = start + (c % (end - start + 1));
          const ref = reference(buf, p, end, max);
          expect(both(buf, start, end, p, max)).toEqual([ref, ref]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('agrees on long runs of real text lines, wherever the range starts, with memory growth', () => {
    const words = ['the', 'meeting', 'invoice', '', 'report', '..stuffed', 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo='];
    const lines: string[] = [];
    for (let i = 0; lines.join('\r\n').length < 300_000; i++) lines.push(Array.from({ length: i % 13 }, (_, k) => words[(i + k) % words.length]).join(' '));
    const buf = new Uint8Array(Buffer.from(lines.join('\r\n') + '\r\n', 'latin1'));
    for (let start = 0; start < 400; start += 37) {
      for (const end of [buf.length, buf.length - 1, start + 200, start + 191, start + 5000]) {
        const ref = reference(buf, start, end, 65_536);
        expect(both(buf, start, end, start, 65_536)).toEqual([ref, ref]);
      }
    }
    // Scanning on after each stop (as the POP3 dissector does after a stuffed line).
    for (const s of [wasm, js]) {
      s.load(buf, 0, buf.length);
      let p = 0;
      let total = 0;
      while (p < buf.length) {
        p = s.scan(p, 65_536);
        total += s.lines;
        if (p >= buf.length) break;
        p = buf.indexOf(0x0a, p) + 1;
        total++;
      }
      expect(total).toBe(lines.length);
    }
  });

  it('takes at most 1 MiB of a range into WebAssembly memory: a longer run stops at the line crossing it', () => {
    const buf = new Uint8Array(Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdef\r\n'.repeat(60_000), 'latin1'));
    wasm.load(buf, 0, buf.length);
    const p = wasm.scan(0, 65_536);
    expect(p).toBeLessThanOrEqual(1 << 20);
    expect(p).toBeGreaterThan((1 << 20) - 60);
    expect(wasm.lines).toBe(p / 54);
    js.load(buf, 0, buf.length);
    expect(js.scan(0, 65_536)).toBe(buf.length);
    expect(js.lines).toBe(60_000);
  });
});
