/**
 * Converts pcapng 64-bit timestamps (units since the epoch, unit given by if_tsresol) into whole
 * seconds + nanoseconds, exactly. Decimal resolutions down to 1 ns take an allocation-free path
 * (long division in 16-bit digits, every intermediate stays below 2^53); other resolutions
 * (powers of two, finer than 1 ns) use BigInt, which only unusual files need.
 */
export class TimestampResolution {
  /** Result of the last convert(): seconds since the epoch (if_tsoffset included). */
  sec = 0;
  /** Result of the last convert(): nanoseconds within `sec`. */
  nsec = 0;
  /** Units per second when decimal and <= 1e9, else 0 (BigInt path). */
  private readonly divisor: number;
  private readonly nsPerUnit: number;
  private readonly pow2: boolean;
  private readonly exponent: bigint;
  private readonly bigDivisor: bigint;

  /**
   * `tsresol` is the if_tsresol option byte (MSB clear: 10^-n s, MSB set: 2^-n s; default 6),
   * `offsetSec` the if_tsoffset value. The caller validates with `isValidTsresol` first.
   */
  constructor(tsresol = 6, private readonly offsetSec = 0) {
    this.pow2 = (tsresol & 0x80) !== 0;
    const n = tsresol & 0x7f;
    this.exponent = BigInt(n);
    this.bigDivisor = this.pow2 ? 1n << this.exponent : 10n ** this.exponent;
    this.divisor = !this.pow2 && n <= 9 ? 10 ** n : 0;
    this.nsPerUnit = this.divisor ? 10 ** (9 - n) : 0;
  }

  /** Sets `sec` and `nsec` from the two 32-bit halves of a timestamp. */
  convert(high: number, low: number): void {
    const d = this.divisor;
    if (d !== 0) {
      const qh = Math.floor(high / d);
      const t1 = (high - qh * d) * 65536 + (low >>> 16);
      const q1 = Math.floor(t1 / d);
      const t0 = (t1 - q1 * d) * 65536 + (low & 0xffff);
      const q0 = Math.floor(t0 / d);
      this.sec = qh * 4294967296 + q1 * 65536 + q0 + this.offsetSec;
      this.nsec = (t0 - q0 * d) * this.nsPerUnit;
      return;
    }
    const units = (BigInt(high) << 32n) | BigInt(low);
    let rem: bigint;
    if (this.pow2) {
      this.sec = Number(units >> this.exponent) + this.offsetSec;
      rem = units & (this.bigDivisor - 1n);
    } else {
      this.sec = Number(units / this.bigDivisor) + this.offsetSec;
      rem = units % this.bigDivisor;
    }
    this.nsec = Number((rem * 1_000_000_000n) / this.bigDivisor);
  }
}

/** Whether an if_tsresol byte describes a unit a 64-bit counter can use (10^-0..10^-19, 2^-0..2^-63). */
export function isValidTsresol(tsresol: number): boolean {
  const n = tsresol & 0x7f;
  return (tsresol & 0x80) !== 0 ? n <= 63 : n <= 19;
}
