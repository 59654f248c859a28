/**
 * Cipher suite names (IANA TLS Cipher Suites registry) and, derived from the name, what the
 * decrypter needs: record protection, key and IV sizes, MAC and PRF hash.
 */
import type { CipherSuiteFact } from './types.js';

const NAMES: Record<number, string> = {
  0x0000: 'TLS_NULL_WITH_NULL_NULL', 0x0001: 'TLS_RSA_WITH_NULL_MD5', 0x0002: 'TLS_RSA_WITH_NULL_SHA',
  0x0003: 'TLS_RSA_EXPORT_WITH_RC4_40_MD5', 0x0004: 'TLS_RSA_WITH_RC4_128_MD5', 0x0005: 'TLS_RSA_WITH_RC4_128_SHA',
  0x0006: 'TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5', 0x0007: 'TLS_RSA_WITH_IDEA_CBC_SHA',
  0x0008: 'TLS_RSA_EXPORT_WITH_DES40_CBC_SHA', 0x0009: 'TLS_RSA_WITH_DES_CBC_SHA',
  0x000a: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', 0x0011: 'TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA',
  0x0012: 'TLS_DHE_DSS_WITH_DES_CBC_SHA', 0x0013: 'TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA',
  0x0014: 'TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA', 0x0015: 'TLS_DHE_RSA_WITH_DES_CBC_SHA',
  0x0016: 'TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA', 0x0018: 'TLS_DH_anon_WITH_RC4_128_MD5',
  0x001b: 'TLS_DH_anon_WITH_3DES_EDE_CBC_SHA', 0x002f: 'TLS_RSA_WITH_AES_128_CBC_SHA',
  0x0032: 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA', 0x0033: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA',
  0x0034: 'TLS_DH_anon_WITH_AES_128_CBC_SHA', 0x0035: 'TLS_RSA_WITH_AES_256_CBC_SHA',
  0x0038: 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA', 0x0039: 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA',
  0x003a: 'TLS_DH_anon_WITH_AES_256_CBC_SHA', 0x003b: 'TLS_RSA_WITH_NULL_SHA256',
  0x003c: 'TLS_RSA_WITH_AES_128_CBC_SHA256', 0x003d: 'TLS_RSA_WITH_AES_256_CBC_SHA256',
  0x0040: 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA256', 0x0041: 'TLS_RSA_WITH_CAMELLIA_128_CBC_SHA',
  0x0045: 'TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA', 0x0067: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256',
  0x006a: 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA256', 0x006b: 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256',
  0x0084: 'TLS_RSA_WITH_CAMELLIA_256_CBC_SHA', 0x0088: 'TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA',
  0x009c: 'TLS_RSA_WITH_AES_128_GCM_SHA256', 0x009d: 'TLS_RSA_WITH_AES_256_GCM_SHA384',
  0x009e: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 0x009f: 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384',
  0x00a2: 'TLS_DHE_DSS_WITH_AES_128_GCM_SHA256', 0x00a3: 'TLS_DHE_DSS_WITH_AES_256_GCM_SHA384',
  0x00ff: 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV',
  0x1301: 'TLS_AES_128_GCM_SHA256', 0x1302: 'TLS_AES_256_GCM_SHA384', 0x1303: 'TLS_CHACHA20_POLY1305_SHA256',
  0x1304: 'TLS_AES_128_CCM_SHA256', 0x1305: 'TLS_AES_128_CCM_8_SHA256',
  0x5600: 'TLS_FALLBACK_SCSV',
  0xc002: 'TLS_ECDH_ECDSA_WITH_RC4_128_SHA', 0xc004: 'TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA',
  0xc005: 'TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA', 0xc007: 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA',
  0xc008: 'TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA', 0xc009: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  0xc00a: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 0xc00c: 'TLS_ECDH_RSA_WITH_RC4_128_SHA',
  0xc00e: 'TLS_ECDH_RSA_WITH_AES_128_CBC_SHA', 0xc00f: 'TLS_ECDH_RSA_WITH_AES_256_CBC_SHA',
  0xc011: 'TLS_ECDHE_RSA_WITH_RC4_128_SHA', 0xc012: 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA',
  0xc013: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 0xc014: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  0xc023: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 0xc024: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384',
  0xc025: 'TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256', 0xc026: 'TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384',
  0xc027: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 0xc028: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384',
  0xc029: 'TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256', 0xc02a: 'TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384',
  0xc02b: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 0xc02c: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  0xc02d: 'TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256', 0xc02e: 'TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384',
  0xc02f: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 0xc030: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  0xc031: 'TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256', 0xc032: 'TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384',
  0xcca8: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 0xcca9: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  0xccaa: 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
};

