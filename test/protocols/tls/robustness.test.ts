/** Hostile and damaged input: random bytes, TCP gaps inside TLS, streams cut short. Never a throw. */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseKeyLog } from '../../../src/protocols/tls/keylog.js';
import { makeTlsLayerFactory } from '../../../src/protocols/tls/tls-layer.js';
import type { TlsFacts } from '../../../src/protocols/tls/types.js';
import type { ConnectionInfo } from '../../../src/tcp/stream.js';
import { readMiniCapture, type MiniConnection } from './helpers/mini-capture.js';
import { runTls } from './helpers/run-tls.js';

const DIR = new URL('../../../captures/tls/', import.meta.url);
const INFO: ConnectionInfo = { id: 1, client: { ip: '10.0.0.1', port: 5 }, server: { ip: '10.0.0.2', port: 993 }, roleSource: 'syn', firstFrame: 1, startTs: 0, sawSyn: true, vlans: [] };
const meta = (off: number) => ({ streamOffset: off, firstFrame: 1, lastFrame: 1, ts: 1 });
const nullSink = { data() {}, gap() {} };

describe('TLS layer on hostile input', () => {
  it('random bytes in random chunks, both directions, never throw and give serialisable facts', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(0 as const, 1 as const), fc.uint8Array({ maxLength: 300 }), fc.boolean()), { maxLength: 40 }), (chunks) => {
        const layer = makeTlsLayerFactory({ keyLog: parseKeyLog('') })(INFO, nullSink);
        const off = [0, 0];
        for (const [dir, bytes, gap] of chunks) {
          if (gap) layer.gap(dir, 10, meta(off[dir]!));
          layer.data(dir, bytes, meta(off[dir]!));
          off[dir]! += bytes.length;
        }
        layer.end(0, 'rst', meta(off[0]!));
        JSON.stringify(layer.facts());
      }),
      { numRuns: 300 },
    );
  });

  it('records with plausible headers and random bodies (hellos, certificates, alerts) never throw', () => {
    const record = fc.tuple(fc.integer({ min: 20, max: 24 }), fc.uint8Array({ minLength: 1, maxLength: 400 })).map(([t, body]) => {
      const b = new Uint8Array(5 + body.length);
      b.set([t, 3, 3, body.length >> 8, body.length & 255]);
      b.set(body, 5);
      if (t === 22 && body.length > 4) b.set([body[0]! % 3 === 0 ? 11 : (body[0]! % 2) + 1, 0, (body.length - 4) >> 8, (body.length - 4) & 255], 5);
      return b;
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(0 as const, 1 as const), record), { maxLength: 20 }), (recs) => {
        const layer = makeTlsLayerFactory({})(INFO, nullSink);
        const off = [0, 0];
        for (const [dir, r] of recs) {
          layer.data(dir, r, meta(off[dir]!));
          off[dir]! += r.length;
        }
        JSON.stringify(layer.facts());
      }),
      { numRuns: 300 },
    );
  });

  it('every truncation of a real session ends cleanly (a partial record is reported, nothing thrown)', () => {
    const conn = readMiniCapture(new URL('tls12-aes128gcm.pcap', DIR)).connections[0]!;
    const client = Buffer.concat(conn.chunks.filter((c) => c.dir === 0).map((c) => c.bytes));
    for (let cut = 0; cut <= client.length; cut += 3) {
      const layer = makeTlsLayerFactory({})(INFO, nullSink);
      layer.data(0, client.subarray(0, cut), meta(0));
      layer.end(0, 'capture-end', meta(cut));
      const f = layer.facts() as TlsFacts;
      expect(f.clientHellos.length).toBe(cut >= 5 + 4 + (client.readUInt16BE(3) - 4) ? 1 : 0);
    }
  });

  it('a TCP gap inside TLS: resynchronises on the next record and decrypts on (sequence number searched)', () => {
    const name = 'tls13-key-update';
    const conn = readMiniCapture(new URL(`${name}.pcap`, DIR)).connections[0]!;
    // Drop the client's record carrying 'a1 CAPABILITY' (frame 11): a gap of its length.
    const lost = conn.chunks.find((c) => c.frame === 11)!;
    expect(lost.dir).toBe(0);
    const damaged: MiniConnection = {
      ...conn,
      chunks: conn.chunks.filter((c) => c !== lost).map((c) => (c.dir === 0 && c.streamOffset > lost.streamOffset ? { ...c, gapBefore: c.streamOffset === lost.streamOffset + lost.bytes.length ? lost.bytes.length : 0 } : c)),
    };
    const r = runTls(damaged, parseKeyLog(readFileSync(new URL(`${name}.keylog`, DIR), 'utf8')));
    expect(r.plaintext[0]).toBe('a2 LOGOUT\r\n');
    expect(r.plaintext[1]).toBe(readFileSync(new URL(`${name}.server.txt`, DIR), 'latin1'));
    expect(r.plaintextGaps).toBe(1);
    expect(r.facts.anomalies.map((a) => a.code)).toEqual(['gap', 'resync']);
    expect(r.facts.decryption.status).toBe('ok');
  });

  it('garbage in the middle of a stream: reported, skipped, the next record is found', () => {
    const conn = readMiniCapture(new URL('tls12-aes128gcm.pcap', DIR)).connections[0]!;
    const server = Buffer.concat(conn.chunks.filter((c) => c.dir === 1).map((c) => c.bytes));
    const layer = makeTlsLayerFactory({})(INFO, nullSink);
    const hello = 5 + server.readUInt16BE(3);
    const garbage = Buffer.from('garbage in between, no record here\r\n');
    layer.data(1, server.subarray(0, hello), meta(0));
    layer.data(1, garbage, meta(hello));
    layer.data(1, server.subarray(hello), meta(hello + garbage.length));
    const f = layer.facts() as TlsFacts;
    expect(f.anomalies.map((a) => a.code)).toEqual(['bad-record-length', 'resync']);
    expect(f.serverHellos).toHaveLength(1);
    expect(f.certificates).toHaveLength(1);
  });

  it('bytes that are not TLS at all (a cleartext reply after a refused STARTTLS) are reported as not-tls', () => {
    const layer = makeTlsLayerFactory({})(INFO, nullSink);
    layer.data(1, Buffer.from('a1 BAD STARTTLS not supported\r\n'), meta(0));
    const f = layer.facts() as TlsFacts;
    expect(f.anomalies[0]!.code).toBe('not-tls');
    expect(f.handshakeState).toBe('none');
  });
});
