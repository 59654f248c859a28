/**
 * CRAM-MD5 (RFC 2195 §2): server challenge `<pid.clock@host>`, client response
 * `user SP hex(HMAC-MD5(password, challenge))`. The user is cleartext; challenge and response can be
 * attacked offline (hashcat 10200 / John `cram_md5`).
 */
import { bytesToText, encodeBase64 } from './codec.js';
import { messagesOf, newResult, payload, setDetail } from './exchange.js';
import type { SaslExchange, SaslResult } from './index.js';

/** Decodes a CRAM-MD5 exchange: user, digest (secret 'hash'), challenge, crackable line. */
export function decodeCramMd5(x: SaslExchange): SaslResult {
  const r = newResult(x);
  const msgs = messagesOf(x, r.errors);
  const challengeMsg = msgs.find((m) => m.side === 'S' && m.text.trim() !== '');
  const responseMsg = msgs.find((m) => m.side === 'C');
  const challenge = payload(challengeMsg, 'CRAM-MD5 challenge', r.errors);
  if (challenge !== undefined) setDetail(r, 'challenge', bytesToText(challenge));
  else if (challengeMsg === undefined) r.errors.push('CRAM-MD5: no server challenge');
  const response = payload(responseMsg, 'CRAM-MD5 response', r.errors);
  if (response === undefined) {
    if (responseMsg === undefined && !x.cancelled) r.errors.push('CRAM-MD5: no client response');
    return r;
  }
  const text = bytesToText(response);
  // The user name may itself contain spaces: the digest is after the last one.
  const sp = text.lastIndexOf(' ');
  if (sp < 0) {
    r.errors.push('CRAM-MD5: response is not "user SP digest"');
    return r;
  }
  const digest = text.slice(sp + 1);
  r.user = text.slice(0, sp);
  r.secret = { kind: 'hash', value: digest };
  if (!/^[0-9a-f]{32}$/.test(digest)) r.errors.push('CRAM-MD5: digest is not 32 lower-case hex digits');
  if (challenge !== undefined) {
    r.crackable = { format: 'cram-md5', line: `${r.user}:$cram_md5$${encodeBase64(challenge)}$${encodeBase64(response)}` };
  }
  return r;
}
