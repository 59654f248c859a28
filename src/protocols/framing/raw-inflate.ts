/**
 * A small synchronous, stateful, streaming raw DEFLATE (RFC 1951) decoder, for IMAP
 * COMPRESS=DEFLATE (RFC 4978): one instance per direction for the rest of the connection, fed
 * the compressed bytes in any chunking, returning what inflated so far.
 *
 * Why our own: Node's zlib offers a synchronous call only for a whole buffer (its internal
 * `_processChunk` closes the stream after one call), and the streaming objects are asynchronous,
 * while dissectors are synchronous push parsers. Decoding resumes exactly where input ran out:
 * every symbol (and every block header) is decoded atomically, and when the input ends inside one
 * the bit position is rolled back to its start until more bytes come.
 *
 * Never throws: invalid data sets `error` and the inflater stops producing output.
 */

const WINDOW_BYTES = 32 * 1024;
/** Output kept per push before it is handed out (grows as needed up to the caller's cap). */
const INITIAL_OUT_BYTES = 4096;

/** Length base and extra bits for codes 257..285 (RFC 1951 §3.2.5). */
const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** Order of code length code lengths (RFC 1951 §3.2.7). */
const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Canonical Huffman table: count of codes per length and symbols ordered by code. */
interface Huffman {
  count: Uint16Array;
  symbol: Uint16Array;
}

/** Thrown internally (never out of push) when the input ends inside an atomic step. */
const NEED_MORE = Symbol('need-more');

function buildHuffman(lengths: ArrayLike<number>, n: number): Huffman | undefined {
  const count = new Uint16Array(16);
  const symbol = new Uint16Array(n);
  for (let s = 0; s < n; s++) count[lengths[s]!]!++;
  if (count[0] === n) return { count, symbol };
  let left = 1;
  for (let len = 1; len < 16; len++) {
    left = (left << 1) - count[len]!;
    if (left < 0) return undefined; // over-subscribed
  }
  const offs = new Uint16Array(16);
  for (let len = 1; len < 15; len++) offs[len + 1] = offs[len]! + count[len]!;
  for (let s = 0; s < n; s++) if (lengths[s] !== 0) symbol[offs[lengths[s]!]!++] = s;
  return { count, symbol };
}

let FIXED_LIT: Huffman | undefined;
let FIXED_DIST: Huffman | undefined;
function fixedTables(): [Huffman, Huffman] {
  if (!FIXED_LIT || !FIXED_DIST) {
    const l = new Uint8Array(288);
    l.fill(8, 0, 144);
    l.fill(9, 144, 256);
    l.fill(7, 256, 280);
    l.fill(8, 280, 288);
    FIXED_LIT = buildHuffman(l, 288)!;
    FIXED_DIST = buildHuffman(new Uint8Array(30).fill(5), 30)!;
  }
  return [FIXED_LIT, FIXED_DIST];
}

export class RawInflater {
  /** Why decoding stopped (invalid data); undefined while healthy. */
  error: string | undefined;
  /** The final block was decoded: later input is not DEFLATE data. */
  finished = false;
  /** Total bytes produced. */
  totalOut = 0;

  private input: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private bitBuf = 0;
  private bitCnt = 0;
  private readonly window = new Uint8Array(WINDOW_BYTES);
  private out: Uint8Array = new Uint8Array(INITIAL_OUT_BYTES);
  private outLen = 0;
  private maxOut = Infinity;
  /** Current block: 'header' = between blocks. */
  private mode: 'header' | 'stored' | 'huffman' = 'header';
  private storedLeft = 0;
  private lastBlock = false;
  private lit: Huffman | undefined;
  private dist: Huffman | undefined;

  /**
   * Feeds compressed bytes; returns the bytes inflated from them (a fresh array the caller owns).
   * `maxOutBytes` caps the output of this call (decompression bombs): when hit, `error` is set.
   */
  push(chunk: Uint8Array, maxOutBytes = Infinity): Uint8Array {
    if (this.error || chunk.length === 0) return new Uint8Array(0);
    if (this.finished) {
      this.error = 'data after the final DEFLATE block';
      return new Uint8Array(0);
    }
    // Unconsumed bytes from the previous call (an interrupted symbol) come first.
    const rest = this.input.length - this.pos;
    if (rest > 0) {
      const merged = new Uint8Array(rest + chunk.length);
      merged.set(this.input.subarray(this.pos));
      merged.set(chunk, rest);
      this.input = merged;
    } else {
      this.input = new Uint8Array(chunk); // a copy, kept for the next call (slice() of a Buffer is a view)
    }
    this.pos = 0;
    this.outLen = 0;
    this.maxOut = maxOutBytes;
    try {
      this.run();
    } catch (e) {
      if (e !== NEED_MORE) this.error = e instanceof Error ? e.message : String(e);
    }
    return this.out.slice(0, this.outLen);
  }

