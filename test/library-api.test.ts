/**
 * The library entry point (package.json "main": dist/index.js): analyze() takes paths, bytes and
 * streams, returns the JSON report's document, redacts by default and throws coded errors whose
 * messages never hold the input's bytes.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as mailwire from '../src/index.js';

const SAMPLE = fileURLToPath(new URL('../captures/exchange2013-proxynotauthenticated.pcap', import.meta.url));
const PHONE = fileURLToPath(new URL('../captures/phone-vs-thunderbird.pcap', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/mailwire', import.meta.url));

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    expect(mailwire.isMailwireError(err)).toBe(true);
    const e = err as mailwire.MailwireError;
    return { code: e.code, message: e.message };
  }
  throw new Error('expected a rejection');
}

describe('library API: analyze()', () => {
  it('redacts secrets unless showSecrets is true', async () => {
    const report = await mailwire.analyze(SAMPLE);
    expect(report.secretsShown).toBe(false);
    const conv = report.conversations[0]!;
    expect(conv.protocol).toBe('imap');
    expect(conv.findings.map((f) => f.id)).toContain('exchange.proxy-not-authenticated');
    expect(conv.auth[0]!.secret?.value).toBeUndefined();
    expect(JSON.stringify(report)).not.toContain('Secret123');

    const shown = await mailwire.analyze(SAMPLE, { showSecrets: true });
    expect(shown.secretsShown).toBe(true);
    expect(shown.conversations[0]!.auth[0]!.secret?.value).toBe('Secret123');
    expect(mailwire.ruleMeta('exchange.proxy-not-authenticated')?.fix).toMatch(/X509CertificateName/);
  });

  it('returns the document `read --format json` prints', async () => {
    const report = await mailwire.analyze([PHONE], { names: ['captures/phone-vs-thunderbird.pcap'] });
    const cli = JSON.parse(execFileSync(process.execPath, [BIN, 'read', 'captures/phone-vs-thunderbird.pcap', '--format', 'json'],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' })) as unknown;
    // Password fingerprints are keyed per run (src/model/secrets.ts): the only thing that differs.
    const unkeyed = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (k, v: unknown) => (k === 'fingerprint' ? '*' : v)));
    expect(unkeyed(report)).toEqual(unkeyed(cli));
    expect(report.summary.logins.attempts.length).toBeGreaterThan(0);
    expect(report.findings.map((f) => f.id)).toContain('imap.repeated-login-failure');
  });

  it('reads a Buffer, a Uint8Array and a readable stream as it reads the file', async () => {
    const fromFile = await mailwire.analyze(PHONE);
    const bytes = readFileSync(PHONE);
    const fromBuffer = await mailwire.analyze(bytes);
    const fromArray = await mailwire.analyze(new Uint8Array(bytes));
    const fromStream = await mailwire.analyze(createReadStream(PHONE));
    expect(fromBuffer.inputs).toEqual(['input 1 (buffer)']);
    expect(fromStream.inputs).toEqual(['input 1 (stream)']);
    const core = (r: mailwire.Report): unknown => r.conversations.map(({ input: _i, ...c }) => c);
    expect(core(fromBuffer)).toEqual(core(fromFile));
    expect(core(fromArray)).toEqual(core(fromFile));
    expect(core(fromStream)).toEqual(core(fromFile));
    expect(fromBuffer.conversations[0]!.input).toBe('input 1 (buffer)');
  });

  it('takes the key log as text or bytes, and ports to dissect', async () => {
    const pcap = fileURLToPath(new URL('../captures/tls/tls13-aes128gcm.pcap', import.meta.url));
    const keyLog = readFileSync(pcap.replace(/\.pcap$/, '.keylog'));
    const plain = await mailwire.analyze(pcap, { ports: [40000 + 1, ...Array.from({ length: 98 }, (_, i) => 40002 + i)] });
    const fromBytes = await mailwire.analyze(pcap, { keyLog, ports: Array.from({ length: 99 }, (_, i) => 40001 + i) });
    const fromText = await mailwire.analyze(pcap, { keyLog: keyLog.toString('latin1'), ports: Array.from({ length: 99 }, (_, i) => 40001 + i) });
    const said = (r: mailwire.Report): string[] => r.conversations.flatMap((c) => c.events.map((e) => e.raw));
    expect(said(fromBytes)).toContain('a1 CAPABILITY');
    expect(said(plain)).not.toContain('a1 CAPABILITY');
    expect(said(fromText)).toEqual(said(fromBytes));
  });

  it('throws coded errors that never contain the input bytes', async () => {
    const notCapture = Buffer.alloc(4143, 'From: alice@example.com\r\nSubject: hello\r\n');
    const bad = await codeOf(mailwire.analyze(notCapture));
    expect(bad.code).toBe('ERR_CAPTURE_BAD_MAGIC');
    expect(bad.message).toBe('input 1 (buffer): not a capture file (neither pcap nor pcapng): looks like text (at byte 0)');
    const text = await codeOf(mailwire.analyze(readFileSync(PHONE, 'latin1')));
    expect(text.code).toBe('ERR_INVALID_INPUT');
    expect(text.message.length).toBeLessThan(200);
    expect(text.message).toMatch(/^input 1 is not a file path \(a string of \d+ characters/);
    expect(await codeOf(mailwire.analyze(42 as unknown as string))).toEqual({ code: 'ERR_INVALID_INPUT', message: 'input 1 is a number: pass a file path, a Buffer or Uint8Array, or a readable stream' });
    expect((await codeOf(mailwire.analyze([]))).code).toBe('ERR_INVALID_INPUT');
    expect(await codeOf(mailwire.analyze('/nonexistent/trace.pcap'))).toEqual({ code: 'ERR_INPUT_NOT_FOUND', message: '/nonexistent/trace.pcap: no such file' });
    expect((await codeOf(mailwire.analyze(PHONE, { minSeverity: 'loud' as 'info' }))).code).toBe('ERR_INVALID_INPUT');
  });
});
