/**
 * The dispatcher on extra ports (--ports): TLS from the first byte is dissected as the protocol its
 * first decrypted server bytes say (IMAP or POP3), and as protocol 'unknown' when nothing can be
 * decrypted. Real TLS sessions: the loopback captures in captures/tls (with their key logs) and a
 * POP3S session recorded in the test through a TCP relay (Node's TLS, a throw-away certificate).
 */
import { once } from 'node:events';
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import '../../src/protocols/tls/reflect-shim.js'; // before @peculiar/x509 (see the shim)
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze.js';
import type { Conversation } from '../../src/model/conversation.js';
import { Dispatcher } from '../../src/protocols/dispatch.js';
import { parseKeyLog } from '../../src/protocols/tls/keylog.js';
import { makeTlsLayerFactory } from '../../src/protocols/tls/tls-layer.js';
import type { ConnectionInfo, ConnectionSummary, Direction } from '../../src/tcp/stream.js';
import { readMiniCapture } from './tls/helpers/mini-capture.js';

const TLS_DIR = new URL('../../captures/tls/', import.meta.url);
const capture = (name: string): string => fileURLToPath(new URL(`${name}.pcap`, TLS_DIR));
/** A session's companion file: `keylog`, `client.txt`, `server.txt`. */
const text = (name: string, ext: string): string => readFileSync(new URL(`${name}.${ext}`, TLS_DIR), 'latin1');
const serverPort = (name: string): number => readMiniCapture(new URL(`${name}.pcap`, TLS_DIR)).connections[0]!.serverPort;
/** The dialogue's lines as dissected (side and text), without notes. */
const lines = (c: Conversation): string[] => c.events.filter((e) => e.kind === 'line').map((e) => `${e.side}: ${e.raw}`);
const sentLines = (s: string): string[] => s.split('\r\n').filter((l) => l.length > 0);

describe('dispatch: implicit TLS on an extra port (captures/tls, IMAP-like sessions)', () => {
  for (const name of ['tls13-aes128gcm', 'tls12-chacha20']) {
    it(`${name}: with the key log the first decrypted server bytes choose IMAP`, async () => {
      const port = serverPort(name);
      const r = await analyzeFiles([capture(name)], { extraPorts: [port], keyLogText: text(name, 'keylog') });
      expect(r.conversations).toHaveLength(1);
      const c = r.conversations[0]!;
      expect(c.protocol).toBe('imap');
      expect(c.server.port).toBe(port);
      expect(c.transport).toMatchObject({ security: 'implicit-tls', decrypted: true });
      const expected = [...sentLines(text(name, 'server.txt')).map((l) => `S: ${l}`), ...sentLines(text(name, 'client.txt')).map((l) => `C: ${l}`)].sort();
      expect(lines(c).sort()).toEqual(expected);
      expect(c.greeting).toBeDefined();
      expect(c.exchanges.map((x) => x.status)).toEqual(c.exchanges.map(() => 'OK'));
    });
  }

  it('without keys nothing can be decrypted: protocol unknown, the TLS facts kept, no guessed dialogue', async () => {
    const name = 'tls13-aes128gcm';
    const port = serverPort(name);
    const r = await analyzeFiles([capture(name)], { extraPorts: [port] });
    expect(r.conversations).toHaveLength(1);
    const c = r.conversations[0]!;
    expect(c.protocol).toBe('unknown');
    expect(c.transport.security).toBe('implicit-tls');
    expect(c.transport.decrypted).toBe(false);
    expect(c.tls).toMatchObject({ version: { name: expect.stringMatching(/1\.3/) } });
    const [toServer, toClient] = c.transport.encryptedBytes!;
    expect(toServer).toBeGreaterThan(0);
    expect(toClient).toBeGreaterThan(0);
    expect(c.events.filter((e) => e.kind === 'line')).toEqual([]);
    expect(c.findings.map((f) => f.id)).not.toContain('imap.no-logout');
  });
});

/** A self-signed certificate for the recorded session (ECDSA P-256, keys only in memory). */
async function throwAwayCertificate(): Promise<{ key: string; cert: string }> {
  x509.cryptoProvider.set(webcrypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=pop.example.org',
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: alg,
  });
  return { key: x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY'), cert: cert.toString('pem') };
}