  private run(): void {
    for (;;) {
      if (this.error) return;
      if (this.mode === 'header') {
        if (this.lastBlock) {
          this.finished = true;
          return;
        }
        const snap = this.snapshot();
        try {
          this.readBlockHeader();
        } catch (e) {
          this.restore(snap);
          throw e;
        }
      } else if (this.mode === 'stored') {
        // Stored bytes are byte aligned: copy what is there.
        while (this.storedLeft > 0) {
          if (this.pos >= this.input.length) throw NEED_MORE;
          this.emit(this.input[this.pos++]!);
          this.storedLeft--;
        }
        this.mode = 'header';
      } else {
        const snap = this.snapshot();
        let done: boolean;
        try {
          done = this.decodeSymbol();
        } catch (e) {
          this.restore(snap);
          throw e;
        }
        if (done) this.mode = 'header';
      }
    }
  }

  private snapshot(): [number, number, number] {
    return [this.pos, this.bitBuf, this.bitCnt];
  }

  private restore(s: [number, number, number]): void {
    [this.pos, this.bitBuf, this.bitCnt] = s;
  }

  private bits(n: number): number {
    let val = this.bitBuf;
    while (this.bitCnt < n) {
      if (this.pos >= this.input.length) throw NEED_MORE;
      val |= this.input[this.pos++]! << this.bitCnt;
      this.bitCnt += 8;
    }
    this.bitBuf = val >>> n;
    this.bitCnt -= n;
    return val & ((1 << n) - 1);
  }

  private decode(h: Huffman): number {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      code |= this.bits(1);
      const count = h.count[len]!;
      if (code - count < first) return h.symbol[index + (code - first)]!;
      index += count;
      first += count;
      first <<= 1;
      code <<= 1;
    }
    throw new Error('invalid Huffman code');
  }

  private readBlockHeader(): void {
    const last = this.bits(1);
    const type = this.bits(2);
    if (type === 0) {
      this.bitBuf = 0;
      this.bitCnt = 0;
      if (this.pos + 4 > this.input.length) throw NEED_MORE;
      const len = this.input[this.pos]! | (this.input[this.pos + 1]! << 8);
      const nlen = this.input[this.pos + 2]! | (this.input[this.pos + 3]! << 8);
      if (len !== (~nlen & 0xffff)) throw new Error('stored block length check failed');
      this.pos += 4;
      this.storedLeft = len;
      this.mode = 'stored';
    } else if (type === 1) {
      [this.lit, this.dist] = fixedTables();
      this.mode = 'huffman';
    } else if (type === 2) {
      this.readDynamicTables();
      this.mode = 'huffman';
    } else {
      throw new Error('invalid block type 3');
    }
    this.lastBlock = last === 1;
  }

  private readDynamicTables(): void {
    const nlen = this.bits(5) + 257;
    const ndist = this.bits(5) + 1;
    const ncode = this.bits(4) + 4;
    if (nlen > 286 || ndist > 30) throw new Error('bad counts in dynamic block header');
    const lengths = new Uint8Array(320);
    for (let i = 0; i < ncode; i++) lengths[CLEN_ORDER[i]!] = this.bits(3);
    const lencode = buildHuffman(lengths, 19);
    if (!lencode) throw new Error('bad code length code lengths');
    lengths.fill(0);
    let i = 0;
    while (i < nlen + ndist) {
      const sym = this.decode(lencode);
      if (sym < 16) {
        lengths[i++] = sym;
        continue;
      }
      let len = 0;
      let rep: number;
      if (sym === 16) {
        if (i === 0) throw new Error('repeat with no first length');
        len = lengths[i - 1]!;
        rep = 3 + this.bits(2);
      } else if (sym === 17) rep = 3 + this.bits(3);
      else rep = 11 + this.bits(7);
      if (i + rep > nlen + ndist) throw new Error('too many lengths');
      while (rep-- > 0) lengths[i++] = len;
    }
    if (lengths[256] === 0) throw new Error('no end-of-block code');
    const lit = buildHuffman(lengths.subarray(0, nlen), nlen);
    const dist = buildHuffman(lengths.subarray(nlen, nlen + ndist), ndist);
    if (!lit || !dist) throw new Error('over-subscribed Huffman lengths');
    this.lit = lit;
    this.dist = dist;
  }

  /** Decodes one literal/length(+distance) symbol; true at end of block. */
  private decodeSymbol(): boolean {
    const sym = this.decode(this.lit!);
    if (sym < 256) {
      this.emit(sym);
      return false;
    }
    if (sym === 256) return true;
    const li = sym - 257;
    if (li >= 29) throw new Error('invalid length symbol');
    const len = LEN_BASE[li]! + this.bits(LEN_EXTRA[li]!);
    const di = this.decode(this.dist!);
    if (di >= 30) throw new Error('invalid distance symbol');
    const d = DIST_BASE[di]! + this.bits(DIST_EXTRA[di]!);
    if (d > this.totalOut) throw new Error('distance too far back');
    for (let k = 0; k < len; k++) this.emit(this.window[(this.totalOut - d) & (WINDOW_BYTES - 1)]!);
    return false;
  }

  private emit(b: number): void {
    if (this.outLen >= this.maxOut) throw new Error('inflated output over the cap (possible decompression bomb)');
    if (this.outLen === this.out.length) {
      const grown = new Uint8Array(this.out.length * 2);
      grown.set(this.out);
      this.out = grown;
    }
    this.out[this.outLen++] = b;
    this.window[this.totalOut & (WINDOW_BYTES - 1)] = b;
    this.totalOut++;
  }
}
