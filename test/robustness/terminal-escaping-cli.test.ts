/**
 * Nothing from the capture is interpreted by the analyst's terminal: a hostile server (or client)
 * puts ESC sequences (clear screen, set the window title), BEL, NUL, 8-bit C1 controls (0x9b is CSI
 * on some terminals) and bidi overrides into its greeting, replies, user names and tags; the text
 * and markdown reports show them as visible escapes. (HTML escaping has its own tests in
 * test/report/html.test.ts; here only the CLI's html output is checked for the raw script tag.)
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TcpConnection, pcapOf } from '../../scripts/adversarial-packets.mjs';
import { runCli } from './helpers.js';

const HOSTILE = '\x1b[2J\x1b]0;pwned\x07\x00';
const bytes = (...parts: Array<string | Buffer>): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
const RLO = Buffer.from('\u202e', 'utf8');
const CSI8 = Buffer.from([0x9b]);

function hostileCapture(): string {
  const imap = new TcpConnection({ sport: 40001, dport: 143 });
  const pop = new TcpConnection({ sport: 40002, dport: 110 });
  const frames = [
    ...imap.handshake(),
    ...imap.send('s', bytes('* OK ', HOSTILE, ' ready ', RLO, 'txt.exe ', CSI8, '31m <script>alert(1)</script>\r\n')),
    ...imap.send('c', bytes('a1 CAPABILITY\r\n')),
    ...imap.send('s', bytes('* CAPABILITY IMAP4rev1 X-', HOSTILE, '\r\na1 OK done\r\n')),
    ...imap.send('c', bytes('a2 LOGIN "bob', HOSTILE, RLO, CSI8, '" "pw"\r\n')),
    ...imap.send('s', bytes('a2 NO [AUTHENTICATIONFAILED] ', HOSTILE, RLO, ' denied\r\n')),
    ...imap.send('c', bytes('a', HOSTILE, '3 NOOP\r\n')),
    ...imap.close(),
    ...pop.handshake(),
    ...pop.send('s', bytes('+OK ', HOSTILE, ' POP3 ', RLO, '\r\n')),
    ...pop.send('c', bytes('USER eve', HOSTILE, CSI8, '\r\n')),
    ...pop.send('s', bytes('+OK\r\n')),
    ...pop.send('c', bytes('PASS hunter2\r\n')),
    ...pop.send('s', bytes('-ERR ', HOSTILE, ' [AUTH] no\r\n')),
    ...pop.close(),
  ];
  const path = join(mkdtempSync(join(tmpdir(), 'mailwire-escape-')), 'hostile.pcap');
  writeFileSync(path, pcapOf(frames));
  return path;
}

/** Characters a terminal acts on: C0 controls but tab/newline, DEL, C1 controls, bidi controls. */
// eslint-disable-next-line no-control-regex
const ACTIVE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

describe('terminal control characters from the capture are shown escaped', () => {
  const path = hostileCapture();

  for (const [format, color] of [['text', false], ['text', true], ['markdown', false]] as const) {
    it(`${format}${color ? ' (with colour)' : ''}: no control or bidi character from the capture reaches the output`, () => {
      const r = runCli(['read', path, '--format', format], undefined, { color });
      expect(r.status).toBe(0);
      let out = r.stdout;
      // Colour is the report's own SGR sequences: strip exactly those, nothing else may remain.
      if (color) {
        expect(out).toMatch(/\x1b\[[0-9;]*m/);
        out = out.replace(/\x1b\[[0-9;]*m/g, '');
      }
      const bad = ACTIVE.exec(out);
      expect(bad, bad ? `U+${bad[0].codePointAt(0)!.toString(16)} near ${JSON.stringify(out.slice(Math.max(0, bad.index - 40), bad.index + 10))}` : '').toBeNull();
      // ...and the hostile bytes are visible as escapes where the server put them.
      expect(out).toContain('\\x1b[2J\\x1b]0;pwned\\x07');
      expect(out).toContain('\\x9b31m');
      expect(out).toMatch(/POP3/);
    });
  }

  it('text: the colour the report adds is only SGR (no cursor movement, no title, no clear screen)', () => {
    const r = runCli(['read', path], undefined, { color: true });
    const sequences = new Set(r.stdout.match(/\x1b[^m]*m?/g) ?? []);
    expect(sequences.size).toBeGreaterThan(0);
    for (const s of sequences) expect(s).toMatch(/^\x1b\[[0-9;]*m$/);
  });

  for (const args of [['logins', '--format', 'csv'], ['logins', '--format', 'text'], ['logins', '--format', 'json'], ['read', '--format', 'json'], ['read', '--format', 'jsonl'], ['read', '--format', 'jsonl', '--schema', '2']]) {
    it(`${args.join(' ')}: no control or bidi character from the capture reaches the output`, () => {
      const r = runCli([args[0]!, path, ...args.slice(1)]);
      expect(r.status).toBe(0);
      const bad = ACTIVE.exec(r.stdout.replace(/\r\n/g, '\n'));
      expect(bad, bad ? `U+${bad[0].codePointAt(0)!.toString(16)} near ${JSON.stringify(r.stdout.slice(Math.max(0, bad.index - 40), bad.index + 10))}` : '').toBeNull();
      expect(r.stdout).toMatch(/bob/);
    });
  }

  it('json: the escapes stand for the same characters (a JSON reader gets the user name as sent)', () => {
    const doc = JSON.parse(runCli(['logins', path, '--format', 'json']).stdout) as { logins: Array<{ user?: string }> };
    // The quoted user is read as Latin-1 (RFC 9051 quoted strings are 7-bit): U+202E's UTF-8 bytes come back as three characters.
    expect(doc.logins.map((l) => l.user)).toContain(`bob${HOSTILE}\u00e2\u0080\u00ae\u009b`);
    const jsonl = runCli(['read', path, '--format', 'jsonl']).stdout;
    expect(jsonl).toContain('\\u202e');
    for (const line of jsonl.trim().split('\n')) JSON.parse(line);
  });

  it('html: a bidi override is shown, inert, instead of flipping the text; no control reaches a terminal it is printed to', () => {
    const r = runCli(['read', path, '--format', 'html']);
    const bad = ACTIVE.exec(r.stdout);
    expect(bad, bad ? `U+${bad[0].codePointAt(0)!.toString(16)} near ${JSON.stringify(r.stdout.slice(Math.max(0, bad.index - 40), bad.index + 10))}` : '').toBeNull();
    // The server's NO text is read as UTF-8: its U+202E is shown as an escape.
    expect(r.stdout).toContain('\\x1b[2J\\x1b]0;pwned\\x07\\x00\\u202e denied');
  });

  it('html: the greeting\'s script tag is text, not markup', () => {
    const r = runCli(['read', path, '--format', 'html']);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('<script>alert(1)');
    expect(r.stdout).toContain('&lt;script&gt;alert(1)');
  });
});
