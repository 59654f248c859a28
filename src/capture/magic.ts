/** First bytes of a gzip stream (RFC 1952 §2.3.1). */
export function isGzipMagic(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * Names what a non-capture input looks like, for the one-line "not a capture" error: the point is
 * to tell a user who passed the wrong file what they passed.
 */
export function describeNonCapture(b: Uint8Array): string {
  if (isGzipMagic(b)) return 'gzip data (decompress it, or read it through readCapture)';
  const hex = (n: number): string => Array.from(b.subarray(0, n), (x) => x.toString(16).padStart(2, '0')).join(' ');
  if (b.length >= 4 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'a PNG image';
  if (b.length >= 4 && b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46) return 'a PDF document';
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) return 'a zip archive';
  if (b.length >= 3 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) return 'bzip2 data (decompress it first)';
  if (b.length >= 6 && b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58) return 'xz data (decompress it first)';
  if (b.length >= 4 && b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'zstd data (decompress it first)';
  if (b.length >= 4 && b[0] === 0xa1 && b[1] === 0xb2 && b[2] === 0xcd && b[3] === 0x34) return 'a "modified" (Kuznetsov) pcap, which is not supported (convert it with editcap -F pcap)';
  if (b.length >= 4 && b[0] === 0x34 && b[1] === 0xcd && b[2] === 0xb2 && b[3] === 0xa1) return 'a "modified" (Kuznetsov) pcap, which is not supported (convert it with editcap -F pcap)';
  let text = b.length > 0;
  for (let i = 0; i < Math.min(b.length, 64); i++) {
    const c = b[i]!;
    if (c < 0x09 || (c > 0x0d && c < 0x20 && c !== 0x1b)) { text = false; break; }
  }
  if (text) return 'text';
  return `unknown data (first bytes ${hex(Math.min(b.length, 4))})`;
}
