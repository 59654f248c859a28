/**
 * Text form of an IP address stored at buf[offset, offset + length).
 * - length 4: dotted quad ("192.0.2.1").
 * - length 16: RFC 5952 canonical IPv6 text: lower-case hex without leading zeros, the longest run
 *   of two or more zero groups (the first one on a tie) compressed to "::", and IPv4-mapped
 *   addresses (::ffff:0:0/96) shown as "::ffff:a.b.c.d" (RFC 5952 section 5).
 * Display only (allocates a string). Bytes past the end of buf read as 0; never throws.
 */
export function formatAddress(buf: Uint8Array, offset: number, length: 4 | 16): string {
  const b = (i: number): number => buf[offset + i] ?? 0;
  if (length === 4) return `${b(0)}.${b(1)}.${b(2)}.${b(3)}`;

  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b(2 * i) << 8) | b(2 * i + 1));

  // ::ffff:a.b.c.d — the first 80 bits zero, then 0xffff.
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${b(12)}.${b(13)}.${b(14)}.${b(15)}`;
  }

  // Longest run of zero groups; RFC 5952 4.2.2: a single zero group is not compressed.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) return groups.map((g) => g.toString(16)).join(':');
  const head = groups.slice(0, bestStart).map((g) => g.toString(16)).join(':');
  const tail = groups.slice(bestStart + bestLen).map((g) => g.toString(16)).join(':');
  return `${head}::${tail}`;
}
