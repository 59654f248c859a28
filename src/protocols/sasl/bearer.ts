/**
 * Pieces shared by XOAUTH2 and OAUTHBEARER (RFC 7628): the ^A-separated key=value list, the
 * server's JSON error challenge, and the facts a bearer token gives away without being shown.
 */
import { bytesToText, decodeBase64Url } from './codec.js';
import { setDetail } from './exchange.js';
import type { SaslResult } from './index.js';

/** RFC 7628 §3.1 kvsep. */
const KVSEP = '\x01';

/**
 * Parses `key=value^Akey=value^A^A` (RFC 7628 §3.1 kvpairs; XOAUTH2 uses the same shape). Returns
 * the pairs (first occurrence wins) and whether the list ended with the required empty pair.
 */
export function parseKvPairs(text: string): { pairs: Map<string, string>; terminated: boolean; bad: string[] } {
  const pairs = new Map<string, string>();
  const bad: string[] = [];
  const items = text.split(KVSEP);
  // "a^Ab^A^A" splits into [a, b, '', '']: the two trailing empties are the terminator.
  const terminated = items.length >= 3 && items[items.length - 1] === '' && items[items.length - 2] === '';
  for (const item of items) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) {
      bad.push(item.slice(0, 32));
      continue;
    }
    const key = item.slice(0, eq);
    if (!pairs.has(key)) pairs.set(key, item.slice(eq + 1));
  }
  return { pairs, terminated, bad };
}

/**
 * Splits `auth=Bearer <token>` (RFC 6750 credentials, scheme case-insensitive). Returns the token,
 * or undefined with an error when the value is not a Bearer credential.
 */
export function bearerToken(auth: string | undefined, mech: string, r: SaslResult): string | undefined {
  if (auth === undefined) {
    r.errors.push(`${mech}: no auth= field`);
    return undefined;
  }
  const m = /^([A-Za-z]+) +(.*)$/s.exec(auth);
  if (m === null) {
    r.errors.push(`${mech}: auth= value is not "<scheme> <token>"`);
    return undefined;
  }
  if (m[1]!.toLowerCase() !== 'bearer') r.errors.push(`${mech}: auth scheme "${m[1]}" is not Bearer`);
  return m[2]!;
}

/** Claims worth showing: who the token is for, what it allows, when it expires. */
const JWT_CLAIMS = ['iss', 'aud', 'azp', 'appid', 'tid', 'scp', 'scope', 'roles', 'upn', 'unique_name', 'preferred_username', 'email', 'exp', 'iat', 'nbf'];
const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf']);

/**
 * Describes a bearer token in `details` without its value: `tokenFormat` (jwt, jwe or opaque),
 * `tokenLength`, and for a JWT its header (`jwt.alg`, `jwt.typ`, `jwt.kid`) and the claims above
 * (`jwt.<claim>`, times as ISO 8601). The signature is never decoded or kept.
 */
export function describeToken(token: string, r: SaslResult): void {
  setDetail(r, 'tokenLength', String(token.length));
  const parts = token.split('.');
  if (parts.length === 5) {
    setDetail(r, 'tokenFormat', 'jwe (encrypted JWT)');
    return;
  }
  const header = parts.length === 3 ? jsonObject(parts[0]!) : undefined;
  if (header === undefined || typeof header.alg !== 'string') {
    setDetail(r, 'tokenFormat', 'opaque');
    return;
  }
  setDetail(r, 'tokenFormat', 'jwt');
  for (const k of ['alg', 'typ', 'kid']) if (header[k] !== undefined) setDetail(r, `jwt.${k}`, scalar(header[k]));
  const claims = jsonObject(parts[1]!);
  if (claims === undefined) {
    r.errors.push('token: JWT claims part is not base64url JSON');
    return;
  }
  for (const k of JWT_CLAIMS) {
    const v = claims[k];
    if (v === undefined) continue;
    if (TIME_CLAIMS.has(k) && typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e11) {
      setDetail(r, `jwt.${k}`, new Date(v * 1000).toISOString());
    } else setDetail(r, `jwt.${k}`, scalar(v));
  }
}

/**
 * Records the server's error challenge (RFC 7628 §3.2.2; Gmail's XOAUTH2 sends the same JSON):
 * `serverError` holds the JSON text, `serverError.<field>` each string member (status, schemes,
 * scope, openid-configuration).
 */
export function describeServerError(bytes: Uint8Array, mech: string, r: SaslResult): void {
  const text = bytesToText(bytes);
  setDetail(r, 'serverError', text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    r.errors.push(`${mech}: server challenge is not JSON`);
    return;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    r.errors.push(`${mech}: server challenge JSON is not an object`);
    return;
  }
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'number') setDetail(r, `serverError.${k}`, String(v));
  }
}

function jsonObject(b64url: string): Record<string, unknown> | undefined {
  const bytes = decodeBase64Url(b64url);
  if (bytes === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(bytesToText(bytes));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function scalar(v: unknown): string {
  if (Array.isArray(v)) return v.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join(' ');
  return typeof v === 'string' ? v : JSON.stringify(v) ?? '';
}
