/**
 * A look at the first TCP segment a client sends: is it a TLS ClientHello, and what does it say
 * (client random, SNI, ALPN)? The dispatcher uses it on ports it does not know, where it must decide
 * at the first segment whether the connection is worth dissecting (docs/tls.md, "TLS on any port").
 */
import { parseClientHello } from './hello.js';
import { HandshakeType } from './names.js';
import type { ClientHelloFact } from './types.js';

/** Record header (5 bytes) + handshake header (4 bytes). */
const HEADERS = 9;

/**
 * The ClientHello at the start of `b` (a handshake record, version 3.x, first message a
 * ClientHello), parsed as far as `b` goes; undefined when `b` does not start with one or ends
 * before the client random. A hello longer than one segment (post-quantum key shares) is read in
 * part: the extensions that arrived whole.
 */
export function peekClientHello(b: Uint8Array): ClientHelloFact | undefined {
  if (b.length < HEADERS || b[0] !== 0x16 || b[1] !== 0x03 || b[2]! > 0x04) return undefined;
  if (b[5] !== HandshakeType.CLIENT_HELLO) return undefined;
  const recordEnd = Math.min(b.length, HEADERS - 4 + ((b[3]! << 8) | b[4]!));
  const bodyLength = (b[6]! << 16) | (b[7]! << 8) | b[8]!;
  const body = b.subarray(HEADERS, Math.min(recordEnd, HEADERS + bodyLength));
  return parseClientHello(body, 0, 0, true)?.fact;
}
