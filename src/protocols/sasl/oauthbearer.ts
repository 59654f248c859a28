/**
 * OAUTHBEARER (RFC 7628 §3.1): client message = gs2-header (`n,a=user,`) then
 * `^Ahost=H^Aport=P^Aauth=Bearer T^A^A`. On failure the server sends a JSON error challenge and the
 * client answers a lone ^A (AQ==).
 */
import { bytesToText } from './codec.js';
import { bearerToken, describeServerError, describeToken, parseKvPairs } from './bearer.js';
import { messagesOf, newResult, payload, setDetail } from './exchange.js';
import { parseGs2Header } from './gs2.js';
import type { SaslExchange, SaslResult } from './index.js';

/** Decodes an OAUTHBEARER exchange: user (gs2 a=), host, port, token (secret), server error JSON. */
export function decodeOauthbearer(x: SaslExchange): SaslResult {
  const r = newResult(x);
  const msgs = messagesOf(x, r.errors);
  const first = msgs.find((m) => m.side === 'C');
  const bytes = payload(first, 'OAUTHBEARER response', r.errors);
  if (bytes !== undefined) {
    const text = bytesToText(bytes);
    const gs2 = parseGs2Header(text);
    if (gs2 === undefined) r.errors.push('OAUTHBEARER: no gs2 header (expected "n,a=user,")');
    else {
      setDetail(r, 'channelBinding', gs2.cbflag);
      // RFC 7628 §3.1: the gs2 authzid names the user the token is presented for.
      if (gs2.authzid !== undefined) r.user = gs2.authzid;
      const { pairs, terminated, bad } = parseKvPairs(gs2.rest);
      if (!gs2.rest.startsWith('\x01')) r.errors.push('OAUTHBEARER: gs2 header not followed by ^A');
      if (!terminated) r.errors.push('OAUTHBEARER: response does not end with ^A^A');
      if (bad.length > 0) r.errors.push(`OAUTHBEARER: ${bad.length} field(s) without key=value`);
      const host = pairs.get('host');
      const port = pairs.get('port');
      if (host !== undefined) setDetail(r, 'host', host);
      if (port !== undefined) setDetail(r, 'port', port);
      const token = bearerToken(pairs.get('auth'), 'OAUTHBEARER', r);
      if (token !== undefined) {
        r.secret = { kind: 'token', value: token };
        r.cleartextSecret = true;
        describeToken(token, r);
      }
    }
  } else if (first === undefined && !x.cancelled) r.errors.push('OAUTHBEARER: no client response');
  const challenge = msgs.find((m) => m.side === 'S' && m.text.trim() !== '');
  const err = payload(challenge, 'OAUTHBEARER server challenge', r.errors);
  if (err !== undefined) describeServerError(err, 'OAUTHBEARER', r);
  return r;
}