interface Recorded {
  chunks: Array<{ dir: Direction; bytes: Uint8Array }>;
  keyLog: string;
}

/**
 * Runs a POP3S dialogue (greeting, CAPA, QUIT) between Node TLS endpoints on loopback through a
 * TCP relay that records the encrypted bytes each way, in the order the relay saw them.
 */
async function recordPop3s(): Promise<Recorded> {
  const { key, cert } = await throwAwayCertificate();
  const server = tls.createServer({ key, cert }, (s) => {
    s.write('+OK POP3 server ready <1.2@pop.example.org>\r\n');
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const cmd = buf.slice(0, i).toUpperCase();
        buf = buf.slice(i + 2);
        if (cmd === 'CAPA') s.write('+OK Capability list follows\r\nUSER\r\nUIDL\r\n.\r\n');
        else if (cmd === 'QUIT') s.end('+OK Bye\r\n');
        else s.write('-ERR unknown command\r\n');
      }
    });
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const chunks: Recorded['chunks'] = [];
  const relay = net.createServer((down) => {
    const up = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    down.on('data', (b: Buffer) => {
      chunks.push({ dir: 0, bytes: new Uint8Array(b) });
      up.write(b);
    });
    up.on('data', (b: Buffer) => {
      chunks.push({ dir: 1, bytes: new Uint8Array(b) });
      down.write(b);
    });
    down.on('end', () => up.end());
    up.on('end', () => down.end());
    down.on('error', () => {});
    up.on('error', () => {});
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  let keyLog = '';
  const client = tls.connect({ port: (relay.address() as net.AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false, servername: 'pop.example.org' });
  client.on('keylog', (line: Buffer) => (keyLog += line.toString('latin1')));
  let got = '';
  client.on('data', (d: Buffer) => {
    const before = got;
    got += d.toString('latin1');
    if (!before.includes('\r\n') && got.includes('\r\n')) client.write('CAPA\r\n');
    if (!before.includes('\r\n.\r\n') && got.includes('\r\n.\r\n')) client.write('QUIT\r\n');
  });
  await once(client, 'end');
  client.end();
  await once(client, 'close');
  relay.close();
  server.close();
  return { chunks, keyLog };
}

const INFO: ConnectionInfo = {
  id: 7, client: { ip: '127.0.0.1', port: 50123 }, server: { ip: '127.0.0.1', port: 10995 }, roleSource: 'syn',
  firstFrame: 1, startTs: 1000, sawSyn: true, vlans: [],
};

/**
 * Feeds recorded chunks to the dispatcher's handler for INFO, as the TCP layer would: opened at the
 * first packet on a mail or --ports port, else probed with the first chunk (`probed`: the
 * dispatcher is told which client randoms the key log holds, as analyze.ts does).
 */
function dispatch(rec: Recorded, opts: { keys: boolean; extraPorts: number[]; probed?: Dispatcher }): Conversation[] {
  const out: Conversation[] = [];
  const keyLog = parseKeyLog(opts.keys ? rec.keyLog : '');
  const d = opts.probed ?? new Dispatcher({ extraPorts: opts.extraPorts, tls: makeTlsLayerFactory(opts.keys ? { keyLog } : {}), onConversation: (c) => out.push(c) });
  const h = opts.probed ? d.probe(INFO, rec.chunks[0]!.dir, rec.chunks[0]!.bytes)?.handler : d.open(INFO);
  if (!h) return out;
  const off: [number, number] = [0, 0];
  let frame = 1;
  for (const c of rec.chunks) {
    frame++;
    h.data(c.dir, c.bytes, { streamOffset: off[c.dir], firstFrame: frame, lastFrame: frame, ts: 1000 + frame / 100 });
    off[c.dir] += c.bytes.length;
  }
  const meta = (dir: Direction) => ({ streamOffset: off[dir], firstFrame: frame, lastFrame: frame, ts: 1000 + frame / 100 });
  h.end(0, 'fin', meta(0));
  h.end(1, 'fin', meta(1));
  const summary: ConnectionSummary = {
    noAnswer: false, refused: false, established: true, resetBy: undefined, resetFrame: undefined, finBy: 'server',
    endReason: 'fin', lastFrame: frame, endTs: 1000 + frame / 100, frames: [0, 0], bytes: [off[0], off[1]], gapBytes: [0, 0], retransmissionMismatches: [], capDrops: 0, synFrames: [1],
  };
  h.close(summary);
  return out;
}

describe('dispatch: POP3S on an extra port (a real TLS session recorded in the test)', () => {
  let rec: Recorded;
  beforeAll(async () => {
    rec = await recordPop3s();
  }, 20_000);

  it('the decrypted greeting "+OK" chooses POP3, not IMAP', () => {
    expect(rec.keyLog).toMatch(/CLIENT_/);
    const [c, ...more] = dispatch(rec, { keys: true, extraPorts: [10995] });
    expect(more).toEqual([]);
    expect(c!.protocol).toBe('pop3');
    expect(c!.transport).toMatchObject({ security: 'implicit-tls', decrypted: true });
    expect(c!.greeting).toBeDefined();
    expect(c!.exchanges.map((x) => [x.command, x.status])).toEqual([
      ['CAPA', '+OK'],
      ['QUIT', '+OK'],
    ]);
    expect(c!.events.filter((e) => e.kind === 'malformed')).toEqual([]);
  });

  it('the same bytes split into single bytes give the same conversation', () => {
    const bytewise: Recorded = { keyLog: rec.keyLog, chunks: rec.chunks.flatMap((c) => Array.from(c.bytes, (b) => ({ dir: c.dir, bytes: Uint8Array.of(b) }))) };
    const [c] = dispatch(bytewise, { keys: true, extraPorts: [10995] });
    expect(c!.protocol).toBe('pop3');
    expect(c!.exchanges.map((x) => [x.command, x.status])).toEqual([
      ['CAPA', '+OK'],
      ['QUIT', '+OK'],
    ]);
  });

  it('without keys: protocol unknown, not IMAP', () => {
    const [c, ...more] = dispatch(rec, { keys: false, extraPorts: [10995] });
    expect(more).toEqual([]);
    expect(c!.protocol).toBe('unknown');
    expect(c!.transport).toMatchObject({ security: 'implicit-tls', decrypted: false });
    expect(c!.events.filter((e) => e.kind === 'line')).toEqual([]);
  });

  it('a port nobody named is not opened at its first packet', () => {
    expect(dispatch(rec, { keys: true, extraPorts: [] })).toEqual([]);
  });

  /** A dispatcher for probe(): what it reports goes to `out`. */
  const prober = (keyLogText: string, out: Conversation[]): Dispatcher => {
    const keyLog = parseKeyLog(keyLogText);
    return new Dispatcher({ tls: makeTlsLayerFactory({ keyLog }), hasKeys: (r) => keyLog.entries.has(r), onConversation: (c) => out.push(c) });
  };

  it('a port nobody named: its ClientHello is recognised, and with the key log the decrypted "+OK" chooses POP3', () => {
    const out: Conversation[] = [];
    const d = prober(rec.keyLog, out);
    dispatch(rec, { keys: true, extraPorts: [], probed: d });
    expect(out.map((c) => [c.protocol, c.transport.decrypted])).toEqual([['pop3', true]]);
    expect(out[0]!.exchanges.map((x) => [x.command, x.status])).toEqual([
      ['CAPA', '+OK'],
      ['QUIT', '+OK'],
    ]);
    expect(d.undissected.summary()).toBeUndefined();
  });

  it('a port nobody named, without keys: the SNI pop.example.org says mail, so the TLS session is reported (protocol unknown)', () => {
    const out: Conversation[] = [];
    const d = prober('', out);
    dispatch(rec, { keys: false, extraPorts: [], probed: d });
    expect(out.map((c) => [c.protocol, c.transport.security, c.transport.decrypted])).toEqual([['unknown', 'implicit-tls', false]]);
    expect(out[0]!.tls).toMatchObject({ sni: 'pop.example.org' });
  });
});
