// Runs the TLS test sessions of captures/tls/ on loopback (driven by make-tls-captures.sh, which
// captures them with tcpdump). Each session: a Node tls server and client on their own port, a small
// IMAP-like dialogue, the client's key log (the 'keylog' event) and the exact plaintext each side sent.
// Usage: node scripts/make-tls-captures.mjs <outdir> <certdir>   (ONLY=name,name runs just those sessions)
import { constants, webcrypto } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import tls from 'node:tls';

// @peculiar/x509 needs Reflect metadata (tsyringe); a plain script cannot import src/protocols/tls/reflect-shim.ts,
// so the same three functions are supplied here (no inheritance lookup needed for generating certificates).
const META = new WeakMap();
Reflect.defineMetadata ??= (k, v, t) => { if (!META.has(t)) META.set(t, new Map()); META.get(t).set(k, v); };
Reflect.getOwnMetadata ??= (k, t) => META.get(t)?.get(k);
Reflect.getMetadata ??= (k, t) => Reflect.getOwnMetadata(k, t);
const x509 = await import('@peculiar/x509');

const [outDir, certDir] = process.argv.slice(2);
const key = readFileSync(join(certDir, 'server.key'));
const cert = readFileSync(join(certDir, 'server.crt'));

// Certificates issued by a throw-away test CA with chosen validity dates (openssl 3.0's CLI cannot
// back-date), for the tls.cert-* findings and a clean session. Keys stay in memory.
x509.cryptoProvider.set(webcrypto);
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const DAY_MS = 86_400_000;
const now = Date.now();
const caKeys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
const caCert = await x509.X509CertificateGenerator.createSelfSigned({
  serialNumber: '01', name: 'CN=mailwire Test CA', keys: caKeys, signingAlgorithm: RSA,
  notBefore: new Date(now - 30 * DAY_MS), notAfter: new Date(now + 3650 * DAY_MS),
  extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
});
writeFileSync(join(certDir, 'ca.crt'), caCert.toString('pem'));
async function caIssued(serialNumber, notBefore, notAfter) {
  const keys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber, subject: 'CN=mail.example.org', issuer: caCert.subject, notBefore, notAfter,
    signingAlgorithm: RSA, publicKey: keys.publicKey, signingKey: caKeys.privateKey,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'mail.example.org' }, { type: 'dns', value: 'imap.example.org' }])],
  });
  return { key: x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY'), cert: `${leaf.toString('pem')}\n${caCert.toString('pem')}\n` };
}
const CA_ISSUED = {
  valid: await caIssued('02', new Date(now - DAY_MS), new Date(now + 365 * DAY_MS)),
  expired: await caIssued('03', new Date('2020-01-01T00:00:00Z'), new Date('2021-01-01T00:00:00Z')),
  future: await caIssued('04', new Date(now + 365 * DAY_MS), new Date(now + 730 * DAY_MS)),
};

const SERVER_LINES = ['* OK [CAPABILITY IMAP4rev1] mailwire test server ready\r\n', '* CAPABILITY IMAP4rev1 IDLE\r\na1 OK CAPABILITY completed\r\n', '* BYE logging out\r\na2 OK LOGOUT completed\r\n'];
const CLIENT_LINES = ['a1 CAPABILITY\r\n', 'a2 LOGOUT\r\n'];

