/** Feeds one connection of a capture (read by mini-capture) through the TLS layer and collects what comes out. */
import type { ConnectionInfo } from '../../../../src/tcp/stream.js';
import type { KeyLog } from '../../../../src/protocols/tls/keylog.js';
import { makeTlsLayerFactory } from '../../../../src/protocols/tls/tls-layer.js';
import type { TlsFacts } from '../../../../src/protocols/tls/types.js';
import type { MiniConnection } from './mini-capture.js';

export interface TlsRun {
  facts: TlsFacts;
  /** Decrypted application data each way, as latin1 text. */
  plaintext: [string, string];
  plaintextGaps: number;
  /** Each plaintext chunk's meta was in order (streamOffset continuous per direction). */
  offsetsContinuous: boolean;
  encryptedBytes: [number, number];
  decrypted: boolean;
}

const INFO: ConnectionInfo = {
  id: 1, client: { ip: '127.0.0.1', port: 1 }, server: { ip: '127.0.0.1', port: 993 }, roleSource: 'syn',
  firstFrame: 1, startTs: 0, sawSyn: true, vlans: [],
};

/**
 * Runs the layer over the connection from the first byte of TLS in each direction: byte 0 for
 * implicit TLS, or (STARTTLS / STLS) the first chunk that starts with a handshake record header.
 * `split` re-cuts every chunk into pieces of at most that many bytes (split invariance).
 */
export function runTls(conn: MiniConnection, keyLog: KeyLog | undefined, opts: { starttls?: boolean; split?: number } = {}): TlsRun {
  const plaintext: [string, string] = ['', ''];
  const expectOff: [number, number] = [0, 0];
  let plaintextGaps = 0;
  let offsetsContinuous = true;
  const layer = makeTlsLayerFactory(keyLog === undefined ? {} : { keyLog })(INFO, {
    data(dir, bytes, meta) {
      if (meta.streamOffset !== expectOff[dir]) offsetsContinuous = false;
      expectOff[dir] += bytes.length;
      plaintext[dir] += Buffer.from(bytes).toString('latin1');
    },
    gap() {
      plaintextGaps++;
    },
  });
  const started: [boolean, boolean] = [!opts.starttls, !opts.starttls];
  const base: [number, number] = [0, 0];
  for (const ch of conn.chunks) {
    if (!started[ch.dir]) {
      const isHello = ch.bytes[0] === 0x16 && ch.bytes[1] === 3;
      if (!isHello || (ch.dir === 1 && !started[0])) continue;
      started[ch.dir] = true;
      base[ch.dir] = ch.streamOffset;
    }
    const meta = { streamOffset: ch.streamOffset - base[ch.dir], firstFrame: ch.frame, lastFrame: ch.frame, ts: ch.ts };
    if (ch.gapBefore > 0) layer.gap(ch.dir, ch.gapBefore, { ...meta, streamOffset: meta.streamOffset - ch.gapBefore });
    const step = opts.split ?? ch.bytes.length;
    for (let i = 0; i < ch.bytes.length; i += Math.max(1, step)) {
      layer.data(ch.dir, ch.bytes.subarray(i, i + Math.max(1, step)), { ...meta, streamOffset: meta.streamOffset + i });
    }
  }
  const last = conn.chunks[conn.chunks.length - 1];
  const endMeta = { streamOffset: 0, firstFrame: last?.frame ?? 0, lastFrame: last?.frame ?? 0, ts: last?.ts ?? 0 };
  layer.end(0, 'fin', endMeta);
  layer.end(1, 'fin', endMeta);
  return {
    facts: JSON.parse(JSON.stringify(layer.facts())) as TlsFacts, plaintext, plaintextGaps, offsetsContinuous,
    encryptedBytes: layer.encryptedBytes(), decrypted: layer.decrypted(),
  };
}
