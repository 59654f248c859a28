/**
 * Extraction inside decrypted TLS: an implicit-TLS IMAP session recorded on loopback
 * (scripts/make-extract-tls-fixture.mjs, port 40993, TLS 1.3 key log) with a 40 KB FETCH spread
 * over several records and an APPEND; the expected hashes were computed from the generated messages.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { extractMessages } from '../../src/extract/extract.js';
import { analyzeFiles } from '../../src/analyze.js';
import { LoginTable } from '../../src/report/logins.js';

const FIX = fileURLToPath(new URL('../fixtures/extract/', import.meta.url));
const PCAP = join(FIX, 'tls-fetch.pcap');
const KEYLOG = readFileSync(join(FIX, 'tls-fetch.keylog'), 'latin1');
const EXPECTED = JSON.parse(readFileSync(join(FIX, 'tls-fetch.json'), 'utf8')) as { port: number; fetched: { size: number; sha256: string; uid: number }; appended: { size: number; sha256: string } };

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('extract inside TLS', () => {
  it('with the key log: the FETCHed and the APPENDed message, byte for byte, marked decrypted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwire-extract-tls-'));
    dirs.push(dir);
    const index = await extractMessages([PCAP], { dir, extraPorts: [EXPECTED.port], keyLogText: KEYLOG });
    expect(index.messages.map((m) => [m.file, m.command, m.size, m.sha256, m.decrypted, m.complete])).toEqual([
      ['c1-server-seq1-uid42.eml', 'FETCH', EXPECTED.fetched.size, EXPECTED.fetched.sha256, true, true],
      ['c1-client-append1.eml', 'APPEND', EXPECTED.appended.size, EXPECTED.appended.sha256, true, true],
    ]);
    expect(createHash('sha256').update(readFileSync(join(dir, 'c1-server-seq1-uid42.eml'))).digest('hex')).toBe(EXPECTED.fetched.sha256);
    expect(index.messages[0]!.subject).toBe('Grüße über TLS');
  });

  it('without the key log: nothing to extract', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwire-extract-tls-'));
    dirs.push(dir);
    const index = await extractMessages([PCAP], { dir, extraPorts: [EXPECTED.port] });
    expect(index.messages).toEqual([]);
  });

  it('the login inside TLS is listed as encrypted, its password not exposed', async () => {
    const table = new LoginTable(false);
    for (const c of (await analyzeFiles([PCAP], { extraPorts: [EXPECTED.port], keyLogText: KEYLOG })).conversations) table.add(c);
    expect(table.sorted().map((r) => [r.method, r.user, r.encrypted, r.outcome, r.secretKind, r.secretExposed])).toEqual([['LOGIN', 'alice', true, 'ok', 'password', false]]);
  });
});
