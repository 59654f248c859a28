import { defineRule } from '../rule.js';
import { tlsOf } from './tls-view.js';

/** Why a weak suite is weak, by the first matching part of its IANA name (the same families cipher-suites.ts calls weak). */
const WHY: ReadonlyArray<[RegExp, string]> = [
  [/_NULL_|_NULL$/, 'no encryption at all'],
  [/EXPORT/, 'export-grade keys of 40-56 bits, breakable in hours'],
  [/_anon_/, 'anonymous key exchange: the server is not authenticated, anyone in the middle can impersonate it'],
  [/RC4/, 'RC4, broken and prohibited by RFC 7465'],
  [/RC2/, 'RC2, broken'],
  [/3DES/, '3DES with 64-bit blocks (Sweet32)'],
  [/_DES/, 'single DES with 56-bit keys'],
  [/_MD5$/, 'an MD5 MAC'],
];

/** The negotiated cipher suite belongs to a broken or weak family. */
export const tlsWeakCipher = defineRule({
  id: 'tls.weak-cipher',
  severity: 'warning',
  title: 'Weak cipher suite',
  explanation:
    'The connection uses a cipher suite of a broken or weak family: NULL (no encryption), EXPORT (deliberately short keys), anonymous key exchange (no server authentication), RC4 (RFC 7465 prohibits it), DES and 3DES (56-bit keys; 64-bit blocks open to Sweet32), or an MD5 MAC. Mail and the credentials in it may be read or altered by someone who records or intercepts the traffic. Current clients and servers refuse these suites by default, so a server that offers only them also fails to connect after client updates.',
  fix: 'Configure the server to prefer and allow only AEAD suites with forward secrecy (TLS 1.3 suites; for TLS 1.2 ECDHE with AES-GCM or ChaCha20-Poly1305) and remove the weak ones (Dovecot ssl_cipher_list; Exchange/Windows: the SCHANNEL cipher suite order). If the client offered only weak suites, update it.',
  references: ['RFC 9325 §4.1 (cipher suites not to use), §4.2 (recommended)', 'RFC 7465 (prohibiting RC4)', 'RFC 8996 (deprecating TLS 1.0/1.1)'],
  check(conv) {
    const t = tlsOf(conv);
    const cs = t?.cipherSuite;
    if (!t || !cs?.weak) return [];
    const why = WHY.find(([re]) => re.test(cs.name))?.[1] ?? 'a weak algorithm';
    const strongOffered = t.clientHellos[0]?.cipherSuites.some((c) => !c.weak && !c.name.startsWith('0x') && !c.name.endsWith('_SCSV')) ?? false;
    const hello = t.serverHellos.at(-1);
    return [{
      frames: [hello?.frame ?? conv.firstFrame],
      message: `The connection uses the cipher suite ${cs.name}: ${why}${strongOffered ? '; the client offered stronger suites, so the server chose it' : ''}.`,
      args: { cipherSuite: cs.name, code: cs.code, strongOffered },
    }];
  },
});
