/**
 * No output format shows a secret unless asked: every format of `mailwire read` (text, json, jsonl,
 * markdown, html) over captures with known credentials (LOGIN, USER/PASS, AUTHENTICATE PLAIN,
 * CRAM-MD5, NTLM, the founding samples including the phone's unknown `AUTH DOMAIN\alice Secret123`
 * command), grepped for every secret value the same run reveals with --show-secrets: passwords,
 * hashes and responses (auth[].secret.value), the offline-attack lines (auth[].crackable.line) and
 * every span of a dialogue line marked secret (base64 SASL responses included). A secret string
 * that is also public elsewhere in the capture may appear as often as it is public, no more. With
 * --show-secrets each format says that secrets are shown, and a report file is owner-only.
 */
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURES, CORPUS, HAVE_CORPUS, runCli } from './helpers.js';

if (!HAVE_CORPUS) console.warn('secrets in every format: ../shared/corpus absent, founding samples only');

const FORMATS = ['text', 'json', 'jsonl', 'markdown', 'html'] as const;

const FOUNDING = ['clean-imap.pcap', 'clean-pop3.pcap', 'exchange2013-proxynotauthenticated.pcap', 'exchange55-telnet.pcap',
  'iphone-exchange2007-plaintext.pcap', 'phone-vs-thunderbird.pcap'].map((f) => join(CAPTURES, f));
const FROM_CORPUS = ['BruteShark/IMAP - Authenticate Plain (Base64).pcap', 'BruteShark/IMAP - Authenticate CRAM-MD5.cap',
  'BruteShark/IMAP - Login (Plaintext) 3.pcap', 'protolens/imap_fetch.pcap', 'suricata-verify/pop3-auth-01/input.pcap',
  'arkime/ntlm_synthetic.pcap', 'zeek/pop3.pcap'].map((f) => join(CORPUS, f));

/** Shortest value that is grepped for: shorter ones ("pw") would match ordinary words. */
const MIN_SECRET_CHARS = 4;

interface Shown {
  conversations: Array<{
    auth: Array<{ user?: string; userRaw?: string; secret?: { value?: string }; crackable?: { line?: string } }>;
    events: Array<{ raw: string; secrets?: Array<{ start: number; end: number }> }>;
  }>;
}

interface KnownSecret {
  value: string;
  /**
   * Times the same string is ALSO public in the capture (outside every secret field and span): the
   * password "napier" of zeek/pop3.pcap is also the domain of the mail it downloads. A report may
   * show the string that many times, never more.
   */
  publicCount: number;
}

const count = (haystack: string, needle: string): number => haystack.split(needle).length - 1;

/**
 * Every secret string of a capture, as --show-secrets --format json reveals it. User names are not
 * secrets (reports show them by design), even when a SASL LOGIN response carrying one is marked
 * secret as a whole.
 */
function secretsOf(capture: string): KnownSecret[] {
  const r = runCli(['read', capture, '--format', 'json', '--show-secrets']);
  expect(r.status).toBe(0);
  const doc = JSON.parse(r.stdout) as Shown & { secretsShown: boolean };
  expect(doc.secretsShown).toBe(true);
  const found = new Set<string>();
  const users = new Set<string>();
  for (const c of doc.conversations) {
    for (const a of c.auth) {
      if (a.secret?.value) found.add(a.secret.value);
      if (a.crackable?.line) found.add(a.crackable.line);
      if (a.user) users.add(a.user);
      if (a.userRaw) users.add(a.userRaw);
      delete a.secret;
      delete a.crackable;
    }
    for (const e of c.events) {
      for (const s of e.secrets ?? []) found.add(e.raw.slice(s.start, s.end));
      for (const s of e.secrets ?? []) e.raw = e.raw.slice(0, s.start) + '\0'.repeat(s.end - s.start) + e.raw.slice(s.end);
    }
  }
  const publicText = JSON.stringify(doc);
  return [...found]
    .filter((v) => v.trim().length >= MIN_SECRET_CHARS && !users.has(v))
    .map((value) => ({ value, publicCount: count(publicText, value) }));
}

/** What each format says when secrets are shown. */
const SHOWN_NOTICE: Record<(typeof FORMATS)[number], (out: string) => boolean> = {
  text: (o) => o.includes('Secrets are shown'),
  json: (o) => (JSON.parse(o) as { secretsShown: boolean }).secretsShown === true,
  jsonl: (o) => o.trim().split('\n').map((l) => JSON.parse(l) as { type: string; secretsShown?: boolean }).filter((l) => l.type === 'conversation').every((l) => l.secretsShown === true),
  markdown: (o) => o.includes('Secrets are shown in this report'),
  html: (o) => o.includes('Secrets are shown in this report'),
};

function checkCapture(capture: string): void {
  const secrets = secretsOf(capture);
  expect(secrets.length, `${capture} should hold known secrets`).toBeGreaterThan(0);
  for (const format of FORMATS) {
    const hidden = runCli(['read', capture, '--format', format]);
    expect(hidden.status).toBe(0);
    for (const s of secrets) {
      // JSON escapes backslashes and quotes: look for the secret as it would be written there too.
      const forms = new Set([s.value, JSON.stringify(s.value).slice(1, -1)]);
      for (const f of forms) {
        expect(count(hidden.stdout, f), `${format} shows the secret ${JSON.stringify(s.value)} of ${capture}`).toBeLessThanOrEqual(s.publicCount);
      }
    }
  }
}

describe('no secret in any format unless --show-secrets', () => {
  for (const capture of FOUNDING) it(capture.slice(capture.lastIndexOf('/') + 1), () => checkCapture(capture));

  describe.skipIf(!HAVE_CORPUS)('corpus captures with PLAIN, LOGIN, CRAM-MD5, NTLM and POP3 credentials', () => {
    for (const capture of FROM_CORPUS) it(capture.slice(CORPUS.length), () => checkCapture(capture));
  });

  it('with --show-secrets, every format says that secrets are shown (and shows them)', () => {
    const capture = join(CAPTURES, 'iphone-exchange2007-plaintext.pcap');
    const secrets = secretsOf(capture);
    for (const format of FORMATS) {
      const shown = runCli(['read', capture, '--format', format, '--show-secrets']);
      expect(SHOWN_NOTICE[format](shown.stdout), `${format} --show-secrets says so`).toBe(true);
      expect(secrets.some((s) => shown.stdout.includes(s.value)), `${format} --show-secrets shows a secret`).toBe(true);
    }
  });

  it('a report file written with --show-secrets is owner-only (0600), even over an existing file; without, it is not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwire-report-mode-'));
    const capture = join(CAPTURES, 'iphone-exchange2007-plaintext.pcap');
    const out = join(dir, 'report.md');
    writeFileSync(out, 'old', { mode: 0o644 });
    chmodSync(out, 0o644);
    expect(runCli(['read', capture, '--format', 'markdown', '--show-secrets', '-o', out]).status).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const plain = join(dir, 'plain.md');
    expect(runCli(['read', capture, '--format', 'markdown', '-o', plain]).status).toBe(0);
    expect(statSync(plain).mode & 0o077).not.toBe(0);
  });

  it('the phone\'s unknown command `AUTH DOMAIN\\alice Secret123` does not show the password', () => {
    const capture = join(CAPTURES, 'phone-vs-thunderbird.pcap');
    for (const format of FORMATS) {
      const r = runCli(['read', capture, '--format', format]);
      expect(r.stdout, format).not.toContain('Secret123');
    }
    expect(runCli(['read', capture, '--show-secrets']).stdout).toContain('Secret123');
  });
});
