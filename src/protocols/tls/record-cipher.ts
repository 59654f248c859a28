/**
 * Record protection: decrypts one TLS 1.2 or TLS 1.3 record with node:crypto. A failure (bad tag,
 * bad MAC, bad padding, short record) is returned as a reason string, never thrown.
 */
import { createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import type { SuiteParams } from './cipher-suites.js';
import { hkdfExpandLabel, prf12 } from './kdf.js';

/** A decrypted record: its real content type (TLS 1.3 inner type) and plaintext. */
export interface DecryptedRecord {
  type: number;
  data: Buffer;
}

/** Decrypts the records of one direction under one set of keys. */
export interface RecordDecrypter {
  /** `header` is the 5-byte record header, `payload` the record body; `seq` the record's sequence number. */
  decrypt(header: Uint8Array, payload: Uint8Array, seq: number): DecryptedRecord | string;
}

/** One direction's TLS 1.2 keys from the key block. */
export interface Tls12DirectionKeys {
  macKey: Buffer;
  key: Buffer;
  iv: Buffer;
}

const TAG_BYTES = 16;

/**
 * key_block = PRF(master_secret, "key expansion", server_random + client_random), cut into the
 * client and server MAC keys, keys and IVs in that order (RFC 5246 §6.3).
 */
export function tls12KeyBlock(p: SuiteParams, masterSecret: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): { client: Tls12DirectionKeys; server: Tls12DirectionKeys } {
  const total = 2 * (p.macLen + p.keyLen + p.fixedIvLen);
  const kb = prf12(p.prfHash, masterSecret, 'key expansion', Buffer.concat([serverRandom, clientRandom]), total);
  let o = 0;
  const take = (n: number): Buffer => kb.subarray(o, (o += n));
  const cMac = take(p.macLen), sMac = take(p.macLen), cKey = take(p.keyLen), sKey = take(p.keyLen);
  const cIv = take(p.fixedIvLen), sIv = take(p.fixedIvLen);
  return { client: { macKey: cMac, key: cKey, iv: cIv }, server: { macKey: sMac, key: sKey, iv: sIv } };
}

/** seq_num(8) ‖ type ‖ version ‖ length: the TLS 1.2 AEAD additional data and MAC prefix. */
function seqHeader(seq: number, header: Uint8Array, length: number): Buffer {
  const b = Buffer.alloc(13);
  b.writeBigUInt64BE(BigInt(seq), 0);
  b[8] = header[0]!;
  b[9] = header[1]!;
  b[10] = header[2]!;
  b.writeUInt16BE(length, 11);
  return b;
}

/** iv XOR left-padded 64-bit sequence number (RFC 8446 §5.3, RFC 7905 §2). */
function xorNonce(iv: Buffer, seq: number): Buffer {
  const n = Buffer.from(iv);
  const s = Buffer.alloc(8);
  s.writeBigUInt64BE(BigInt(seq), 0);
  for (let i = 0; i < 8; i++) n[n.length - 8 + i]! ^= s[i]!;
  return n;
}

function aeadOpen(cipher: string, key: Buffer, nonce: Buffer, aad: Uint8Array, body: Uint8Array): Buffer | string {
  if (body.length < TAG_BYTES) return 'record shorter than the authentication tag';
  try {
    const d = createDecipheriv(cipher as 'aes-128-gcm', key, nonce, { authTagLength: TAG_BYTES });
    d.setAAD(aad);
    d.setAuthTag(body.subarray(body.length - TAG_BYTES));
    const out = d.update(body.subarray(0, body.length - TAG_BYTES));
    const fin = d.final();
    return fin.length === 0 ? out : Buffer.concat([out, fin]);
  } catch {
    // node:crypto signals a bad tag by throwing; here it is an ordinary outcome (wrong key).
    return 'authentication tag mismatch (wrong key or sequence)';
  }
}

/** A TLS 1.2 decrypter for one direction (RFC 5246 §6.2.3, RFC 5288, RFC 7905, RFC 7366 when `etm`). */
export function tls12Decrypter(p: SuiteParams, k: Tls12DirectionKeys, encryptThenMac: boolean): RecordDecrypter {
  return {
    decrypt(header, payload, seq) {
      const type = header[0]!;
      if (p.kind === 'gcm') {
        if (payload.length < 8 + TAG_BYTES) return 'record too short for AES-GCM';
        const nonce = Buffer.concat([k.iv, payload.subarray(0, 8)]);
        const body = payload.subarray(8);
        const r = aeadOpen(p.cipher, k.key, nonce, seqHeader(seq, header, body.length - TAG_BYTES), body);
        return typeof r === 'string' ? r : { type, data: r };
      }
      if (p.kind === 'chacha20') {
        const r = aeadOpen(p.cipher, k.key, xorNonce(k.iv, seq), seqHeader(seq, header, payload.length - TAG_BYTES), payload);
        return typeof r === 'string' ? r : { type, data: r };
      }
      return cbcOpen(p, k, encryptThenMac, header, payload, seq);
    },
  };
}

function hmac(p: SuiteParams, k: Tls12DirectionKeys, prefix: Buffer, content: Uint8Array): Buffer {
  return createHmac(p.mac!, k.macKey).update(prefix).update(content).digest();
}

function cbcDecrypt(p: SuiteParams, k: Tls12DirectionKeys, ivAndCt: Uint8Array): Buffer | string {
  const ct = ivAndCt.subarray(16);
  if (ct.length === 0 || ct.length % 16 !== 0) return 'CBC ciphertext is not a whole number of blocks';
  const d = createDecipheriv(p.cipher, k.key, ivAndCt.subarray(0, 16));
  d.setAutoPadding(false);
  const pt = Buffer.concat([d.update(ct), d.final()]);
  const pad = pt[pt.length - 1]!;
  if (pad + 1 > pt.length) return 'bad CBC padding';
  for (let i = pt.length - 1 - pad; i < pt.length; i++) if (pt[i] !== pad) return 'bad CBC padding';
  return pt.subarray(0, pt.length - 1 - pad);
}

function cbcOpen(p: SuiteParams, k: Tls12DirectionKeys, etm: boolean, header: Uint8Array, payload: Uint8Array, seq: number): DecryptedRecord | string {
  const type = header[0]!;
  if (etm) {
    if (payload.length < 16 + 16 + p.macLen) return 'record too short for CBC with encrypt-then-MAC';
    const body = payload.subarray(0, payload.length - p.macLen);
    const mac = hmac(p, k, seqHeader(seq, header, body.length), body);
    if (!timingSafeEqual(mac, payload.subarray(body.length))) return 'MAC mismatch (wrong key or sequence)';
    const pt = cbcDecrypt(p, k, body);
    return typeof pt === 'string' ? pt : { type, data: pt };
  }
  if (payload.length < 16 + 16) return 'record too short for CBC';
  const pt = cbcDecrypt(p, k, payload);
  if (typeof pt === 'string') return pt;
  if (pt.length < p.macLen) return 'CBC record shorter than its MAC';
  const content = pt.subarray(0, pt.length - p.macLen);
  const mac = hmac(p, k, seqHeader(seq, header, content.length), content);
  if (!timingSafeEqual(mac, pt.subarray(content.length))) return 'MAC mismatch (wrong key or sequence)';
  return { type, data: content };
}

/** TLS 1.3 key and IV of a traffic secret (RFC 8446 §7.3). */
export function tls13Decrypter(p: SuiteParams, trafficSecret: Uint8Array): RecordDecrypter {
  const key = hkdfExpandLabel(p.prfHash, trafficSecret, 'key', new Uint8Array(0), p.keyLen);
  const iv = hkdfExpandLabel(p.prfHash, trafficSecret, 'iv', new Uint8Array(0), 12);
  return {
    decrypt(header, payload, seq) {
      const r = aeadOpen(p.cipher, key, xorNonce(iv, seq), header, payload);
      if (typeof r === 'string') return r;
      // TLSInnerPlaintext: content ‖ type ‖ zeros (RFC 8446 §5.2).
      let end = r.length - 1;
      while (end >= 0 && r[end] === 0) end--;
      if (end < 0) return 'TLS 1.3 record without an inner content type';
      return { type: r[end]!, data: r.subarray(0, end) };
    },
  };
}

/** The next TLS 1.3 traffic secret after a KeyUpdate (RFC 8446 §7.2). */
export function nextTrafficSecret(p: SuiteParams, secret: Uint8Array): Buffer {
  return hkdfExpandLabel(p.prfHash, secret, 'traffic upd', new Uint8Array(0), p.prfHash === 'sha384' ? 48 : 32);
}
