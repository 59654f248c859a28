/**
 * `mailwire live -i lo --keylog FILE` as an administrator runs it, with a client that writes
 * SSLKEYLOGFILE-style lines (Node's `keylog` event) to FILE only after mailwire started: FILE does
 * not exist at start, the client creates it during its handshake, and the session is decrypted.
 * Needs root, mailwire's native libpcap addon and openssl (for a throw-away certificate).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, createServer, type SecureVersion } from 'node:tls';
import type { Conversation } from '../../src/model/conversation.js';
import type { TlsFacts } from '../../src/protocols/tls/types.js';
import { liveCaptureUnavailable } from '../helpers/live-capture.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/mailwire');
const unavailable = liveCaptureUnavailable() ?? (spawnSync('sh', ['-c', 'command -v openssl']).status === 0 ? undefined : 'no openssl');
if (unavailable) console.warn(`live --keylog test skipped: ${unavailable}`);

let dir: string;
let key: Buffer;
let cert: Buffer;

beforeAll(() => {
  if (unavailable) return;
  dir = mkdtempSync(join(tmpdir(), 'mailwire-live-keylog-'));
  // mailwire live gives up root after opening the capture (to 'nobody' here): it must reach FILE.
  chmodSync(dir, 0o755);
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=mail.test',
    '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
  key = readFileSync(join(dir, 'key.pem'));
  cert = readFileSync(join(dir, 'cert.pem'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** An IMAP-like server: greeting, then one tagged OK per command; LOGOUT ends. */
async function imapsServer(version: SecureVersion): Promise<{ port: number; close(): void }> {
  const server = createServer({ key, cert, minVersion: version, maxVersion: version }, (sock) => {
    sock.write('* OK mailwire test ready\r\n');
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let nl = buf.indexOf('\r\n'); nl >= 0; nl = buf.indexOf('\r\n')) {
        const [tag, cmd] = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 2);
        if (cmd === 'LOGOUT') sock.end(`* BYE\r\n${tag} OK LOGOUT completed\r\n`);
        else sock.write(`* CAPABILITY IMAP4rev1\r\n${tag} OK CAPABILITY completed\r\n`);
      }
    });
    sock.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

/** A client that appends its TLS secrets to `keylog` as it derives them, and runs the dialogue. */
async function client(port: number, keylog: string): Promise<void> {
  const sock = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'mail.test' });
  sock.on('keylog', (line: Buffer) => appendFileSync(keylog, line));
  let got = '';
  const waitFor = async (text: string): Promise<void> => {
    while (!got.includes(text)) {
      const [d] = (await once(sock, 'data')) as [Buffer];
      got += d.toString('latin1');
    }
  };
  await waitFor('* OK');
  sock.write('a1 CAPABILITY\r\n');
  await waitFor('a1 OK');
  sock.write('a2 LOGOUT\r\n');
  await waitFor('a2 OK');
  sock.end();
  await once(sock, 'close');
}

describe.skipIf(unavailable !== undefined)('mailwire live --keylog follows a key log written after it started', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`${version}: the session is decrypted`, async () => {
      const server = await imapsServer(version);
      const keylog = join(dir, `keys-${version}.log`);
      const out = join(dir, `live-${version}.json`);
      const live = spawn(process.execPath, [BIN, 'live', '-i', 'lo', '--format', 'json', '-o', out, '--ports', String(server.port),
        '--keylog', keylog, `tcp port ${server.port}`], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
      let stderr = '';
      live.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      try {
        while (!stderr.includes('capturing on lo')) {
          if (live.exitCode !== null) throw new Error(`mailwire live exited ${live.exitCode}: ${stderr}`);
          await once(live.stderr, 'data');
        }
        expect(existsSync(keylog)).toBe(false);
        await client(server.port, keylog);
        expect(readFileSync(keylog, 'latin1')).toMatch(version === 'TLSv1.2' ? /^CLIENT_RANDOM / : /^(CLIENT|SERVER)_HANDSHAKE_TRAFFIC_SECRET /m);
        // Let live capture read the session as it goes (its ring hands blocks over within 50 ms).
        await new Promise((resolve) => setTimeout(resolve, 300));
      } finally {
        live.kill('SIGINT');
        server.close();
      }
      const [code] = (await once(live, 'exit')) as [number];
      expect(code, stderr).toBe(0);
      expect(stderr).toContain(`mailwire: key log ${keylog} does not exist yet; it is read when a TLS session needs keys`);
      expect(stderr).not.toMatch(/cannot be read|at .*\.js/);
      const report = JSON.parse(readFileSync(out, 'utf8')) as { conversations: Conversation[] };
      expect(report.conversations).toHaveLength(1);
      const c = report.conversations[0]!;
      expect((c.tls as TlsFacts).decryption.status).toBe('ok');
      expect(c.events.filter((e) => e.decrypted).map((e) => `${e.side}: ${e.raw}`)).toEqual([
        'S: * OK mailwire test ready',
        'C: a1 CAPABILITY',
        'S: * CAPABILITY IMAP4rev1',
        'S: a1 OK CAPABILITY completed',
        'C: a2 LOGOUT',
        'S: * BYE',
        'S: a2 OK LOGOUT completed',
      ]);
    });
  }
});
