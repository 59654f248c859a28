/**
 * A bounds-checked cursor over a handshake message. Reading past the end never throws: it returns
 * zeros / empty views and clears `ok`, so a parser reads on and checks `ok` once at the end.
 */
export class ByteReader {
  ok = true;
  pos: number;
  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length) {
    this.pos = start;
  }
  get remaining(): number {
    return this.end - this.pos;
  }
  u8(): number {
    if (this.pos + 1 > this.end) return this.fail();
    return this.buf[this.pos++]!;
  }
  u16(): number {
    if (this.pos + 2 > this.end) return this.fail();
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  u24(): number {
    if (this.pos + 3 > this.end) return this.fail();
    const v = (this.buf[this.pos]! << 16) | (this.buf[this.pos + 1]! << 8) | this.buf[this.pos + 2]!;
    this.pos += 3;
    return v;
  }
  bytes(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.end) {
      this.fail();
      this.pos = this.end;
      return new Uint8Array(0);
    }
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** A sub-reader over the next `n` bytes (a length-prefixed vector), advancing past them. */
  sub(n: number): ByteReader {
    const v = this.bytes(n);
    const r = new ByteReader(v);
    r.ok = this.ok;
    return r;
  }
  private fail(): number {
    this.ok = false;
    return 0;
  }
}
