#!/usr/bin/env node
// Records the JA4 of the lab's TLS mail clients: each connects (implicit TLS, SNI imap.example.org)
// to a loopback listener on 127.0.20.1 that keeps its ClientHello and hangs up; the fingerprint is
// computed with mailwire's own parser (dist/, run `npm run build` first). Prints one JSON object per
// client: { client, version, ja4, sni, alpn }. Clients that are not installed are left out.
// Used to fill src/protocols/tls/client-fingerprints.ts and by test/e2e/client-fingerprints.test.ts.
// Usage: node scripts/lab/client-fingerprints.mjs
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peekClientHello } from '../../dist/protocols/tls/client-hello-peek.js';
import { ja4 } from '../../dist/protocols/tls/ja4.js';

const HOST = '127.0.20.1';
const SNI = 'imap.example.org';

function version(cmd, args, pick = (s) => s.split('\n')[0].trim()) {
  try {
    return pick(execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch (e) {
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    return out ? pick(out) : undefined;
  }
}

/** The ClientHello a command sends to the listener (it is killed after 5 s at most). */
async function helloOf(run) {
  const server = net.createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const port = server.address().port;
  const hello = new Promise((resolve) => {
    server.once('connection', (s) => {
      let buf = Buffer.alloc(0);
      s.on('data', (b) => {
        buf = Buffer.concat([buf, b]);
        const need = buf.length >= 5 ? 5 + buf.readUInt16BE(3) : Infinity;
        if (buf.length >= need) {
          resolve(buf);
          s.destroy();
        }
      });
      s.on('error', () => {});
    });
  });
  const child = run(port);
  child.on('error', () => {});
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  const b = await Promise.race([hello, once(child, 'exit').then(() => undefined)]);
  clearTimeout(timer);
  child.kill('SIGKILL');
  server.close();
  return b;
}

const dir = mkdtempSync(join(tmpdir(), 'mailwire-fp-'));
const quiet = { stdio: ['pipe', 'ignore', 'ignore'] };
const clients = [
  { client: 'curl', version: () => version('curl', ['--version'], (s) => s.split(' ').slice(0, 2).join(' ') + ' / ' + (/OpenSSL\/\S+|GnuTLS\/\S+/.exec(s)?.[0] ?? '')),
    run: (port) => spawn('curl', ['-sk', '--max-time', '4', '--connect-to', `${SNI}:${port}:${HOST}:${port}`, `imaps://${SNI}:${port}/`], quiet) },
  { client: 'Python ssl', version: () => version('/usr/bin/python3', ['-c', 'import ssl,sys; print("Python", sys.version.split()[0], "/", ssl.OPENSSL_VERSION.split()[0] + "/" + ssl.OPENSSL_VERSION.split()[1])']),
    run: (port) => spawn('/usr/bin/python3', ['-c', `import imaplib,ssl\nc=ssl.create_default_context()\ntry:\n  import socket\n  s=socket.create_connection(('${HOST}',${port}),4)\n  c.wrap_socket(s,server_hostname='${SNI}')\nexcept Exception: pass`], quiet) },
  { client: 'openssl s_client', version: () => version('openssl', ['version'], (s) => s.split(' ').slice(0, 2).join(' ')),
    run: (port) => spawn('openssl', ['s_client', '-connect', `${HOST}:${port}`, '-servername', SNI], quiet) },
  { client: 'fetchmail', version: () => version('fetchmail', ['--version'], (s) => `fetchmail ${/fetchmail release (\d[^+\s]*)/.exec(s)?.[1] ?? /(\d+\.\d+\.\d+)/.exec(s)?.[1] ?? '?'}`),
    run: (port) => {
      const rc = join(dir, 'fetchmailrc');
      writeFileSync(rc, `poll ${SNI} via ${HOST} service ${port} protocol IMAP user "u" password "p" ssl no sslcertck\n`);
      chmodSync(rc, 0o600);
      return spawn('fetchmail', ['-f', rc, '--nodetach', '--check'], { ...quiet, env: { ...process.env, HOME: dir, FETCHMAILHOME: dir } });
    } },
  { client: 'mbsync', version: () => version('mbsync', ['--version'], (s) => s.trim()),
    run: (port) => {
      const rc = join(dir, 'mbsyncrc');
      mkdirSync(join(dir, 'm'), { recursive: true });
      // mbsync sends its Host as SNI: the address here, so its hello has no SNI (an address is not sent).
      writeFileSync(rc, `IMAPAccount a\nHost ${HOST}\nPort ${port}\nUser u\nPass p\nSSLType IMAPS\n\nIMAPStore s\nAccount a\n\nMaildirStore m\nPath ${dir}/m/\nInbox ${dir}/m/INBOX\n\nChannel c\nFar :s:\nNear :m:\n`);
      return spawn('mbsync', ['-c', rc, '-a'], quiet);
    } },
  { client: 'gnutls-cli', version: () => version('gnutls-cli', ['--version'], (s) => s.split('\n')[0].trim()),
    run: (port) => spawn('gnutls-cli', ['--insecure', '--sni-hostname', SNI, '-p', String(port), HOST], quiet) },
];

for (const c of clients) {
  const v = c.version();
  if (v === undefined) continue;
  const b = await helloOf(c.run);
  const h = b ? peekClientHello(new Uint8Array(b)) : undefined;
  console.log(JSON.stringify({ client: c.client, version: v, ja4: h ? ja4(h) : null, sni: h?.sni ?? null, alpn: h?.alpn ?? null }));
}
rmSync(dir, { recursive: true, force: true });
