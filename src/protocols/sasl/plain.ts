/** PLAIN (RFC 4616 §2): message = [authzid] NUL authcid NUL passwd, all UTF-8. */
import { bytesToText } from './codec.js';
import { messagesOf, newResult, payload } from './exchange.js';
import type { SaslExchange, SaslResult } from './index.js';

/** Decodes a PLAIN exchange: user, authzid (only when non-empty) and the password (cleartext). */
export function decodePlain(x: SaslExchange): SaslResult {
  const r = newResult(x);
  const client = messagesOf(x, r.errors).filter((m) => m.side === 'C');
  const msg = client[0];
  if (msg === undefined) {
    if (!x.cancelled) r.errors.push('PLAIN: no client response');
    return r;
  }
  const bytes = payload(msg, 'PLAIN response', r.errors);
  if (bytes === undefined) return r;
  const parts = splitNul(bytes);
  if (parts.length === 3) {
    const [authzid, authcid, passwd] = parts.map(bytesToText) as [string, string, string];
    if (authzid !== '') r.authzid = authzid;
    r.user = authcid;
    r.secret = { kind: 'password', value: passwd };
    r.cleartextSecret = true;
  } else if (parts.length === 2) {
    // Seen from broken clients: "authcid NUL passwd". Still a cleartext password on the wire.
    r.errors.push('PLAIN: 1 NUL separator instead of 2 (authzid NUL authcid NUL passwd); read as authcid NUL passwd');
    r.user = bytesToText(parts[0]!);
    r.secret = { kind: 'password', value: bytesToText(parts[1]!) };
    r.cleartextSecret = true;
  } else {
    r.errors.push(`PLAIN: ${parts.length - 1} NUL separators, expected 2 (authzid NUL authcid NUL passwd)`);
  }
  if (client.length > 1) r.errors.push(`PLAIN: ${client.length - 1} unexpected extra client message(s)`);
  return r;
}

function splitNul(bytes: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      parts.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  parts.push(bytes.subarray(start));
  return parts;
}