/** One session per entry: port, TLS versions, cipher, SNI, and what the client does. */
const SESSIONS = [
  { name: 'tls12-aes128gcm', port: 40001, v: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' },
  { name: 'tls12-aes256gcm', port: 40002, v: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' },
  { name: 'tls12-chacha20', port: 40003, v: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' },
  { name: 'tls12-cbc-sha', port: 40004, v: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA' },
  { name: 'tls12-cbc-sha256', port: 40005, v: 'TLSv1.2', ciphers: 'AES256-SHA256' },
  { name: 'tls12-cbc-sha384', port: 40006, v: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-SHA384' },
  { name: 'tls12-cbc-sha-no-etm', port: 40007, v: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA', noEtm: true },
  { name: 'tls13-aes128gcm', port: 40008, v: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' },
  { name: 'tls13-aes256gcm', port: 40009, v: 'TLSv1.3', ciphers: 'TLS_AES_256_GCM_SHA384' },
  { name: 'tls13-chacha20', port: 40010, v: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256' },
  { name: 'tls12-renegotiate', port: 40011, v: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', renegotiate: true },
  { name: 'tls12-name-mismatch', port: 40012, v: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', sni: 'imap.wrong-name.test' },
  // openssl s_client as the client: it aborts the handshake with an alert when verification fails,
  // and its 'k' command line sends a TLS 1.3 KeyUpdate.
  { name: 'tls12-client-rejects', port: 40013, v: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', openssl: ['-tls1_2', '-verify_return_error'], input: [] },
  { name: 'tls13-client-rejects', port: 40014, v: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256', openssl: ['-tls1_3', '-verify_return_error'], input: [] },
  { name: 'tls13-key-update', port: 40015, v: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256', openssl: ['-tls1_3'], input: ['a1 CAPABILITY', 'k', 'a2 LOGOUT'] },
  // Certificates from the test CA (`ca`: which one); `verify`: the Node client checks the chain and name.
  { name: 'tls12-ca-valid', port: 40016, v: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', ca: 'valid', verify: true },
  { name: 'tls12-expired-rejected', port: 40017, v: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', ca: 'expired', openssl: ['-tls1_2', '-verify_return_error', '-CAfile', join(certDir, 'ca.crt')], input: [] },
  { name: 'tls12-not-yet-valid', port: 40018, v: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', ca: 'future' },
  // TLS 1.1 needs OpenSSL security level 0 on both sides.
  { name: 'tls11-ca-valid', port: 40019, v: 'TLSv1.1', ciphers: 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0', ca: 'valid', verify: true },
].filter((s) => !process.env.ONLY || process.env.ONLY.split(',').includes(s.name));

/** Runs openssl s_client against the session's server, feeding `input` lines slowly (CRLF). */
function opensslClient(s, keylogFile, sent) {
  return new Promise((resolve) => {
    const args = ['s_client', '-connect', `127.0.0.1:${s.port}`, '-servername', 'mail.example.org', '-crlf', '-keylogfile', keylogFile, ...s.openssl];
    const child = spawn('openssl', args, { stdio: ['pipe', 'ignore', 'ignore'] });
    let k = 0;
    const next = () => {
      if (k >= s.input.length) {
        setTimeout(() => child.stdin.end(), 500);
        return;
      }
      const line = s.input[k++];
      // 'k' is s_client's KeyUpdate command; it is not sent as data.
      if (line !== 'k') sent.client += `${line}\r\n`;
      child.stdin.write(`${line}\n`);
      setTimeout(next, 300);
    };
    setTimeout(next, 300);
    child.on('close', resolve);
    child.on('error', resolve);
  });
}

function runSession(s) {
  return new Promise((resolve) => {
    const sent = { client: '', server: '' };
    const keylog = [];
    const server = tls.createServer({
      ...(s.ca ? CA_ISSUED[s.ca] : { key, cert }), minVersion: s.v, maxVersion: s.v, ciphers: s.ciphers,
      secureOptions: s.noEtm ? constants.SSL_OP_NO_ENCRYPT_THEN_MAC : 0,
    }, (sock) => {
      let n = 0;
      const say = (t) => { sent.server += t; sock.write(t); };
      say(SERVER_LINES[n++]);
      let acc = '';
      sock.on('data', (d) => {
        acc += d.toString('latin1');
        while (acc.includes('\r\n')) {
          acc = acc.slice(acc.indexOf('\r\n') + 2);
          if (n < SERVER_LINES.length) say(SERVER_LINES[n++]);
          if (n === SERVER_LINES.length) sock.end();
        }
      });
      sock.on('error', () => {});
    });
    server.on('tlsClientError', () => {});
    const finish = () => {
      server.close();
      writeFileSync(join(outDir, `${s.name}.client.txt`), sent.client, 'latin1');
      writeFileSync(join(outDir, `${s.name}.server.txt`), sent.server, 'latin1');
      setTimeout(resolve, 200);
    };
    server.listen(s.port, '127.0.0.1', () => {
      if (s.openssl) {
        void opensslClient(s, join(outDir, `${s.name}.keylog`), sent).then(finish);
        return;
      }
      const sock = tls.connect({
        host: '127.0.0.1', port: s.port, servername: s.sni ?? 'mail.example.org',
        ...(s.verify ? { ca: caCert.toString('pem') } : { ca: cert, rejectUnauthorized: false, checkServerIdentity: () => undefined }),
        minVersion: s.v, maxVersion: s.v, ciphers: s.ciphers,
        secureOptions: s.noEtm ? constants.SSL_OP_NO_ENCRYPT_THEN_MAC : 0,
      });
      sock.on('keylog', (line) => keylog.push(line.toString('latin1')));
      let step = 0;
      const say = (t) => { sent.client += t; sock.write(t); };
      let acc = '';
      sock.on('data', (d) => {
        acc += d.toString('latin1');
        while (acc.includes('\r\n')) {
          acc = acc.slice(acc.indexOf('\r\n') + 2);
          // Answer after each complete server reply (the greeting, then each tagged completion).
          if (step === 0) {
            step++;
            if (s.renegotiate) sock.renegotiate({ rejectUnauthorized: false }, () => say(CLIENT_LINES[0]));
            else say(CLIENT_LINES[0]);
          } else if (/^a1 OK/m.test(sent.server) && step === 1 && acc === '' ) {
            step++;
            say(CLIENT_LINES[1]);
          }
        }
      });
      const done = () => {
        writeFileSync(join(outDir, `${s.name}.keylog`), keylog.join(''));
        finish();
      };
      sock.on('error', () => {});
      sock.on('close', done);
    });
  });
}

for (const s of SESSIONS) await runSession(s);
