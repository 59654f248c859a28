/**
 * The sessions of captures/tls/ (recorded on loopback by scripts/make-tls-captures.sh): decrypted
 * application data must equal what the client and server sent (the .client.txt / .server.txt files
 * the script wrote), and the handshake facts must match the session's settings.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { certificateCoversHost } from '../../../src/protocols/tls/certificate.js';
import { parseKeyLog } from '../../../src/protocols/tls/keylog.js';
import { readMiniCapture } from './helpers/mini-capture.js';
import { runTls } from './helpers/run-tls.js';

const DIR = new URL('../../../captures/tls/', import.meta.url);
const file = (name: string): URL => new URL(name, DIR);
const conn = (name: string) => readMiniCapture(file(`${name}.pcap`)).connections[0]!;
const keys = (name: string) => parseKeyLog(readFileSync(file(`${name}.keylog`), 'utf8'));
const expected = (name: string): [string, string] => [readFileSync(file(`${name}.client.txt`), 'latin1'), readFileSync(file(`${name}.server.txt`), 'latin1')];

const DECRYPTABLE: Array<[string, string, string]> = [
  ['tls12-aes128gcm', 'TLS 1.2', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
  ['tls12-aes256gcm', 'TLS 1.2', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
  ['tls12-chacha20', 'TLS 1.2', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
  ['tls12-cbc-sha', 'TLS 1.2', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'],
  ['tls12-cbc-sha-no-etm', 'TLS 1.2', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'],
  ['tls12-cbc-sha256', 'TLS 1.2', 'TLS_RSA_WITH_AES_256_CBC_SHA256'],
  ['tls12-cbc-sha384', 'TLS 1.2', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384'],
  ['tls12-renegotiate', 'TLS 1.2', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
  ['tls12-name-mismatch', 'TLS 1.2', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
  ['tls13-aes128gcm', 'TLS 1.3', 'TLS_AES_128_GCM_SHA256'],
  ['tls13-aes256gcm', 'TLS 1.3', 'TLS_AES_256_GCM_SHA384'],
  ['tls13-chacha20', 'TLS 1.3', 'TLS_CHACHA20_POLY1305_SHA256'],
  ['tls13-key-update', 'TLS 1.3', 'TLS_AES_128_GCM_SHA256'],
];

describe('loopback sessions with their key logs', () => {
  it.each(DECRYPTABLE)('%s decrypts to exactly what each side sent', (name, version, suite) => {
    const r = runTls(conn(name), keys(name));
    expect(r.plaintext).toEqual(expected(name));
    expect(r.facts.version?.name).toBe(version);
    expect(r.facts.cipherSuite?.name).toBe(suite);
    expect(r.facts.decryption.status).toBe('ok');
    expect(r.facts.decryption.failure).toBeUndefined();
    expect(r.facts.handshakeState).toBe('established');
    expect(r.facts.closedDuringHandshake).toBe(false);
    expect(r.encryptedBytes).toEqual([0, 0]);
    expect(r.decrypted).toBe(true);
    expect(r.offsetsContinuous).toBe(true);
    expect(r.plaintextGaps).toBe(0);
    expect(r.facts.anomalies).toEqual([]);
    // Both sides end with a close_notify, which only decryption reveals.
    expect(r.facts.alerts.map((a) => `${a.sender} ${a.level} ${a.name} ${a.decrypted}`).sort()).toEqual(['client warning close_notify true', 'server warning close_notify true']);
  });

  it.each([1, 3, 7, 1000])('gives the same result when every segment is cut into %i-byte pieces', (split) => {
    for (const name of ['tls12-cbc-sha384', 'tls13-chacha20', 'tls12-renegotiate']) {
      const whole = runTls(conn(name), keys(name));
      const cut = runTls(conn(name), keys(name), { split });
      expect(cut.plaintext).toEqual(expected(name));
      expect(cut.facts).toEqual(whole.facts);
    }
  });

  it('follows a TLS 1.2 renegotiation: the second handshake is read from inside the encrypted stream', () => {
    const r = runTls(conn('tls12-renegotiate'), keys('tls12-renegotiate'));
    expect(r.facts.renegotiations).toBe(1);
    expect(r.facts.clientHellos).toHaveLength(2);
    expect(r.facts.serverHellos).toHaveLength(2);
    expect(r.facts.clientHellos[1]!.random).not.toBe(r.facts.clientHellos[0]!.random);
    expect(r.facts.certificates.map((c) => c.decrypted)).toEqual([false, true]);
  });

  it('follows a TLS 1.3 KeyUpdate and reads the encrypted certificate', () => {
    const r = runTls(conn('tls13-key-update'), keys('tls13-key-update'));
    expect(r.plaintext[0]).toBe('a1 CAPABILITY\r\na2 LOGOUT\r\n');
    const certs = r.facts.certificates;
    expect(certs).toHaveLength(1);
    expect(certs[0]!.decrypted).toBe(true);
    expect(certs[0]!.certificates[0]!.subjectCN).toEqual(['mail.example.org']);
  });

  it('without keys: handshake facts, certificate, encrypted byte counts, and no plaintext', () => {
    const r = runTls(conn('tls12-aes128gcm'), undefined);
    const f = r.facts;
    expect(f.sni).toBe('mail.example.org');
    expect(f.clientHellos[0]!.versionsOffered.map((v) => v.name)).toEqual(['TLS 1.2']);
    expect(f.clientHellos[0]!.cipherSuites.map((c) => c.name)).toContain('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    expect(f.handshakeState).toBe('established');
    expect(f.changeCipherSpec.client).toHaveLength(1);
    expect(f.changeCipherSpec.server).toHaveLength(1);
    expect(f.encryptedAlerts).toEqual([1, 1]);
    expect(f.decryption.status).toBe('no-keylog');
    expect(f.decryption.failure?.reason).toBe('no key log was given');
    const [c0, c1] = [expected('tls12-aes128gcm')[0].length, expected('tls12-aes128gcm')[1].length];
    // Each GCM record adds an 8-byte explicit nonce and a 16-byte tag to the plaintext.
    expect(r.encryptedBytes[0]).toBe(c0 + 2 * 24);
    expect(r.encryptedBytes[1]).toBe(c1 + 3 * 24);
    expect(r.plaintext).toEqual(['', '']);
    const cert = f.certificates[0]!.certificates[0]!;
    expect(cert.subjectCN).toEqual(['mail.example.org']);
    expect(cert.sanDns).toEqual(['mail.example.org', 'imap.example.org']);
    expect(cert.selfSigned).toBe(true);
    expect(cert.keyType).toBe('RSA');
    expect(cert.keyBits).toBe(2048);
    expect(Date.parse(cert.notAfter) - Date.parse(cert.notBefore)).toBe(3650 * 86400_000);
  });

  it('without keys, TLS 1.3 shows the hellos and counts every encrypted record as application data', () => {
    const r = runTls(conn('tls13-aes128gcm'), undefined);
    expect(r.facts.version?.name).toBe('TLS 1.3');
    expect(r.facts.clientHellos[0]!.supportedVersionsExtension).toBe(true);
    expect(r.facts.clientHellos[0]!.versionsOffered.map((v) => v.name)).toEqual(['TLS 1.3']);
    expect(r.facts.certificates).toEqual([]);
    expect(r.facts.handshakeState).toBe('established');
    expect(r.encryptedBytes[0]).toBeGreaterThan(expected('tls13-aes128gcm')[0].length);
  });

  it('a key log for other sessions: no key for this client random, reported once', () => {
    const r = runTls(conn('tls12-chacha20'), keys('tls12-aes128gcm'));
    expect(r.facts.decryption.status).toBe('no-key');
    expect(r.facts.decryption.failure?.reason).toBe('no CLIENT_RANDOM line in the key log for this client random');
    expect(r.plaintext).toEqual(['', '']);
  });

  it('a wrong master secret: the first record fails to decrypt, later bytes are only counted', () => {
    const wrong = readFileSync(file('tls12-aes128gcm.keylog'), 'utf8').replace(/ ([0-9a-f]{96})/, ` ${'00'.repeat(48)}`);
    const r = runTls(conn('tls12-aes128gcm'), parseKeyLog(wrong));
    expect(r.facts.decryption.status).toBe('failed');
    expect(r.facts.decryption.failure?.reason).toMatch(/authentication tag mismatch/);
    expect(r.facts.decryption.failure?.sender).toBe('client');
    expect(r.plaintext).toEqual(['', '']);
    expect(r.encryptedBytes[0]).toBeGreaterThan(0);
  });

  it('name mismatch: the certificate does not cover the SNI', () => {
    const f = runTls(conn('tls12-name-mismatch'), undefined).facts;
    expect(f.sni).toBe('imap.wrong-name.test');
    const leaf = f.certificates[0]!.certificates[0]!;
    expect(certificateCoversHost(leaf, f.sni!)).toBe(false);
    expect(certificateCoversHost(leaf, 'IMAP.example.org')).toBe(true);
  });

  it('a TLS 1.2 client that rejects the certificate: fatal unknown_ca from the client, handshake not finished', () => {
    const r = runTls(conn('tls12-client-rejects'), keys('tls12-client-rejects'));
    expect(r.facts.alerts.map((a) => `${a.sender} ${a.level} ${a.name} ${a.decrypted}`)).toEqual(['client fatal unknown_ca false']);
    expect(r.facts.handshakeState).toBe('server-hello');
    expect(r.facts.closedDuringHandshake).toBe(true);
    expect(r.facts.decryption.status).toBe('not-needed');
  });

  it('a TLS 1.3 client that rejects the certificate: the server flight decrypts, the client alert is cleartext (outer type 21, sent before its handshake keys)', () => {
    // openssl s_client logged only the server handshake secret before aborting: its alert needs none.
    const r = runTls(conn('tls13-client-rejects'), keys('tls13-client-rejects'));
    expect(r.facts.certificates[0]!.decrypted).toBe(true);
    expect(r.facts.handshakeState).toBe('server-hello');
    expect(r.facts.closedDuringHandshake).toBe(true);
    expect(r.facts.alerts.map((a) => `${a.sender} ${a.level} ${a.name} ${a.decrypted}`)).toEqual(['client fatal unknown_ca false']);
    expect(r.facts.encryptedAlerts).toEqual([0, 0]);
    expect(r.facts.decryption.failure).toBeUndefined();
    // Without the key log the alert reads the same.
    expect(runTls(conn('tls13-client-rejects'), undefined).facts.alerts).toEqual(r.facts.alerts);
  });
});
