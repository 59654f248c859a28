/** `node bin/mailwire extract` as a user runs it (dist/ is built by `npm test`'s tsc step). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/mailwire');
const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const HAVE_CORPUS = existsSync(CORPUS);
if (!HAVE_CORPUS) console.warn(`extract CLI corpus tests skipped: ${CORPUS} not found`);

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'mailwire-cli-extract-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

describe('mailwire extract: usage', () => {
  it('help has examples; -d is required', () => {
    const h = run(['extract', '--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('Examples:');
    expect(h.stdout).toContain('--partial');
    const r = run(['extract', join(ROOT, 'captures/clean-imap.pcap')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("required option '-d, --dir <dir>' not specified");
  });

  it('an output "directory" that is a file: exit 2, one line', () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    const r = run(['extract', join(ROOT, 'captures/clean-imap.pcap'), '-d', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^mailwire: (cannot use .* as the output directory: [\w ]+|.* is not a directory)\n$/);
  });

  it('a capture without messages: an empty index, exit 0', () => {
    const dir = join(tempDir(), 'new', 'sub');
    const r = run(['extract', join(ROOT, 'captures/exchange2013-proxynotauthenticated.pcap'), '-d', dir]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`0 file(s) written to ${dir} (0 complete); index in index.json\n`);
    expect(JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')).messages).toEqual([]);
  });
});

describe('mailwire extract on a founding sample', () => {
  it('exchange55-telnet.pcap: the FETCH BODY[] message; a second run into the same directory does not overwrite', () => {
    const dir = tempDir();
    const sample = join(ROOT, 'captures/exchange55-telnet.pcap');
    const first = run(['extract', sample, '-d', dir]);
    expect(first.status).toBe(0);
    expect(first.stdout.split('\n')[0]).toBe('c1-server-seq1.eml  #1 frames 17-17  FETCH BODY[]  339 bytes  "Lunch on Friday?"');
    const again = run(['extract', sample, '-d', dir]);
    expect(again.stdout.split('\n')[0]).toMatch(/^c1-server-seq1-2\.eml /);
    expect(readFileSync(join(dir, 'c1-server-seq1.eml')).equals(readFileSync(join(dir, 'c1-server-seq1-2.eml')))).toBe(true);
  });
});

describe.skipIf(!HAVE_CORPUS)('mailwire extract on corpus captures', () => {
  it('POP3 RETR: files, summary on stdout, index.json', () => {
    const dir = tempDir();
    const r = run(['extract', join(CORPUS, 'zeek/pop3.pcap'), '-d', dir]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        'c7-server-msg1.eml  #7 frames 95-100  RETR  5565 bytes  "A message from 1&1 Internet"',
        'c7-server-msg2.eml  #7 frames 103-111  RETR  8412 bytes  "Testing"',
        'c7-server-msg3.eml  #7 frames 114-119  RETR  5214 bytes  "RE: Testing"',
        `3 file(s) written to ${dir} (3 complete); index in index.json`,
        '',
      ].join('\n'),
    );
    expect(readdirSync(dir).sort()).toEqual(['c7-server-msg1.eml', 'c7-server-msg2.eml', 'c7-server-msg3.eml', 'index.json']);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    expect(index.inputs).toEqual([join(CORPUS, 'zeek/pop3.pcap')]);
    expect(index.messages[1]).toMatchObject({ file: 'c7-server-msg2.eml', conversation: 7, protocol: 'pop3', direction: 'server-to-client', command: 'RETR', pop3Number: 2, size: 8412, complete: true, subject: 'Testing' });
  });

  it('partial fetches are counted without --partial, written with it', () => {
    const rel = join(CORPUS, 'protolens/imap_fetch.pcap');
    const without = run(['extract', rel, '-d', tempDir()]);
    expect(without.stdout).toMatch(/^c1-server-seq557-uid557\.eml {2}#1 frames 53-55 {2}FETCH BODY\[\] {2}3023 bytes {2}"leeee"\n1 file\(s\) written to .* \(1 complete\); index in index.json\n3 partial fetch\(es\) or TOP bodies not written \(use --partial\)\n$/);
    const dir = tempDir();
    const withParts = run(['extract', rel, '-d', dir, '--partial']);
    expect(withParts.status).toBe(0);
    expect(readdirSync(dir).filter((f) => f.includes('-part-')).sort()).toEqual(['c1-server-seq557-uid557-part-body-header.fields-2.eml', 'c1-server-seq557-uid557-part-body-header.fields.eml', 'c1-server-seq557-uid557-part-body-text-0.eml']);
  });

  it('two inputs: conversation numbers continue across them, names stay unique', () => {
    const dir = tempDir();
    const r = run(['extract', join(CORPUS, 'protolens/pop3.pcap'), join(CORPUS, 'zeek/pop3.pcap'), '-d', dir]);
    expect(r.status).toBe(0);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    expect(index.messages.map((m: { file: string; input: string }) => [m.file, m.input.split('/').slice(-2).join('/')])).toEqual([
      ['c1-server-msg7.eml', 'protolens/pop3.pcap'],
      ['c8-server-msg1.eml', 'zeek/pop3.pcap'],
      ['c8-server-msg2.eml', 'zeek/pop3.pcap'],
      ['c8-server-msg3.eml', 'zeek/pop3.pcap'],
    ]);
  });
});
