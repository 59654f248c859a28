/**
 * The Certificate handshake message (RFC 5246 §7.4.2; RFC 8446 §4.4.2) → CertificateFact per
 * certificate, parsed with @peculiar/x509 (no hand-written ASN.1). Key details come from node:crypto.
 */
import './reflect-shim.js';
import { createHash, createPublicKey } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as X509 from '@peculiar/x509';
import { ByteReader } from './byte-reader.js';
import { TLS_LIMITS } from './limits.js';
import type { CertificateFact } from './types.js';

/**
 * @peculiar/x509 (with its ASN.1 and DI stack) costs about 25 MiB of memory and 150 ms at start-up,
 * and most captures carry no certificate: it is loaded at the first one. (Its package has no
 * "exports", so an ESM import loads this same CommonJS build.)
 */
let x509Module: typeof X509 | undefined;
function x509(): typeof X509 {
  x509Module ??= createRequire(import.meta.url)('@peculiar/x509') as typeof X509;
  return x509Module;
}

const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp256r1: 256, secp384r1: 384, secp521r1: 521, secp224r1: 224, secp256k1: 256 };

/** The DER certificates of a Certificate message body; `tls13` adds the request context and per-entry extensions. */
export function splitCertificateMessage(body: Uint8Array, tls13: boolean): { ders: Uint8Array[]; dropped: number; ok: boolean } {
  const r = new ByteReader(body);
  if (tls13) r.bytes(r.u8());
  const list = r.sub(r.u24());
  const ders: Uint8Array[] = [];
  let dropped = 0;
  while (list.ok && list.remaining >= 3) {
    const der = list.bytes(list.u24());
    if (tls13) list.bytes(list.u16());
    if (!list.ok) break;
    if (ders.length < TLS_LIMITS.MAX_CERTIFICATES_PER_MESSAGE) ders.push(der);
    else dropped++;
  }
  return { ders, dropped, ok: r.ok && list.ok };
}

function fieldValues(name: X509.Name, field: string): string[] {
  try {
    return name.getField(field);
  } catch {
    return [];
  }
}

/** Facts of one DER certificate; a certificate the library cannot parse gets `parseError`. */
export function certificateFact(der: Uint8Array, index: number): CertificateFact {
  const sha256 = createHash('sha256').update(der).digest('hex');
  const fact: CertificateFact = {
    index, subjectCN: [], subject: '', issuer: '', issuerCN: [], sanDns: [], sanIp: [], notBefore: '', notAfter: '',
    selfSigned: false, keyType: 'unknown', signatureAlgorithm: '', serialNumber: '', sha256,
  };
  let cert: X509.X509Certificate;
  try {
    // Copy: the library keeps the buffer, and `der` is a view into a reassembly buffer.
    cert = new (x509().X509Certificate)(Uint8Array.from(der));
  } catch (e) {
    fact.parseError = e instanceof Error ? e.message : String(e);
    return fact;
  }
  try {
    fact.subject = cert.subject;
    fact.issuer = cert.issuer;
    fact.subjectCN = fieldValues(cert.subjectName, 'CN');
    fact.issuerCN = fieldValues(cert.issuerName, 'CN');
    fact.notBefore = cert.notBefore.toISOString();
    fact.notAfter = cert.notAfter.toISOString();
    fact.serialNumber = cert.serialNumber;
    const sig = cert.signatureAlgorithm as { name?: string; hash?: { name?: string } };
    fact.signatureAlgorithm = [sig.hash?.name, sig.name].filter((s) => s !== undefined).join(' with ');
    const san = cert.getExtension(x509().SubjectAlternativeNameExtension);
    for (const n of san?.names.items ?? []) {
      if (n.type === 'dns') fact.sanDns.push(n.value);
      else if (n.type === 'ip') fact.sanIp.push(n.value);
    }
    let keyIdsAgree = true;
    const ski = cert.getExtension(x509().SubjectKeyIdentifierExtension);
    const aki = cert.getExtension(x509().AuthorityKeyIdentifierExtension);
    if (ski !== null && aki !== null && aki.keyId !== undefined) keyIdsAgree = ski.keyId === aki.keyId;
    fact.selfSigned = cert.subject === cert.issuer && keyIdsAgree;
  } catch (e) {
    fact.parseError = e instanceof Error ? e.message : String(e);
  }
  try {
    const key = createPublicKey({ key: Buffer.from(cert.publicKey.rawData), format: 'der', type: 'spki' });
    const type = key.asymmetricKeyType ?? 'unknown';
    fact.keyType = type === 'rsa' || type === 'rsa-pss' ? 'RSA' : type === 'ec' ? 'EC' : type === 'dsa' ? 'DSA' : type === 'ed25519' ? 'Ed25519' : type === 'ed448' ? 'Ed448' : type;
    const d = key.asymmetricKeyDetails;
    if (d?.modulusLength !== undefined) fact.keyBits = d.modulusLength;
    if (d?.namedCurve !== undefined) {
      fact.curve = d.namedCurve;
      const bits = CURVE_BITS[d.namedCurve];
      if (bits !== undefined) fact.keyBits = bits;
    }
    if (type === 'ed25519') fact.keyBits = 256;
    if (type === 'ed448') fact.keyBits = 456;
  } catch {
    // An unusual key algorithm node:crypto does not load: keyType stays 'unknown'.
  }
  return fact;
}

/**
 * Does a certificate name `pattern` (a DNS SAN or CN, possibly `*.example.com`) cover `host`?
 * Case-insensitive; a wildcard stands for exactly one whole left-most label (RFC 6125 §6.4.3).
 */
export function certNameMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === h) return true;
  if (!p.startsWith('*.')) return false;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === p.slice(2);
}

/**
 * Is `host` one of the certificate's names? SANs take precedence over the CN when the certificate
 * has DNS SANs (RFC 6125 §6.4.4); an IP address is matched against IP SANs (and the CN).
 */
export function certificateCoversHost(cert: CertificateFact, host: string): boolean {
  if (/^[0-9.]+$/.test(host) || host.includes(':')) {
    return cert.sanIp.includes(host) || cert.subjectCN.includes(host);
  }
  const names = cert.sanDns.length > 0 ? cert.sanDns : cert.subjectCN;
  return names.some((n) => certNameMatches(n, host));
}
