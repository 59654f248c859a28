/**
 * Finds where a run of ordinary CRLF text lines stops, and how many lines it holds, without a call
 * per line: the bulk path of POP3 message bodies (the bytes are most of a POP3 capture, and a
 * `indexOf` per line cost about as much as everything else done with the line).
 *
 * An ordinary line, for this scan: complete (its LF is in the range), ends with CRLF, is no longer
 * than `maxLineBytes` (LF excluded, CR included) and does not start with "." (dot-stuffed lines and
 * the "." terminator are the caller's). The scan stops at the first line that is not ordinary.
 *
 * Two implementations with the same answer: a WebAssembly function that looks at 16 bytes per step
 * (SIMD compare for LF; per line only its checks), used for ranges of `WASM_MIN_BYTES` and more when
 * the runtime has WebAssembly SIMD (Node 16.4+), and the same loop in JS with one `indexOf` per line.
 * Their equivalence is tested on random and real inputs (test/protocols/framing/crlf-scan.test.ts).
 */

/** Ranges shorter than this are scanned in JS: copying into the module's memory and the call cost more. */
const WASM_MIN_BYTES = 192;
/**
 * At most this much of a range goes to the module's memory (which keeps the size of the largest
 * copy): a scan of a longer range stops at the line that crosses this much, as at an unfinished one.
 */
const WASM_MAX_BYTES = 1 << 20;
/** Where the copied range starts in the module's memory (bytes 0..3 hold the line count). */
const BASE = 16;
const PAGE = 65536;

/*
 * The module, encoded by hand (WebAssembly binary format 1.0 + SIMD). In text form:
 *
 * (module
 *   (memory (export "mem") 1)
 *   (func (export "scan") (param $p i32) (param $end i32) (param $max i32) (result i32)
 *     (local $q i32) (local $m i32) (local $lf i32) (local $lines i32) (local $nl v128)
 *     (local.set $q (local.get $p))
 *     (local.set $nl (i8x16.splat (i32.const 10)))
 *     (block $exit
 *       (loop $blocks
 *         (br_if $exit (i32.ge_u (local.get $q) (local.get $end)))
 *         ;; m = one bit per LF among the 16 bytes at q
 *         (local.set $m (i8x16.bitmask (i8x16.eq (v128.load (local.get $q)) (local.get $nl))))
 *         (block $next
 *           (loop $bits
 *             (br_if $next (i32.eqz (local.get $m)))
 *             (local.set $lf (i32.add (local.get $q) (i32.ctz (local.get $m))))
 *             (br_if $exit (i32.ge_u (local.get $lf) (local.get $end)))                 ;; not in the range
 *             (br_if $exit (i32.gt_u (i32.sub (local.get $lf) (local.get $p)) (local.get $max)))  ;; overlong
 *             (br_if $exit (i32.eq (local.get $lf) (local.get $p)))                     ;; empty line, bare LF
 *             (br_if $exit (i32.ne (i32.load8_u (i32.sub (local.get $lf) (i32.const 1))) (i32.const 13)))  ;; bare LF
 *             (br_if $exit (i32.eq (i32.load8_u (local.get $p)) (i32.const 46)))        ;; starts with "."
 *             (local.set $lines (i32.add (local.get $lines) (i32.const 1)))
 *             (local.set $p (i32.add (local.get $lf) (i32.const 1)))
 *             (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
 *             (br $bits)))
 *         (local.set $q (i32.add (local.get $q) (i32.const 16)))
 *         (br $blocks)))
 *     (i32.store (i32.const 0) (local.get $lines))
 *     (local.get $p)))
 *
 * The 16-byte load may read up to 15 bytes past `end` (stale bytes: an LF found there is past `end`
 * and stops the scan), so the memory always holds 16 bytes more than what is copied to BASE.
 */
const GET = 0x20;
const SET = 0x21;
const TEE = 0x22;
const CONST = 0x41;
const BR_IF = 0x0d;
const I32 = 0x7f;
const VOID = 0x40;
const V128 = 0x7b;
// p=0 end=1 max=2 q=3 m=4 lf=5 lines=6 nl=7
const BODY = [
  0x02, 0x04, I32, 0x01, V128, // locals: 4 of type i32, 1 of type v128
  GET, 0, SET, 3,
  CONST, 10, 0xfd, 0x0f /* i8x16.splat */, SET, 7,
  0x02, VOID, // block $exit
  0x03, VOID, // loop $blocks
  GET, 3, GET, 1, 0x4f /* i32.ge_u */, BR_IF, 1,
  GET, 3, 0xfd, 0x00, 0x00, 0x00, // v128.load align=1 offset=0
  GET, 7,
  0xfd, 0x23, // i8x16.eq
  0xfd, 0x64, // i8x16.bitmask
  SET, 4,
  0x02, VOID, // block $next
  0x03, VOID, // loop $bits
  GET, 4, 0x45 /* i32.eqz */, BR_IF, 1,
  GET, 3, GET, 4, 0x68 /* i32.ctz */, 0x6a /* i32.add */, TEE, 5,
  GET, 1, 0x4f /* i32.ge_u */, BR_IF, 3,
  GET, 5, GET, 0, 0x6b /* i32.sub */, GET, 2, 0x4b /* i32.gt_u */, BR_IF, 3,
  GET, 5, GET, 0, 0x46 /* i32.eq */, BR_IF, 3,
  GET, 5, CONST, 1, 0x6b, 0x2d, 0x00, 0x00 /* i32.load8_u */, CONST, 13, 0x47 /* i32.ne */, BR_IF, 3,
  GET, 0, 0x2d, 0x00, 0x00, CONST, 46, 0x46, BR_IF, 3,
  GET, 6, CONST, 1, 0x6a, SET, 6,
  GET, 5, CONST, 1, 0x6a, SET, 0,
  GET, 4, GET, 4, CONST, 1, 0x6b, 0x71 /* i32.and */, SET, 4,
  0x0c, 0, // br $bits
  0x0b, // end loop $bits
  0x0b, // end block $next
  GET, 3, CONST, 16, 0x6a, SET, 3,
  0x0c, 0, // br $blocks
  0x0b, // end loop $blocks
  0x0b, // end block $exit
  CONST, 0, GET, 6, 0x36, 0x02, 0x00, // i32.store align=4 offset=0
  GET, 0,
  0x0b, // end func
];

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];

