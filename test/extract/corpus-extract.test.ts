/**
 * `extract` on real captures: every message file is byte-identical to the message as the client or
 * server sent it. The expected SHA-256s were computed without mailwire (tshark follow,tcp,raw,
 * literals cut by their announced size, POP3 dot-unstuffed): scripts/make-extract-fixtures.mjs.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { extractMessages, INDEX_FILE, type ExtractIndex } from '../../src/extract/extract.js';

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const HAVE_CORPUS = existsSync(CORPUS);
if (!HAVE_CORPUS) console.warn(`extract corpus tests skipped: ${CORPUS} not found`);

interface Expected {
  command: string;
  item?: string;
  kind: 'message' | 'part';
  size: number;
  sha256: string;
  dotStuffedLines?: number;
}
const EXPECTED = JSON.parse(readFileSync(new URL('../fixtures/extract/expected.json', import.meta.url), 'utf8')) as Record<string, Expected[]>;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function run(rel: string, partial: boolean): Promise<{ dir: string; index: ExtractIndex }> {
  const dir = mkdtempSync(join(tmpdir(), 'mailwire-extract-'));
  dirs.push(dir);
  const index = await extractMessages([join(CORPUS, rel)], { dir, partial });
  return { dir, index };
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const key = (m: { command: string; item?: string; kind: string; size: number; sha256: string }): string => `${m.kind} ${m.command} ${m.item ?? ''} ${m.size} ${m.sha256}`;

describe.skipIf(!HAVE_CORPUS)('extract on corpus captures', () => {
  for (const rel of Object.keys(EXPECTED)) {
    it(`${rel}: every message and part, byte for byte (--partial)`, async () => {
      const { dir, index } = await run(rel, true);
      const expected = EXPECTED[rel]!;
      expect(expected.length).toBeGreaterThan(0);
      expect(index.messages.map(key).sort()).toEqual(expected.map(key).sort());
      for (const m of index.messages) {
        const bytes = readFileSync(join(dir, m.file));
        expect(sha(bytes)).toBe(m.sha256);
        expect(bytes.length).toBe(m.size);
        expect(m.complete).toBe(true);
        expect(m.file).toMatch(new RegExp(`^c${m.conversation}-(client|server)-[a-z0-9.-]+\\.eml$`));
        expect((statSync(join(dir, m.file)).mode & 0o777).toString(8)).toBe('600');
      }
      // Nothing else is left in the directory (temp files renamed or removed).
      expect(readdirSync(dir).sort()).toEqual([...index.messages.map((m) => m.file), INDEX_FILE].sort());
      expect(JSON.parse(readFileSync(join(dir, INDEX_FILE), 'utf8'))).toEqual(JSON.parse(JSON.stringify(index)));
    });
  }

  it('without --partial only whole messages are written; the parts are counted', async () => {
    const rel = 'BruteShark/IMAP - Authenticate Plain (Base64).pcap';
    const { index } = await run(rel, false);
    const expected = EXPECTED[rel]!;
    expect(index.messages.map(key).sort()).toEqual(expected.filter((e) => e.kind === 'message').map(key).sort());
    expect(index.skipped.parts).toBe(expected.filter((e) => e.kind === 'part').length);
    expect(index.messages.map((m) => `${m.file} ${m.command} ${m.firstFrame}-${m.lastFrame}`)).toEqual([
      'c1-client-submit1.eml DATA 20-20',
      'c3-client-append1.eml APPEND 57-57',
      'c4-server-seq1-uid1.eml FETCH 85-85',
      'c2-server-seq2-uid2.eml FETCH 129-137',
      'c2-server-seq3-uid3.eml FETCH 161-165',
    ]);
  });

  it('POP3 RETR (zeek/pop3.pcap): dot-stuffed lines unstuffed, headers decoded', async () => {
    expect(EXPECTED['zeek/pop3.pcap']!.some((e) => (e.dotStuffedLines ?? 0) > 0)).toBe(true);
    const { index } = await run('zeek/pop3.pcap', false);
    expect(index.messages.map((m) => [m.file, m.pop3Number, m.subject, m.from, m.to, m.date])).toEqual([
      ['c7-server-msg1.eml', 1, 'A message from 1&1 Internet', '1&1 Internet Ltd. <support@1and1.co.uk>', 'digitalinvestigator@networksims.com', '2013-08-22T19:14:44.000Z'],
      ['c7-server-msg2.eml', 2, 'Testing', 'Buchanan, Bill <B.Buchanan@napier.ac.uk>', 'digitalinvestigator@networksims.com', '2013-08-22T19:18:52.000Z'],
      ['c7-server-msg3.eml', 3, 'RE: Testing', 'Buchanan, Bill <B.Buchanan@napier.ac.uk>', 'DI <digitalinvestigator@networksims.com>', '2013-08-22T19:19:11.000Z'],
    ]);
  });

  it('RFC 2047 encoded headers are decoded (suricata-verify/tcp-async-01)', async () => {
    const { index } = await run('suricata-verify/tcp-async-01/input.pcap', false);
    expect(index.messages).toHaveLength(1);
    const m = index.messages[0]!;
    expect(m).toMatchObject({ file: 'c1-server-seq21-uid1320886124.eml', command: 'FETCH', item: 'BODY[]', sequence: 21, uid: 1320886124, size: 180237, announcedSize: 180237 });
    expect(m.subject).toBe('long user name， long attachment name');
    expect(m.from).toBe('沸水の青蛙 <99785958@qq.com>');
  });

  it('APPEND (protolens/imap_append.pcap) is written from the client side', async () => {
    const { index } = await run('protolens/imap_append.pcap', false);
    expect(index.messages.map((m) => [m.file, m.direction, m.append, m.subject])).toEqual([['c1-client-append1.eml', 'client-to-server', 1, 'test imap']]);
  });
});
