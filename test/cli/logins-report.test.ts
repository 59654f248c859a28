/** The capture-wide Logins section of `mailwire read` reports: text, markdown, json and jsonl summaries. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loginRow } from '../../src/report/logins.js';
import { loginsText, MAX_CELL_CHARS } from '../../src/report/logins-format.js';
import type { AuthAttempt, Conversation } from '../../src/model/conversation.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/mailwire');
const SAMPLE = join(ROOT, 'captures/iphone-exchange2007-plaintext.pcap');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

describe('Logins section in reports', () => {
  it('text: a table of every attempt before the summary, also with --only-problems', () => {
    const r = run(['read', SAMPLE, '--only-problems', '--width', '0']);
    expect(r.status).toBe(0);
    const section = r.stdout.slice(r.stdout.indexOf('━━ Logins'), r.stdout.indexOf('━━ Summary'));
    const rows = section.trimEnd().split('\n').slice(2);
    expect(rows.map((l) => l.replace(/\s+/g, ' ').replace(/^ \S+ /, ''))).toEqual([
      '#1 IMAP 127.0.0.31:36433 127.0.0.11:143 LOGIN "alice@example.com" cleartext failed: LOGIN failed. password in cleartext 10,11',
      '#2 IMAP 127.0.0.31:33677 127.0.0.11:143 LOGIN "alice@example.com" cleartext failed: LOGIN failed. password in cleartext 28,29',
      '#3 IMAP 127.0.0.31:37375 127.0.0.11:143 LOGIN "alice@example.com" cleartext failed: LOGIN failed. password in cleartext 46,47',
      '#4 IMAP 127.0.0.31:42979 127.0.0.11:143 LOGIN "alice@example.com" cleartext ok password in cleartext 64,65',
    ]);
  });

  it('text: a table wider than the width becomes one wrapped paragraph per attempt', () => {
    const r = run(['read', SAMPLE, '--width', '80']);
    expect(r.status).toBe(0);
    const section = r.stdout.slice(r.stdout.indexOf('━━ Logins'), r.stdout.indexOf('━━ Summary')).trimEnd().split('\n');
    expect(section.every((l) => l.length <= 80)).toBe(true);
    expect(section[1]).toBe('   #1 IMAP 127.0.0.31:36433 → 127.0.0.11:143  LOGIN "alice@example.com",');
    expect(section[2]).toBe('     cleartext: failed: LOGIN failed.; password in cleartext  (frames 10,11,');
    // Continuations sit under the attempt's text; every attempt starts a paragraph of its own.
    expect(section.slice(1).every((l) => /^( {3}#\d IMAP | {5}\S)/.test(l))).toBe(true);
    expect(section.filter((l) => /^ {3}#\d IMAP/.test(l))).toHaveLength(4);
  });

  it('markdown: a table after the summary', () => {
    const r = run(['read', join(ROOT, 'captures/clean-imap.pcap'), '--format', 'markdown']);
    expect(r.stdout).toMatch(/## Logins\n\n\| time \| conv \| protocol \| client \| server \| method \| user \| transport \| outcome \| secret \| frames \|\n\|---\|/);
    expect(r.stdout).toMatch(/\| \\#1 \| IMAP \| 127\.0\.0\.61:\d+ \| 127\.0\.0\.14:143 \| CRAM-MD5 \| "alice" \| cleartext \| ok \| offline attack possible \\\(cram-md5\\\) \| 6,8,10,11 \|/);
  });

  it('json and jsonl: summary.logins keeps its counts and gains the attempts, secrets redacted', () => {
    const j = JSON.parse(run(['read', SAMPLE, '--format', 'json']).stdout);
    expect(j.summary.logins).toMatchObject({ ok: 1, failed: 3, cancelled: 0, unknown: 0 });
    expect(j.summary.logins.attempts.map((a: { conversation: number; outcome: string; secretExposed: boolean }) => [a.conversation, a.outcome, a.secretExposed])).toEqual([
      [1, 'failed', true],
      [2, 'failed', true],
      [3, 'failed', true],
      [4, 'ok', true],
    ]);
    expect(JSON.stringify(j.summary.logins)).not.toMatch(/"secret"/);
    const lines = run(['read', SAMPLE, '--format', 'jsonl']).stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]!);
    expect(summary.type).toBe('summary');
    expect(summary.logins.attempts).toHaveLength(4);
    const shown = JSON.parse(run(['read', SAMPLE, '--format', 'json', '--show-secrets']).stdout);
    expect(typeof shown.summary.logins.attempts[0].secret).toBe('string');
  });
});

describe('the text table', () => {
  it('cuts hostile long cells and escapes control characters', () => {
    const conv = { id: 1, protocol: 'imap', client: { ip: '10.0.0.1', port: 1 }, server: { ip: '10.0.0.2', port: 143 } } as Conversation;
    const a: AuthAttempt = { n: 0, method: 'LOGIN', user: 'u'.repeat(5000) + '\x1b[2J', encrypted: false, outcome: 'unknown', exchange: 0, frames: [3], ts: 0 };
    const out = loginsText([loginRow(conv, a, false)], 0);
    expect(out[1]!.length).toBeLessThan(400);
    expect(out[1]).toContain('…');
    const short = loginsText([loginRow(conv, { ...a, user: 'x\x1b[2J' }, false)], 0);
    expect(short[1]).toContain('"x\\u001b[2J"');
    expect(short[1]).not.toContain('\x1b');
    expect(MAX_CELL_CHARS).toBe(80);
  });
});