/** Weak: no encryption, export grade, anonymous key exchange, RC4/RC2/DES/3DES, or an MD5 MAC. */
const WEAK = /_NULL_|_NULL$|EXPORT|_anon_|RC4|RC2|_DES|3DES|_MD5$/;

/** Name and weakness of a suite; unknown suites get a hex name and are not called weak. */
export function cipherSuiteFact(code: number): CipherSuiteFact {
  const name = NAMES[code];
  if (name === undefined) return { code, name: `0x${code.toString(16).padStart(4, '0')}`, weak: false };
  return { code, name, weak: WEAK.test(name) };
}

/** How the records of a suite are protected, as the decrypter needs it. */
export interface SuiteParams {
  kind: 'gcm' | 'chacha20' | 'cbc';
  /** node:crypto cipher name. */
  cipher: string;
  keyLen: number;
  /** TLS 1.2: fixed IV from the key block (GCM 4, ChaCha20 12, CBC 0 since TLS 1.1). TLS 1.3: 12. */
  fixedIvLen: number;
  /** HMAC hash for CBC suites, its output length. */
  mac?: 'sha1' | 'sha256' | 'sha384';
  macLen: number;
  /** PRF hash (TLS 1.2) or HKDF hash (TLS 1.3). */
  prfHash: 'sha256' | 'sha384';
}

/**
 * The protection parameters of a suite mailwire can decrypt, or undefined (CCM, Camellia, RC4,
 * 3DES, NULL...). Derived from the IANA name: `..._WITH_<bulk>_<hash>` or `TLS_<bulk>_<hash>`.
 */
export function suiteParams(code: number): SuiteParams | undefined {
  const name = NAMES[code];
  if (name === undefined) return undefined;
  const m = /(?:_WITH_|^TLS_)(AES_128_GCM|AES_256_GCM|CHACHA20_POLY1305|AES_128_CBC|AES_256_CBC)_(SHA|SHA256|SHA384)$/.exec(name);
  if (m === null) return undefined;
  const bulk = m[1]!;
  const hash = m[2]!;
  const prfHash = hash === 'SHA384' ? 'sha384' : 'sha256';
  if (bulk === 'AES_128_GCM' || bulk === 'AES_256_GCM') {
    const keyLen = bulk === 'AES_128_GCM' ? 16 : 32;
    return { kind: 'gcm', cipher: `aes-${keyLen * 8}-gcm`, keyLen, fixedIvLen: 4, macLen: 0, prfHash };
  }
  if (bulk === 'CHACHA20_POLY1305') {
    return { kind: 'chacha20', cipher: 'chacha20-poly1305', keyLen: 32, fixedIvLen: 12, macLen: 0, prfHash };
  }
  const keyLen = bulk === 'AES_128_CBC' ? 16 : 32;
  const mac = hash === 'SHA' ? 'sha1' : hash === 'SHA256' ? 'sha256' : 'sha384';
  const macLen = mac === 'sha1' ? 20 : mac === 'sha256' ? 32 : 48;
  return { kind: 'cbc', cipher: `aes-${keyLen * 8}-cbc`, keyLen, fixedIvLen: 0, mac, macLen, prfHash };
}
