/**
 * TLS on a port mailwire does not know: a ClientHello in the first segment is recognised; the
 * connection is dissected when the key log decrypts it or the hello says mail (ALPN, SNI, the
 * Exchange back-end ports), else counted per port for the report's "not dissected" lines.
 * ClientHellos are real: Node's TLS client (OpenSSL) connecting to a listener that keeps its first bytes.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze.js';
import { Dispatcher } from '../../src/protocols/dispatch.js';
import { peekClientHello } from '../../src/protocols/tls/client-hello-peek.js';
import { undissectedLines } from '../../src/report/describe.js';
import { testConnection } from '../helpers/connection.js';

/** The first bytes a TLS client sends (its ClientHello) with these options. */
async function clientHello(opts: { servername?: string; ALPNProtocols?: string[] }): Promise<Uint8Array> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const first = new Promise<Buffer>((resolve) => server.once('connection', (s) => s.once('data', (b: Buffer) => {
    resolve(b);
    s.destroy();
  })));
  const client = tls.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false, ...opts });
  client.on('error', () => {});
  const b = await first;
  client.destroy();
  server.close();
  return new Uint8Array(b);
}

const TLS_DIR = new URL('../../captures/tls/', import.meta.url);

describe('TLS on any port: the ClientHello in the first segment', () => {
  let web: Uint8Array;
  let imapAlpn: Uint8Array;
  let imapSni: Uint8Array;
  beforeAll(async () => {
    web = await clientHello({ servername: 'www.example.com', ALPNProtocols: ['h2', 'http/1.1'] });
    imapAlpn = await clientHello({ servername: 'server.example.com', ALPNProtocols: ['imap'] });
    imapSni = await clientHello({ servername: 'imap.example.com' });
  }, 20_000);

  it('is read as far as the segment goes: a hello cut after 60 bytes still gives its client random', () => {
    const whole = peekClientHello(web)!;
    expect(whole).toMatchObject({ sni: 'www.example.com', alpn: ['h2', 'http/1.1'] });
    const cut = peekClientHello(web.subarray(0, 60))!;
    expect(cut.random).toBe(whole.random);
    expect(cut.sni).toBeUndefined();
    expect(peekClientHello(web.subarray(0, 30))).toBeUndefined();
    expect(peekClientHello(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toBeUndefined();
  });

  const probe = (hello: Uint8Array, port: number, keys = false): { taken: boolean; d: Dispatcher } => {
    const d = new Dispatcher({ hasKeys: () => keys, onConversation: () => {} });
    const conn = testConnection({ server: { ip: '10.0.0.5', port } });
    return { taken: d.probe(conn, 0, hello) !== undefined, d };
  };

  it('is taken when something says mail: ALPN imap, SNI imap.*, the Exchange back-end port 1993, or a key log that has its secrets', () => {
    expect(probe(imapAlpn, 9993).taken).toBe(true);
    expect(probe(imapSni, 9993).taken).toBe(true);
    expect(probe(web, 1993).taken).toBe(true);
    expect(probe(web, 1995).taken).toBe(true);
    expect(probe(web, 9993, true).taken).toBe(true);
  });

  it('is otherwise counted per port, and the report says what to do', () => {
    const d = new Dispatcher({ onConversation: () => {} });
    for (let i = 0; i < 12; i++) d.probe(testConnection({ client: { ip: '10.0.0.1', port: 50000 + i }, server: { ip: '10.0.0.5', port: 9993 } }), 0, web);
    d.probe(testConnection({ server: { ip: '10.0.0.6', port: 8080 } }), 0, new TextEncoder().encode('GET / HTTP/1.1\r\n'));
    const summary = d.undissected.summary()!;
    expect(summary.ports).toEqual([
      { kind: 'tls', port: 9993, connections: 12, server: '10.0.0.5', servers: 1 },
      { kind: 'tcp', port: 8080, connections: 1, server: '10.0.0.6', servers: 1 },
    ]);
    expect(undissectedLines({ name: 'x', warnings: [], warningCount: 0, conversations: 0, undissected: summary })).toEqual([
      '12 TLS connections to 10.0.0.5:9993 not dissected (no key log decrypts them and nothing says they are mail; add --ports 9993)',
      '1 TCP connection to 10.0.0.6:8080 not dissected (not IMAP or POP3 by their first bytes; add --ports 8080 if they are)',
    ]);
  });
});

describe('TLS on any port: captures/tls (IMAP over TLS on ports 40001-40099) without --ports', () => {
  for (const name of ['tls13-aes128gcm', 'tls12-chacha20', 'tls12-cbc-sha']) {
    it(`${name}: the key log decrypts it and the greeting chooses IMAP, as with --ports`, async () => {
      const keyLogText = readFileSync(new URL(`${name}.keylog`, TLS_DIR), 'latin1');
      const path = fileURLToPath(new URL(`${name}.pcap`, TLS_DIR));
      const r = await analyzeFiles([path], { keyLogText });
      const withPorts = await analyzeFiles([path], { keyLogText, extraPorts: [r.conversations[0]?.server.port ?? 0] });
      expect(r.conversations.map((c) => [c.protocol, c.transport.decrypted])).toEqual([['imap', true]]);
      expect(r.conversations[0]!.events.map((e) => e.raw)).toEqual(withPorts.conversations[0]!.events.map((e) => e.raw));
      expect(r.stats.inputs[0]!.undissected).toBeUndefined();
    });
  }
});
