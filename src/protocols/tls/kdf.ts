/** Key derivation: the TLS 1.2 PRF (RFC 5246 §5) and TLS 1.3 HKDF-Expand-Label (RFC 8446 §7.1). */
import { createHmac } from 'node:crypto';

export type TlsHash = 'sha256' | 'sha384';

/** P_hash(secret, label + seed) truncated to `length` bytes: the TLS 1.2 PRF. */
export function prf12(hash: TlsHash, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const out = Buffer.alloc(length);
  let a: Buffer = labelSeed; // A(0)
  let filled = 0;
  while (filled < length) {
    a = createHmac(hash, secret).update(a).digest();
    const block = createHmac(hash, secret).update(a).update(labelSeed).digest();
    filled += block.copy(out, filled);
  }
  return out;
}

/** HKDF-Expand (RFC 5869 §2.3). */
export function hkdfExpand(hash: TlsHash, prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  let t: Buffer = Buffer.alloc(0);
  let filled = 0;
  for (let i = 1; filled < length; i++) {
    t = createHmac(hash, prk).update(t).update(info).update(Buffer.of(i)).digest();
    filled += t.copy(out, filled);
  }
  return out;
}

/** HKDF-Expand-Label(secret, label, context, length) with the "tls13 " prefix. */
export function hkdfExpandLabel(hash: TlsHash, secret: Uint8Array, label: string, context: Uint8Array, length: number): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.alloc(2 + 1 + fullLabel.length + 1 + context.length);
  info.writeUInt16BE(length, 0);
  info[2] = fullLabel.length;
  fullLabel.copy(info, 3);
  info[3 + fullLabel.length] = context.length;
  Buffer.from(context).copy(info, 4 + fullLabel.length);
  return hkdfExpand(hash, secret, info, length);
}
