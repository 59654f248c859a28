/** Mechanisms with nothing secret to recover: EXTERNAL (RFC 4422 App. A), ANONYMOUS (RFC 4505), and unknown ones. */
import { bytesToText } from './codec.js';
import { messagesOf, newResult, payload, setDetail } from './exchange.js';
import type { SaslExchange, SaslResult } from './index.js';

/** EXTERNAL: the only message is the optional authorization identity. */
export function decodeExternal(x: SaslExchange): SaslResult {
  const r = newResult(x);
  const msg = messagesOf(x, r.errors).find((m) => m.side === 'C');
  const bytes = payload(msg, 'EXTERNAL authzid', r.errors);
  if (bytes !== undefined && bytes.length > 0) r.authzid = bytesToText(bytes);
  return r;
}

/** ANONYMOUS: the only message is an optional trace (an email address or opaque text). */
export function decodeAnonymous(x: SaslExchange): SaslResult {
  const r = newResult(x);
  const msg = messagesOf(x, r.errors).find((m) => m.side === 'C');
  const bytes = payload(msg, 'ANONYMOUS trace', r.errors);
  if (bytes !== undefined && bytes.length > 0) setDetail(r, 'trace', bytesToText(bytes));
  return r;
}

/** An unknown mechanism (e.g. Yahoo's XYMPKI): counted, never decoded. */
export function decodeUnknown(x: SaslExchange): SaslResult {
  const r = newResult(x);
  const msgs = messagesOf(x, r.errors);
  setDetail(r, 'clientSteps', String(msgs.filter((m) => m.side === 'C').length));
  setDetail(r, 'serverSteps', String(msgs.filter((m) => m.side === 'S').length));
  setDetail(r, 'decoded', 'no (unknown mechanism)');
  return r;
}
