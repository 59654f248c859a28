/** ClientHello and ServerHello bodies (RFC 8446 §4.1.2-3, RFC 5246 §7.4.1) → facts. */
import { ByteReader } from './byte-reader.js';
import { cipherSuiteFact } from './cipher-suites.js';
import { TLS_LIMITS } from './limits.js';
import { Ext, isGrease, versionName } from './names.js';
import type { ClientHelloFact, ServerHelloFact, TlsVersionFact } from './types.js';

/** The special ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest"). */
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

export function versionFact(code: number): TlsVersionFact {
  return { code, name: versionName(code) };
}

/** A parsed ClientHello plus what the layer needs beyond the facts. */
export interface ParsedClientHello {
  fact: ClientHelloFact;
  random: Uint8Array;
  sessionId: Uint8Array;
  encryptThenMac: boolean;
}

export interface ParsedServerHello {
  fact: ServerHelloFact;
  random: Uint8Array;
  encryptThenMac: boolean;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/**
 * Parses a ClientHello body (after the 4-byte handshake header); undefined when malformed.
 * `partial`: the body may be cut short (the first TCP segment of a long hello, looked at by the
 * dispatcher on ports it does not know): what is there is read (random, suites, the extensions
 * that arrived whole) and the hello is returned if at least the random arrived.
 */
export function parseClientHello(body: Uint8Array, frame: number, ts: number, partial = false): ParsedClientHello | undefined {
  const r = new ByteReader(body);
  const legacy = r.u16();
  // Copies: the body is a view into a reused buffer and the layer keeps these for the whole session
  // (slice() of a Buffer, as live capture delivers, would be a view too).
  const random = new Uint8Array(r.bytes(32));
  const sessionId = new Uint8Array(r.bytes(r.u8()));
  const suitesR = r.sub(r.u16());
  r.bytes(r.u8()); // compression methods
  const cipherSuites = [];
  while (suitesR.remaining >= 2) {
    const s = suitesR.u16();
    if (!isGrease(s) && cipherSuites.length < TLS_LIMITS.MAX_LIST_ITEMS) cipherSuites.push(cipherSuiteFact(s));
  }
  const fact: ClientHelloFact = {
    frame, ts, legacyVersion: versionFact(legacy), versionsOffered: [versionFact(legacy)],
    supportedVersionsExtension: false, cipherSuites, extensions: [], random: hex(random), sessionIdLength: sessionId.length,
  };
  let encryptThenMac = false;
  if (r.ok && r.remaining >= 2) {
    const declared = r.u16();
    const ext = partial ? new ByteReader(r.bytes(Math.min(declared, r.remaining))) : r.sub(declared);
    while (ext.ok && ext.remaining >= 4) {
      const type = ext.u16();
      const data = ext.sub(ext.u16());
      if (!isGrease(type) && fact.extensions.length < TLS_LIMITS.MAX_LIST_ITEMS) fact.extensions.push(type);
      if (type === Ext.SERVER_NAME) {
        const list = data.sub(data.u16());
        while (list.ok && list.remaining >= 3) {
          const nameType = list.u8();
          const name = list.bytes(list.u16());
          if (nameType === 0 && list.ok && fact.sni === undefined) fact.sni = Buffer.from(name).toString('latin1');
        }
      } else if (type === Ext.ALPN) {
        const list = data.sub(data.u16());
        const alpn: string[] = [];
        while (list.ok && list.remaining >= 1 && alpn.length < TLS_LIMITS.MAX_LIST_ITEMS) alpn.push(Buffer.from(list.bytes(list.u8())).toString('latin1'));
        fact.alpn = alpn;
      } else if (type === Ext.SUPPORTED_VERSIONS) {
        const list = data.sub(data.u8());
        const versions: TlsVersionFact[] = [];
        while (list.ok && list.remaining >= 2) {
          const v = list.u16();
          if (!isGrease(v) && versions.length < TLS_LIMITS.MAX_LIST_ITEMS) versions.push(versionFact(v));
        }
        fact.supportedVersionsExtension = true;
        fact.versionsOffered = versions;
      } else if (type === Ext.SIGNATURE_ALGORITHMS) {
        const list = data.sub(data.u16());
        const algorithms: number[] = [];
        while (list.ok && list.remaining >= 2 && algorithms.length < TLS_LIMITS.MAX_LIST_ITEMS) {
          const a = list.u16();
          if (!isGrease(a)) algorithms.push(a);
        }
        fact.signatureAlgorithms = algorithms;
      } else if (type === Ext.ENCRYPT_THEN_MAC) {
        encryptThenMac = true;
      }
    }
  }
  if (partial ? random.length !== 32 : !r.ok) return undefined;
  return { fact, random, sessionId, encryptThenMac };
}

/** Parses a ServerHello body; `clientSessionId` tells resumption apart. Undefined when malformed. */
export function parseServerHello(body: Uint8Array, frame: number, ts: number, clientSessionId: Uint8Array | undefined): ParsedServerHello | undefined {
  const r = new ByteReader(body);
  const legacy = r.u16();
  const random = new Uint8Array(r.bytes(32));
  const sessionId = r.bytes(r.u8());
  const suite = r.u16();
  r.u8(); // compression method
  if (!r.ok) return undefined;
  let version = legacy;
  let alpn: string | undefined;
  const extensions: number[] = [];
  let encryptThenMac = false;
  if (r.remaining >= 2) {
    const ext = r.sub(r.u16());
    while (ext.ok && ext.remaining >= 4) {
      const type = ext.u16();
      const data = ext.sub(ext.u16());
      if (extensions.length < TLS_LIMITS.MAX_LIST_ITEMS) extensions.push(type);
      if (type === Ext.SUPPORTED_VERSIONS && data.remaining >= 2) version = data.u16();
      else if (type === Ext.ALPN) {
        const list = data.sub(data.u16());
        if (list.remaining >= 1) alpn = Buffer.from(list.bytes(list.u8())).toString('latin1');
      } else if (type === Ext.ENCRYPT_THEN_MAC) encryptThenMac = true;
    }
  }
  const resumed = sessionId.length > 0 && clientSessionId !== undefined && Buffer.compare(sessionId, clientSessionId) === 0 && version !== 0x0304;
  const fact: ServerHelloFact = {
    frame, ts, version: versionFact(version), cipherSuite: cipherSuiteFact(suite), extensions,
    helloRetryRequest: hex(random) === HRR_RANDOM, resumed, random: hex(random),
  };
  if (alpn !== undefined) fact.alpn = alpn;
  return { fact, random, encryptThenMac };
}