function moduleBytes(): Uint8Array {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 3, I32, I32, I32, 1, I32]), // type 0: (i32 i32 i32) -> i32
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(5, [1, 0x00, 1]), // one memory, min 1 page
    ...section(7, [2, ...name('scan'), 0x00, 0, ...name('mem'), 0x02, 0]),
    ...section(10, [1, ...uleb(BODY.length), ...BODY]),
  ]);
}

interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: { scan: (p: number, end: number, max: number) => number; mem: WasmMemory } };
  validate(bytes: Uint8Array): boolean;
}

/** Scans runs of ordinary CRLF lines (see the file comment). One per process; not re-entrant. */
export class CrlfScanner {
  /** Lines of the run the last scan() found. */
  lines = 0;
  private readonly scanFn: ((p: number, end: number, max: number) => number) | undefined;
  private readonly mem: WasmMemory | undefined;
  private bytes: Uint8Array = new Uint8Array(0);
  private counts: Int32Array = new Int32Array(1);
  /** The range loaded by load(), and whether it went to the module's memory. */
  private buf: Uint8Array = new Uint8Array(0);
  private end = 0;
  private inWasm = false;
  /** Position in the module's memory minus position in `buf`. */
  private shift = 0;

  constructor(useWasm = true) {
    const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    if (!useWasm || !wasm) return;
    try {
      const bytes = moduleBytes();
      if (!wasm.validate(bytes)) return;
      const inst = new wasm.Instance(new wasm.Module(bytes), {});
      this.scanFn = inst.exports.scan;
      this.mem = inst.exports.mem;
      this.views();
    } catch {
      this.scanFn = undefined;
      this.mem = undefined;
    }
  }

  /** WebAssembly is in use (for ranges long enough). */
  get accelerated(): boolean {
    return this.scanFn !== undefined;
  }

  /**
   * Prepares scans within buf[start, end). Only the last range loaded can be scanned. With
   * WebAssembly, a range longer than WASM_MAX_BYTES is cut there (scans stop at the line crossing it).
   */
  load(buf: Uint8Array, start: number, end: number): void {
    this.buf = buf;
    this.inWasm = this.scanFn !== undefined && end - start >= WASM_MIN_BYTES;
    if (this.inWasm && end - start > WASM_MAX_BYTES) end = start + WASM_MAX_BYTES;
    this.end = end;
    if (!this.inWasm) return;
    const n = end - start;
    // The whole buffer when the range is most of it (no view to allocate), else the range.
    const whole = buf.length - n <= 256;
    const copied = whole ? buf.length : n;
    if (BASE + copied + 16 > this.bytes.length) {
      this.mem!.grow(Math.ceil((BASE + copied + 16 - this.bytes.length) / PAGE));
      this.views();
    }
    this.bytes.set(whole ? buf : buf.subarray(start, end), BASE);
    this.shift = whole ? BASE : BASE - start;
  }

  /**
   * From the line starting at `p` (within the loaded range), the ordinary lines that follow one
   * another: returns the position after the last (p when there is none) and sets `lines`.
   */
  scan(p: number, maxLineBytes: number): number {
    if (this.inWasm) {
      const shift = this.shift;
      const q = this.scanFn!(p + shift, this.end + shift, maxLineBytes) - shift;
      this.lines = this.counts[0]!;
      return q;
    }
    const buf = this.buf;
    const end = this.end;
    let lines = 0;
    while (p < end) {
      const lf = buf.indexOf(0x0a, p);
      if (lf < 0 || lf >= end || lf - p > maxLineBytes || lf === p || buf[lf - 1] !== 0x0d || buf[p] === 0x2e) break;
      lines++;
      p = lf + 1;
    }
    this.lines = lines;
    return p;
  }

  private views(): void {
    this.bytes = new Uint8Array(this.mem!.buffer);
    this.counts = new Int32Array(this.mem!.buffer, 0, 1);
  }
}

/** The process's scanner (the dissectors run on one thread, one call at a time). */
export const crlfScanner = new CrlfScanner();
