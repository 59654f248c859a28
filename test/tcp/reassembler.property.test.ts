import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TcpReassembler } from '../../src/tcp/reassembler.js';
import { RecordingFactory, Wire } from './helpers.js';

interface Piece {
  off: number;
  len: number;
}

/** Cuts [0, n) at the given points into consecutive pieces. */
function cut(n: number, points: number[]): Piece[] {
  const cuts = [...new Set(points.map((p) => p % n))].filter((p) => p > 0).sort((a, b) => a - b);
  const out: Piece[] = [];
  let prev = 0;
  for (const c of [...cuts, n]) {
    out.push({ off: prev, len: c - prev });
    prev = c;
  }
  return out;
}

/** Sends a handshake, then `order` (indexes into pieces) as client segments, then a FIN; returns the recorder. */
function replay(stream: Uint8Array, pieces: Piece[], order: number[], isn: number) {
  const factory = new RecordingFactory();
  const r = new TcpReassembler(factory);
  const w = new Wire();
  r.packet(...w.pkt('c', 'S', isn, 0));
  r.packet(...w.pkt('s', 'SA', 9, isn + 1));
  for (const i of order) {
    const p = pieces[i]!;
    r.packet(...w.pkt('c', 'PA', (isn + 1 + p.off) >>> 0, 10, stream.subarray(p.off, p.off + p.len)));
  }
  r.packet(...w.pkt('c', 'FA', (isn + 1 + stream.length) >>> 0, 10));
  r.finish();
  return { rec: factory.opened[0]!, stats: r.stats() };
}

const arbIsn = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 2 ** 32 - 3000, max: 2 ** 32 - 1 }));

describe('TcpReassembler properties', () => {
  it('any segmentation, reordering and duplication delivers exactly the stream', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 3000 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.nat(),
        arbIsn,
        (bytes, points, dups, seed, isn) => {
          const pieces = cut(bytes.length, points);
          const order = pieces.map((_, i) => i);
          for (const d of dups) order.push(d % pieces.length);
          // Deterministic shuffle from the seed (fast-check shrinks the seed).
          let s = seed;
          for (let i = order.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            const j = s % (i + 1);
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          const { rec, stats } = replay(bytes, pieces, order, isn);
          expect(rec.stream(0)).toBe(Buffer.from(bytes).toString('latin1'));
          expect(rec.events.filter((e) => e.t === 'gap')).toEqual([]);
          expect(rec.summary?.retransmissionMismatches).toEqual([]);
          expect(rec.compact().slice(-3)).toEqual(['c:end fin', 's:end capture-end', 'close']);
          expect(stats.bufferedBytes).toBe(0);
          // Offsets are consecutive.
          let off = 0;
          for (const e of rec.events) {
            if (e.t !== 'data') continue;
            expect(e.off).toBe(off);
            off += e.text.length;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('holes are delivered as gaps of exactly the missing length, the rest intact', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 2, maxLength: 2000 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        fc.array(fc.boolean(), { minLength: 31, maxLength: 31 }),
        fc.boolean(),
        arbIsn,
        (bytes, points, keepMask, reverse, isn) => {
          const pieces = cut(bytes.length, points);
          let order = pieces.map((_, i) => i).filter((i) => keepMask[i % keepMask.length]);
          if (reverse) order = order.reverse();
          const { rec } = replay(bytes, pieces, order, isn);
          // Expected rendering: kept bytes verbatim, each maximal missing run as one gap.
          const kept = new Set(order);
          let expected = '';
          let missing = 0;
          pieces.forEach((p, i) => {
            if (kept.has(i)) {
              if (missing > 0) expected += `[gap ${missing}]`;
              missing = 0;
              expected += Buffer.from(bytes.subarray(p.off, p.off + p.len)).toString('latin1');
            } else {
              missing += p.len;
            }
          });
          if (missing > 0) expected += `[gap ${missing}]`;
          expect(rec.stream(0)).toBe(expected);
          const gapTotal = pieces.filter((_, i) => !kept.has(i)).reduce((a, p) => a + p.len, 0);
          expect(rec.summary?.gapBytes[0]).toBe(gapTotal);
        },
      ),
      { numRuns: 300 },
    );
  });
});
