/**
 * DIGEST-MD5 (RFC 2831, historic per RFC 6331). The challenge and response are comma-separated
 * directive lists; everything but the password travels in clear, so the response can be attacked
 * offline (John `dmd5`: `$DIGEST-MD5$user$realm$nonce$digest-uri$cnonce$nc$qop$response[$authzid]`).
 */
import { bytesToText } from './codec.js';
import { messagesOf, newResult, payload, setDetail } from './exchange.js';
import { SASL_LIMITS } from './limits.js';
import type { SaslExchange, SaslResult } from './index.js';

/** Decodes a DIGEST-MD5 exchange: user, realm, authzid, response (secret 'hash'), crackable line. */
export function decodeDigestMd5(x: SaslExchange): SaslResult {
  const r = newResult(x);
  const msgs = messagesOf(x, r.errors);
  const server = msgs.filter((m) => m.side === 'S' && m.text.trim() !== '');
  const challengeBytes = payload(server[0], 'DIGEST-MD5 challenge', r.errors);
  if (challengeBytes !== undefined) {
    const c = parseDirectives(bytesToText(challengeBytes), r.errors);
    for (const [key, detail] of [['realm', 'offeredRealm'], ['qop', 'offeredQop'], ['algorithm', 'algorithm'], ['charset', 'charset'], ['cipher', 'offeredCipher']] as const) {
      const v = c.get(key);
      if (v !== undefined) setDetail(r, detail, v);
    }
  } else if (server.length === 0) r.errors.push('DIGEST-MD5: no server challenge');
  const responseMsg = msgs.find((m) => m.side === 'C' && m.text !== '');
  const responseBytes = payload(responseMsg, 'DIGEST-MD5 response', r.errors);
  if (responseBytes !== undefined) {
    const d = parseDirectives(bytesToText(responseBytes), r.errors);
    const user = d.get('username');
    if (user === undefined) r.errors.push('DIGEST-MD5: response has no username');
    else r.user = user;
    const authzid = d.get('authzid');
    if (authzid !== undefined && authzid !== '') r.authzid = authzid;
    for (const [key, detail] of [['realm', 'realm'], ['digest-uri', 'digestUri'], ['qop', 'qop'], ['cipher', 'cipher'], ['charset', 'charset'], ['nc', 'nc']] as const) {
      const v = d.get(key);
      if (v !== undefined) setDetail(r, detail, v);
    }
    const response = d.get('response');
    if (response === undefined) r.errors.push('DIGEST-MD5: response has no response= directive');
    else {
      r.secret = { kind: 'hash', value: response };
      const f = ['nonce', 'digest-uri', 'cnonce', 'nc'].filter((k) => d.get(k) === undefined);
      if (f.length > 0 || user === undefined) r.errors.push(`DIGEST-MD5: missing ${[...f, ...(user === undefined ? ['username'] : [])].join(', ')}: no crackable line`);
      else {
        const fields = [user, d.get('realm') ?? '', d.get('nonce'), d.get('digest-uri'), d.get('cnonce'), d.get('nc'), d.get('qop') ?? 'auth', response];
        if (authzid !== undefined && authzid !== '') fields.push(authzid);
        r.crackable = { format: 'dmd5', line: `${user}:$DIGEST-MD5$${fields.join('$')}` };
      }
    }
  } else if (responseMsg === undefined && !x.cancelled) r.errors.push('DIGEST-MD5: no client response');
  const finalBytes = payload(server[1], 'DIGEST-MD5 server final', r.errors);
  if (finalBytes !== undefined) {
    setDetail(r, 'rspauth', parseDirectives(bytesToText(finalBytes), r.errors).has('rspauth') ? 'present (server proved it knows the password)' : 'absent');
  }
  return r;
}

/**
 * RFC 2831 §7.1 `#(key "=" (token | quoted-string))` with linear white space around commas. Keys
 * are lower-cased; a repeated key keeps its first value except `realm`, whose offers are joined
 * with ', ' (a server may offer several). At most MAX_DIGEST_DIRECTIVES are read.
 */
export function parseDirectives(text: string, errors: string[]): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  let count = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text[i] === ',' || text[i] === ' ' || text[i] === '\t' || text[i] === '\r' || text[i] === '\n')) i++;
    if (i >= n) break;
    if (++count > SASL_LIMITS.MAX_DIGEST_DIRECTIVES) {
      errors.push(`DIGEST-MD5: more than ${SASL_LIMITS.MAX_DIGEST_DIRECTIVES} directives (MAX_DIGEST_DIRECTIVES); rest ignored`);
      break;
    }
    const eq = text.indexOf('=', i);
    if (eq < 0) {
      errors.push(`DIGEST-MD5: directive without '=' at ${i}`);
      break;
    }
    const key = text.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    let value = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i]!;
        if (c === '\\' && i + 1 < n) {
          value += text[i + 1];
          i += 2;
        } else if (c === '"') {
          i++;
          closed = true;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) errors.push(`DIGEST-MD5: unterminated quoted value for ${key}`);
    } else {
      const end = text.indexOf(',', i);
      value = text.slice(i, end < 0 ? n : end).trim();
      i = end < 0 ? n : end;
    }
    const prev = out.get(key);
    if (prev === undefined) out.set(key, value);
    else if (key === 'realm') out.set(key, `${prev}, ${value}`);
  }
  return out;
}
