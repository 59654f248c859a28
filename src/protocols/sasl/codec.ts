/** Byte/text helpers shared by the SASL mechanism decoders. None of them throws. */

/** Outcome of a strict base64 decode: bytes, or why the text is not base64. */
export type Base64Result = { ok: true; bytes: Uint8Array } | { ok: false; error: string };

const BASE64_BODY = /^[A-Za-z0-9+/]*$/;

/**
 * Strict RFC 4648 §4 base64 (what SASL in IMAP/POP3 requires): surrounding blanks are tolerated,
 * missing padding is tolerated (some clients drop it), anything else (a space inside, '-', '_',
 * padding in the middle) is an error. Node's own decoder silently skips bad characters, which would
 * hide exactly the client bugs we want to report.
 */
export function decodeBase64(text: string): Base64Result {
  const s = text.trim();
  let body = s;
  let pad = 0;
  while (pad < 2 && body.endsWith('=')) {
    body = body.slice(0, -1);
    pad++;
  }
  if (!BASE64_BODY.test(body)) return { ok: false, error: 'not base64 (characters outside A-Z a-z 0-9 + / =)' };
  if (body.length % 4 === 1) return { ok: false, error: `not base64 (length ${s.length} cannot be a whole number of bytes)` };
  if (pad > 0 && s.length % 4 !== 0) return { ok: false, error: `not base64 (bad padding, length ${s.length})` };
  const buf = Buffer.from(body, 'base64');
  return { ok: true, bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.length) };
}

/** Base64url (RFC 4648 §5, JWT parts), no padding required; undefined when it is not. */
export function decodeBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) return undefined;
  const buf = Buffer.from(text, 'base64url');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** Canonical padded base64 of bytes (for crackable lines, whatever padding the client used). */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 when the bytes are valid UTF-8, Latin-1 otherwise (so every byte survives as one char). */
export function bytesToText(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  }
}

/** The bytes are valid UTF-8 without control characters (tab allowed): plausible typed text. */
export function isPrintableText(bytes: Uint8Array): boolean {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return false;
  }
  // eslint-disable-next-line no-control-regex
  return !/[\x00-\x08\x0a-\x1f\x7f]/.test(text);
}

/**
 * Text safe to show in a report: control characters become \xNN and the value is cut at `max`
 * code units (ending with '…') so one hostile field cannot flood a report.
 */
export function displayText(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
