#!/usr/bin/env node
/**
 * Records test/fixtures/extract/tls-fetch.pcap (+ .keylog, + expected.json entry is not needed:
 * the message is generated here and its SHA-256 written to tls-fetch.json): one implicit-TLS IMAP
 * session on loopback port 40993 (Node tls server and client, self-signed throw-away certificate)
 * in which the server FETCHes a 40 KB message (several TLS records) and the client APPENDs one.
 * Captured with tcpdump; run once as root:   node scripts/make-extract-tls-fixture.mjs
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

const PORT = 40993;
const out = new URL('../test/fixtures/extract/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'mailwire-tls-fixture-'));
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=mail.example.org', '-keyout', join(tmp, 'k.pem'), '-out', join(tmp, 'c.pem'), '-days', '2'], { stdio: 'ignore' });

function message(subject, lines) {
  let m = `From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: ${subject}\r\nDate: Tue, 01 Oct 2024 10:00:00 +0000\r\n\r\n`;
  for (let i = 0; i < lines; i++) m += `line ${i} ${'abcdefghij'.repeat(7)}\r\n`;
  return Buffer.from(m, 'latin1');
}
const fetched = message('=?UTF-8?Q?Gr=C3=BC=C3=9Fe_=C3=BCber_TLS?=', 500);
const appended = message('appended over TLS', 50);

const pcap = join(out, 'tls-fetch.pcap');
const dump = spawn('tcpdump', ['-i', 'lo', '-U', '-w', pcap, `tcp port ${PORT}`], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 1500));

let keylog = '';
const server = tls.createServer({ key: readFileSync(join(tmp, 'k.pem')), cert: readFileSync(join(tmp, 'c.pem')), maxVersion: 'TLSv1.3' }, (s) => {
  s.write('* OK IMAP test server ready\r\n');
  let buf = '';
  let appendLeft = -1;
  s.on('data', (d) => {
    buf += d.toString('latin1');
    for (;;) {
      if (appendLeft >= 0) {
        if (buf.length < appendLeft + 2) return;
        buf = buf.slice(appendLeft + 2);
        appendLeft = -1;
        s.write('a4 OK APPEND completed\r\n');
        continue;
      }
      const nl = buf.indexOf('\r\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 2);
      const tag = line.split(' ')[0];
      if (/ LOGIN /.test(line)) s.write(`${tag} OK LOGIN completed\r\n`);
      else if (/ SELECT /.test(line)) s.write(`* 1 EXISTS\r\n${tag} OK [READ-WRITE] SELECT completed\r\n`);
      else if (/ UID FETCH /.test(line)) s.write(Buffer.concat([Buffer.from(`* 1 FETCH (UID 42 BODY[] {${fetched.length}}\r\n`), fetched, Buffer.from(`)\r\n${tag} OK FETCH completed\r\n`)]));
      else if (/ APPEND /.test(line)) appendLeft = Number(/\{(\d+)\+\}$/.exec(line)[1]);
      else if (/ LOGOUT/.test(line)) s.end(`* BYE bye\r\n${tag} OK LOGOUT completed\r\n`);
    }
  });
});
await new Promise((r) => server.listen(PORT, '127.0.0.1', r));
const client = tls.connect({ port: PORT, host: '127.0.0.1', rejectUnauthorized: false, servername: 'mail.example.org' });
client.on('keylog', (line) => (keylog += line.toString('latin1')));
const step = (t) => new Promise((r) => setTimeout(r, t));
await new Promise((r) => client.once('secureConnect', r));
await step(200);
client.write('a1 LOGIN alice secret\r\n');
await step(200);
client.write('a2 SELECT INBOX\r\n');
await step(200);
client.write('a3 UID FETCH 42 BODY.PEEK[]\r\n');
await step(500);
client.write(Buffer.concat([Buffer.from(`a4 APPEND INBOX (\\Seen) {${appended.length}+}\r\n`), appended, Buffer.from('\r\n')]));
await step(300);
client.write('a5 LOGOUT\r\n');
// The server ends the connection after LOGOUT; do not wait forever for the close.
await Promise.race([new Promise((r) => client.on('close', r)), step(2000)]);
client.destroy();
server.close();
await step(1500);
dump.kill('SIGINT');
await Promise.race([new Promise((r) => dump.on('exit', r)), step(3000)]);
rmSync(tmp, { recursive: true, force: true });
writeFileSync(join(out, 'tls-fetch.keylog'), keylog);
const sha = (b) => createHash('sha256').update(b).digest('hex');
writeFileSync(join(out, 'tls-fetch.json'), JSON.stringify({ port: PORT, fetched: { size: fetched.length, sha256: sha(fetched), uid: 42 }, appended: { size: appended.length, sha256: sha(appended) } }, null, 2) + '\n');
console.log('wrote', pcap);
