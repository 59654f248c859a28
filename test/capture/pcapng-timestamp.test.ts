import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isValidTsresol, TimestampResolution } from '../../src/capture/pcapng-timestamp.js';

/** Reference conversion in BigInt arithmetic, straight from the pcapng definition. */
function reference(tsresol: number, units: bigint, offset: number): { sec: number; nsec: number } {
  const n = BigInt(tsresol & 0x7f);
  const perSec = (tsresol & 0x80) !== 0 ? 1n << n : 10n ** n;
  return { sec: Number(units / perSec) + offset, nsec: Number(((units % perSec) * 1_000_000_000n) / perSec) };
}

describe('TimestampResolution', () => {
  it('converts the default microsecond unit', () => {
    const t = new TimestampResolution();
    const units = 1_700_000_000_123_456n; // µs
    t.convert(Number(units >> 32n), Number(units & 0xffffffffn));
    expect({ sec: t.sec, nsec: t.nsec }).toEqual({ sec: 1_700_000_000, nsec: 123_456_000 });
  });

  it('matches exact BigInt arithmetic for every resolution, any 64-bit value and an offset', () => {
    const resol = fc.oneof(fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0, max: 63 }).map((n) => 0x80 | n));
    fc.assert(fc.property(resol, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: -1e6, max: 1e6 }), (r, units, off) => {
      const want = reference(r, units, off);
      // Seconds beyond 2^53 cannot be exact as numbers (and mean nothing as dates).
      fc.pre(Math.abs(want.sec) < 2 ** 53);
      const t = new TimestampResolution(r, off);
      t.convert(Number(units >> 32n), Number(units & 0xffffffffn));
      expect(t.sec).toBe(want.sec);
      expect(t.nsec).toBe(want.nsec);
    }), { numRuns: 2000 });
  });

  it('validates if_tsresol', () => {
    expect([0, 6, 9, 19, 0x80, 0x8a, 0xbf].every(isValidTsresol)).toBe(true);
    expect([20, 0x7f, 0xc0, 0xff].some(isValidTsresol)).toBe(false);
  });
});
