/**
 * XOAUTH2 (Google/Microsoft): client message `user=U^Aauth=Bearer T^A^A`. On failure the server
 * sends `+ base64(JSON)` and the client must answer with an empty line.
 */
import { bytesToText } from './codec.js';
import { bearerToken, describeServerError, describeToken, parseKvPairs } from './bearer.js';
import { messagesOf, newResult, payload } from './exchange.js';
import type { SaslExchange, SaslResult } from './index.js';

/** Decodes an XOAUTH2 exchange: user, token (secret, cleartext), token facts, server error JSON. */
export function decodeXoauth2(x: SaslExchange): SaslResult {
  const r = newResult(x);
  const msgs = messagesOf(x, r.errors);
  const first = msgs.find((m) => m.side === 'C');
  const bytes = payload(first, 'XOAUTH2 response', r.errors);
  if (bytes !== undefined) {
    const { pairs, terminated, bad } = parseKvPairs(bytesToText(bytes));
    if (!terminated) r.errors.push('XOAUTH2: response does not end with ^A^A');
    if (bad.length > 0) r.errors.push(`XOAUTH2: ${bad.length} field(s) without key=value`);
    const user = pairs.get('user');
    if (user === undefined) r.errors.push('XOAUTH2: no user= field');
    else r.user = user;
    const token = bearerToken(pairs.get('auth'), 'XOAUTH2', r);
    if (token !== undefined) {
      r.secret = { kind: 'token', value: token };
      r.cleartextSecret = true;
      describeToken(token, r);
    }
  } else if (first === undefined && !x.cancelled) r.errors.push('XOAUTH2: no client response');
  const challenge = msgs.find((m) => m.side === 'S' && m.text.trim() !== '');
  const err = payload(challenge, 'XOAUTH2 server challenge', r.errors);
  if (err !== undefined) describeServerError(err, 'XOAUTH2', r);
  return r;
}
