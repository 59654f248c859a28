/** TLS record header checks (RFC 8446 §5.1): what counts as a plausible record start. */
import { TLS_LIMITS } from './limits.js';

export const RECORD_HEADER_BYTES = 5;

/** Content type 20..24 (ChangeCipherSpec, Alert, Handshake, ApplicationData, Heartbeat). */
export function isRecordType(t: number): boolean {
  return t >= 20 && t <= 24;
}

/**
 * A plausible record header at b[i..i+5): known type, version 3.0 to 3.4, length within the
 * record size limit and, for the fixed-size types, the fixed size of a plaintext record.
 */
export function plausibleHeader(b: Uint8Array, i: number): boolean {
  const type = b[i]!;
  if (!isRecordType(type) || b[i + 1] !== 3 || b[i + 2]! > 4) return false;
  const len = (b[i + 3]! << 8) | b[i + 4]!;
  return len > 0 && len <= TLS_LIMITS.MAX_RECORD_PAYLOAD_BYTES;
}

/** An SSL 2.0-format ClientHello (RFC 6101 appendix E.2): 2-byte length with the top bit set, type 1. */
export function looksLikeSslv2Hello(b: Uint8Array, i: number): boolean {
  return (b[i]! & 0x80) !== 0 && b[i + 2] === 1 && (b[i + 3] === 3 || b[i + 3] === 2);
}

/**
 * The first bytes of a direction after a STARTTLS/STLS OK could begin TLS: a record type (with
 * version 3 when the second byte is there) or an SSL 2.0 hello's top bit. A client that sends a
 * mail command instead (`a2 LOGIN ...`, `USER ...`) never started TLS: its bytes are cleartext.
 */
export function couldStartTls(b: Uint8Array): boolean {
  const t = b[0];
  if (t === undefined) return true;
  if (isRecordType(t)) return b.length < 2 || b[1] === 3;
  return (t & 0x80) !== 0;
}
