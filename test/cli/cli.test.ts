/**
 * The command line as a user runs it: `node bin/mailwire ...` on real captures (the build in dist/
 * comes from `npm test`'s tsc step). Exit statuses, one-line errors, formats, secrets.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/mailwire');
const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const haveCorpus = existsSync(CORPUS);
if (!haveCorpus) console.warn('cli tests on corpus captures: ../shared/corpus absent, skipped');

function run(args: string[], input?: Buffer | string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

describe('mailwire command line: usage and bad input', () => {
  it('prints its version and help', () => {
    const v = run(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = run(['read', '--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('Examples:');
    expect(h.stdout).toContain('--fail-on');
  });

  it('rejects an unknown option with exit status 2', () => {
    const r = run(['read', '--bogus', 'x.pcap']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
  });

  it('rejects bad option values with one line and exit status 2', () => {
    const r = run(['read', '--ports', '99999', 'x.pcap']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("--ports: '99999' is not a TCP port");
  });

  it('names the file and says why when it is not a capture', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwire-cli-'));
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello, this is not a capture\n');
    const r = run(['read', text]);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(text);
    expect(lines[0]).toMatch(/not a capture/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it('says when a file does not exist', () => {
    const r = run(['read', '/nonexistent/trace.pcap']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^mailwire: \/nonexistent\/trace\.pcap: .*(no such file|not found)/i);
  });
});

describe.skipIf(!haveCorpus)('mailwire read on real captures', () => {
  const pop3 = join(CORPUS, 'zeek/pop3.pcap');
  const imapLogin = join(CORPUS, 'BruteShark/IMAP - Login (Plaintext) 3.pcap');

  it('writes a JSON document with the conversations, findings and summary', () => {
    const r = run(['read', pop3, '--format', 'json']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.generator.name).toBe('mailwire');
    expect(doc.conversations).toHaveLength(7);
    expect(doc.conversations.every((c: { protocol: string }) => c.protocol === 'pop3')).toBe(true);
    expect(doc.summary.conversations).toBe(7);
    expect(doc.summary.findings.byId['tcp.refused']).toBe(2);
  });

  it('reads the same capture from standard input and gzip-compressed', () => {
    const bytes = readFileSync(pop3);
    const viaStdin = JSON.parse(run(['read', '-', '--format', 'json'], bytes).stdout);
    expect(viaStdin.conversations).toHaveLength(7);
    const dir = mkdtempSync(join(tmpdir(), 'mailwire-cli-'));
    const gz = join(dir, 'trace.bin'); // no .gz name: gzip is recognised by its magic
    writeFileSync(gz, gzipSync(bytes));
    const viaGzip = JSON.parse(run(['read', gz, '--format', 'json']).stdout);
    expect(viaGzip.conversations.map((c: { outcome: string }) => c.outcome)).toEqual(viaStdin.conversations.map((c: { outcome: string }) => c.outcome));
  });

  it('exits 1 with --fail-on when a finding of that level exists, 0 otherwise', () => {
    expect(run(['read', pop3, '--fail-on', 'error', '--format', 'jsonl']).status).toBe(1);
    expect(run(['read', join(CORPUS, 'arkime/imap-tag.pcap'), '--fail-on', 'error']).status).toBe(0);
  });

  it('writes jsonl: one object per line, the summary last', () => {
    const r = run(['read', pop3, '--format', 'jsonl']);
    const objs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(objs.filter((o) => o.type === 'conversation')).toHaveLength(7);
    expect(objs.at(-1).type).toBe('summary');
    expect(objs.some((o) => o.type === 'finding' && o.id === 'tcp.refused')).toBe(true);
  });

  it('--only-problems keeps only conversations with warnings or errors', () => {
    const all = JSON.parse(run(['read', pop3, '--format', 'json']).stdout);
    const problems = JSON.parse(run(['read', pop3, '--format', 'json', '--only-problems']).stdout);
    const expected = all.conversations.filter((c: { findings: Array<{ severity: string }> }) => c.findings.some((f) => f.severity !== 'info'));
    expect(problems.conversations.map((c: { id: number }) => c.id)).toEqual(expected.map((c: { id: number }) => c.id));
    expect(problems.conversations.length).toBeLessThan(all.conversations.length);
  });

  it('never shows a password unless asked, in any format', () => {
    const shown = JSON.parse(run(['read', imapLogin, '--format', 'json', '--show-secrets']).stdout);
    expect(shown.secretsShown).toBe(true);
    const secrets: string[] = shown.conversations.flatMap((c: { auth: Array<{ secret?: { value?: string } }> }) => c.auth.map((a) => a.secret?.value)).filter(Boolean);
    expect(secrets.length).toBeGreaterThan(0);
    for (const format of ['text', 'json', 'jsonl', 'markdown']) {
      const r = run(['read', imapLogin, '--format', format]);
      expect(r.status).toBe(0);
      for (const s of secrets) expect(r.stdout, `${format} leaks a password`).not.toContain(s);
    }
    const text = run(['read', imapLogin, '--show-secrets']);
    expect(text.stdout).toContain('Secrets are shown');
    for (const s of secrets) expect(text.stdout).toContain(s);
  });

  it('writes the report to a file with -o', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwire-cli-'));
    const out = join(dir, 'report.md');
    const r = run(['read', imapLogin, '--format', 'markdown', '-o', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    const md = readFileSync(out, 'utf8');
    expect(md).toMatch(/^# mailwire report/);
    expect(md).toContain('C0003 LOGIN bhodgyalo59 <redacted>');
  });
});
