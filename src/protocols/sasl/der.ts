/** A minimal, bounds-checked DER reader (X.690) for looking into Kerberos tokens. Never throws. */

/** One element: identifier octet, where its content starts and ends in the buffer. */
export interface DerElement {
  /** The identifier octet (class, constructed bit and tag number < 31). */
  tag: number;
  start: number;
  end: number;
}

/**
 * The element at `at`, or undefined when the header or the content does not fit before `limit`.
 * High tag numbers (>= 31) and indefinite lengths are not DER and are rejected.
 */
export function readElement(b: Uint8Array, at: number, limit: number): DerElement | undefined {
  if (at + 2 > limit) return undefined;
  const tag = b[at]!;
  if ((tag & 0x1f) === 0x1f) return undefined;
  let len = b[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!;
    start += n;
  }
  if (start + len > limit) return undefined;
  return { tag, start, end: start + len };
}

/** The children of a constructed element, at most `max` of them; stops at the first bad one. */
export function children(b: Uint8Array, e: DerElement, max: number): DerElement[] {
  const out: DerElement[] = [];
  let at = e.start;
  while (at < e.end && out.length < max) {
    const c = readElement(b, at, e.end);
    if (c === undefined) break;
    out.push(c);
    at = c.end;
  }
  return out;
}

/** The child with identifier `tag` (e.g. 0xa1 for [1]), if any. */
export function child(b: Uint8Array, e: DerElement, tag: number, max: number): DerElement | undefined {
  return children(b, e, max).find((c) => c.tag === tag);
}

/** Dotted OID text of an OBJECT IDENTIFIER's content. */
export function oidText(b: Uint8Array, e: DerElement): string {
  if (e.end <= e.start) return '';
  const first = b[e.start]!;
  const parts = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40];
  let v = 0;
  for (let i = e.start + 1; i < e.end; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if ((b[i]! & 0x80) === 0) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** Small non-negative INTEGER content as a number (undefined when longer than 4 bytes). */
export function intValue(b: Uint8Array, e: DerElement): number | undefined {
  const n = e.end - e.start;
  if (n < 1 || n > 4) return undefined;
  let v = 0;
  for (let i = e.start; i < e.end; i++) v = v * 256 + b[i]!;
  return v;
}
