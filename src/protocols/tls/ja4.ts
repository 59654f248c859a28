/**
 * JA4 (client) and JA4S (server) TLS fingerprints, written from FoxIO's public specification
 * (github.com/FoxIO-LLC/ja4, technical_details/JA4.md and JA4S.md), over the hello facts mailwire
 * already parses (GREASE values are left out there, as the specification asks).
 *
 * JA4  = t + version + d|i (SNI or not) + ciphers (2 digits) + extensions (2 digits, SNI and ALPN
 *        included) + first and last character of the first ALPN value ('00' without)
 *        _ sha256 of the sorted cipher list, 12 hex
 *        _ sha256 of the sorted extension list without SNI (0000) and ALPN (0010), then '_' and the
 *          signature algorithms in their order (no '_' without them), 12 hex.
 * JA4S = t + version + extensions (2 digits) + chosen ALPN ('00' without) _ chosen cipher (4 hex)
 *        _ sha256 of the extension list in order, 12 hex.
 * Lists are lower-case 4-digit hex, comma separated; an empty list hashes to twelve zeros.
 */
import { createHash } from 'node:crypto';
import { isGrease } from './names.js';
import type { ClientHelloFact, ServerHelloFact } from './types.js';

const VERSION: Record<number, string> = { 0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3', 0x0200: 's2', 0x0100: 's1' };

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');
const count = (n: number): string => String(Math.min(n, 99)).padStart(2, '0');

/** First 12 hex digits of SHA-256 of `s`; twelve zeros for an empty list. */
function hash12(s: string): string {
  return s === '' ? '000000000000' : createHash('sha256').update(s).digest('hex').slice(0, 12);
}

/**
 * First and last character of an ALPN value; '00' when there is none. A value whose first or last
 * byte is not an ASCII letter or digit gives the first and last hex digit of its bytes instead (the
 * specification's rule for binary ALPN values).
 */
function alpnChars(alpn: string | undefined): string {
  if (alpn === undefined || alpn.length === 0) return '00';
  const first = alpn[0]!;
  const last = alpn[alpn.length - 1]!;
  if (/[0-9A-Za-z]/.test(first) && /[0-9A-Za-z]/.test(last)) return first + last;
  const h = Buffer.from(alpn, 'latin1').toString('hex');
  return h[0]! + h[h.length - 1]!;
}

function versionChars(code: number): string {
  return VERSION[code] ?? '00';
}

/** The JA4 of a ClientHello (the raw form, JA4_r, is the same with the lists instead of their hashes). */
export function ja4(hello: ClientHelloFact): string {
  const offered = hello.supportedVersionsExtension ? hello.versionsOffered.map((v) => v.code).filter((v) => !isGrease(v)) : [hello.legacyVersion.code];
  const version = versionChars(offered.length ? Math.max(...offered) : hello.legacyVersion.code);
  const ciphers = hello.cipherSuites.map((c) => c.code).filter((c) => !isGrease(c));
  const extensions = hello.extensions.filter((e) => !isGrease(e));
  const a = `t${version}${hello.sni !== undefined ? 'd' : 'i'}${count(ciphers.length)}${count(extensions.length)}${alpnChars(hello.alpn?.[0])}`;
  const b = hash12([...ciphers].sort((x, y) => x - y).map(hex4).join(','));
  const sorted = extensions.filter((e) => e !== 0x0000 && e !== 0x0010).sort((x, y) => x - y).map(hex4).join(',');
  const sigs = (hello.signatureAlgorithms ?? []).filter((s) => !isGrease(s)).map(hex4).join(',');
  const c = hash12(sigs ? `${sorted}_${sigs}` : sorted);
  return `${a}_${b}_${c}`;
}

/** The JA4S of a ServerHello. */
export function ja4s(hello: ServerHelloFact): string {
  const extensions = hello.extensions.filter((e) => !isGrease(e));
  const a = `t${versionChars(hello.version.code)}${count(extensions.length)}${alpnChars(hello.alpn)}`;
  return `${a}_${hex4(hello.cipherSuite.code)}_${hash12(extensions.map(hex4).join(','))}`;
}
