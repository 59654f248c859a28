/**
 * Redaction must not depend on line parsing: hostile and broken logins (scripts/hostile-sessions.mjs:
 * login lines that do not parse, passwords holding NUL, parentheses or a bare LF, SASL responses as
 * literals or behind UID, cleartext logins after a STARTTLS/STLS OK) go through EVERY output format
 * (read: text, json, jsonl, markdown, html; logins: text, json, csv), and no output may hold a
 * secret, its base64 or its hex. With --show-secrets the secrets come back (the redaction hid the
 * right thing), and a cleartext login after STARTTLS/STLS OK is dissected, listed and diagnosed.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOSTILE_SESSIONS, secretForms, sessionCapture, type HostileSession } from '../../scripts/hostile-sessions.mjs';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mailwire-hostile-secrets-'));
const files = HOSTILE_SESSIONS.map((s) => {
  const path = join(dir, `${s.name}.pcap`);
  writeFileSync(path, sessionCapture(s));
  return path;
});

const OUTPUTS: ReadonlyArray<readonly string[]> = [
  ['read', '--format', 'text'],
  ['read', '--format', 'json'],
  ['read', '--format', 'jsonl'],
  ['read', '--format', 'markdown'],
  ['read', '--format', 'html'],
  ['logins', '--format', 'text'],
  ['logins', '--format', 'json'],
  ['logins', '--format', 'csv'],
];

/** How a secret may be written by a format: as is, JSON-escaped, HTML-escaped, terminal-escaped. */
function writtenForms(secret: string): string[] {
  const forms = new Set<string>();
  for (const f of secretForms(secret)) {
    forms.add(f);
    forms.add(JSON.stringify(f).slice(1, -1));
  }
  return [...forms];
}

interface Doc {
  conversations: Array<{
    protocol: string;
    auth: Array<{ user?: string; method: string; encrypted: boolean; secret?: { value?: string } }>;
    findings: Array<{ id: string }>;
    events: Array<{ raw: string }>;
  }>;
}

describe('hostile logins: no secret in any output format', () => {
  for (const [command, , format] of OUTPUTS) {
    it(`${command} --format ${format}`, () => {
      const r = runCli([command, ...files, '--format', format!]);
      expect(r.status, r.stderr).toBe(0);
      for (const s of HOSTILE_SESSIONS) {
        for (const secret of s.secrets) {
          for (const form of writtenForms(secret)) {
            expect(r.stdout.includes(form), `${command} ${format} shows ${JSON.stringify(form)} of ${s.name} (${s.what})`).toBe(false);
          }
        }
      }
    });
  }

  it('with --show-secrets every secret is there (what was hidden was the secret)', () => {
    const r = runCli(['read', ...files, '--format', 'json', '--show-secrets']);
    expect(r.status, r.stderr).toBe(0);
    const shown = (x: string): boolean => r.stdout.includes(JSON.stringify(x).slice(1, -1));
    // A password inside a SASL blob that no server decoded (`UID AUTHENTICATE`) comes back as that blob.
    const carried = (secret: string, s: HostileSession): boolean => s.secrets.some((o) => o !== secret && Buffer.from(o, 'base64').toString('latin1').includes(secret) && shown(o));
    for (const s of HOSTILE_SESSIONS) {
      for (const secret of s.secrets) expect(shown(secret) || carried(secret, s), `${s.name}: ${secret}`).toBe(true);
    }
  });

  it('a password holding NUL is one secret, whole (--show-secrets shows the real value)', () => {
    const doc = JSON.parse(runCli(['read', files[HOSTILE_SESSIONS.findIndex((s) => s.name === 'login-nul-in-password')]!, '--format', 'json', '--show-secrets']).stdout) as Doc;
    expect(doc.conversations[0]!.auth[0]!.secret?.value).toBe('LeakPre\0LeakPostNul');
  });
});

describe('a cleartext login after the STARTTLS/STLS OK is shown and diagnosed', () => {
  for (const s of HOSTILE_SESSIONS.filter((x) => x.cleartextAfterTls)) {
    it(s.name, () => {
      const path = files[HOSTILE_SESSIONS.indexOf(s)]!;
      const doc = JSON.parse(runCli(['read', path, '--format', 'json']).stdout) as Doc;
      const c = doc.conversations[0]!;
      const login = c.auth.find((a) => a.method === s.cleartextAfterTls!.method);
      expect(login?.user).toBe(s.cleartextAfterTls!.user);
      expect(login?.encrypted).toBe(false);
      const ids = c.findings.map((f) => f.id);
      expect(ids.some((id) => id.endsWith('cleartext-login'))).toBe(true);
      expect(ids.some((id) => id.endsWith('starttls-injection') || id.endsWith('starttls-not-started'))).toBe(true);
      const text = runCli(['read', path]).stdout;
      expect(text).not.toContain('outcome encrypted');
      expect(text).toMatch(/LOGOUT|QUIT/);
    });
  }
});
