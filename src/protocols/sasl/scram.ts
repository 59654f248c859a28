/**
 * SCRAM-SHA-* (RFC 5802, RFC 7677): client-first `gs2-header n=user,r=cnonce`, server-first
 * `r=nonce,s=salt,i=iterations`, client-final `c=cb,r=nonce,p=proof`, server-final `v=sig` or
 * `e=error`. The user is cleartext; the password never crosses the wire.
 */
import { bytesToText } from './codec.js';
import { messagesOf, newResult, payload, setDetail } from './exchange.js';
import { decodeSaslname, parseGs2Header } from './gs2.js';
import type { SaslExchange, SaslResult } from './index.js';

/** Decodes a SCRAM exchange: user, authzid, salt, iterations, proof (secret 'response'), outcome. */
export function decodeScram(x: SaslExchange): SaslResult {
  const r = newResult(x);
  const msgs = messagesOf(x, r.errors);
  const client = msgs.filter((m) => m.side === 'C' && m.text !== '');
  const server = msgs.filter((m) => m.side === 'S' && m.text.trim() !== '');
  const first = payload(client[0], 'SCRAM client-first', r.errors);
  if (first !== undefined) {
    const gs2 = parseGs2Header(bytesToText(first));
    if (gs2 === undefined) r.errors.push('SCRAM: client-first has no gs2 header');
    else {
      setDetail(r, 'channelBinding', gs2.cbflag);
      if (gs2.authzid !== undefined && gs2.authzid !== '') r.authzid = gs2.authzid;
      const a = attributes(gs2.rest);
      const n = a.get('n');
      if (n === undefined) r.errors.push('SCRAM: client-first has no n= (user)');
      else r.user = decodeSaslname(n);
    }
  } else if (client.length === 0 && !x.cancelled) r.errors.push('SCRAM: no client-first message');
  const serverFirst = payload(server[0], 'SCRAM server-first', r.errors);
  if (serverFirst !== undefined) {
    const a = attributes(bytesToText(serverFirst));
    const s = a.get('s');
    const i = a.get('i');
    if (s !== undefined) setDetail(r, 'salt', s);
    if (i !== undefined) setDetail(r, 'iterations', i);
    if (a.has('e')) setDetail(r, 'serverError', a.get('e')!);
    else if (s === undefined || i === undefined) r.errors.push('SCRAM: server-first lacks s= or i=');
  }
  const final = payload(client[1], 'SCRAM client-final', r.errors);
  if (final !== undefined) {
    const p = attributes(bytesToText(final)).get('p');
    if (p === undefined) r.errors.push('SCRAM: client-final has no p= (proof)');
    else r.secret = { kind: 'response', value: p };
  }
  const serverFinal = payload(server[1], 'SCRAM server-final', r.errors);
  if (serverFinal !== undefined) {
    const a = attributes(bytesToText(serverFinal));
    if (a.has('e')) setDetail(r, 'serverError', a.get('e')!);
    else if (a.has('v')) setDetail(r, 'serverSignature', 'present');
  }
  return r;
}

/** `a=value,b=value` (RFC 5802 §7); first occurrence of a key wins. */
function attributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',')) {
    if (part.length >= 2 && part[1] === '=' && !out.has(part[0]!)) out.set(part[0]!, part.slice(2));
  }
  return out;
}
