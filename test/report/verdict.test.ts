import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeFiles } from '../../src/analyze.js';
import { ruleInfo } from '../../src/report/rule-info.js';
import { conversationVerdict, shortFix } from '../../src/report/verdict.js';
import { visibleWidth, wrapLine } from '../../src/report/wrap.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/mailwire');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined } });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

async function verdicts(sample: string) {
  const result = await analyzeFiles([join(ROOT, 'captures', sample)]);
  return result.conversations.map((c) => conversationVerdict(c, c.findings, ruleInfo));
}

describe('conversation verdicts', () => {
  it('name the vendor cause, not the generic refusal, with its short fix (Exchange 2013 ProxyNotAuthenticated)', async () => {
    const [v] = await verdicts('exchange2013-proxynotauthenticated.pcap');
    expect(v!.finding!.id).toBe('exchange.proxy-not-authenticated');
    expect(v!.text).toMatch(/^login failed: Exchange ProxyNotAuthenticated .*certificate name.* — fix: Set-ImapSettings -X509CertificateName <server FQDN>/);
  });

  it('prefer a specific error over imap.login-failed of the same severity (Exchange 2007 SecureLogin)', async () => {
    const vs = await verdicts('iphone-exchange2007-plaintext.pcap');
    expect(vs.map((v) => v.finding?.id)).toEqual(['exchange.plaintext-login-disabled', 'exchange.plaintext-login-disabled', 'exchange.plaintext-login-disabled', 'imap.cleartext-login']);
    expect(vs[3]!.text).toBe('login ok: Password sent in cleartext — fix: Use port 993 or STARTTLS, and make the client require it');
  });

  it('say plainly that a clean session has no problem', async () => {
    const [v] = await verdicts('clean-pop3.pcap');
    expect(v!.finding).toBeUndefined();
    expect(v!.text).toBe('login ok, no problems found');
  });
});

describe('shortFix', () => {
  it('ends at the first full stop that ends a sentence, not at "e.g."', () => {
    expect(shortFix('Cut the capture down, e.g. with tcpdump. Then read it.')).toBe('Cut the capture down, e.g. with tcpdump');
  });
  it('drops a parenthesis the cut leaves open and Markdown backticks', () => {
    expect(shortFix('Check the port (143 plaintext. More here) and `x`.')).toBe('Check the port');
    expect(shortFix('Run `Set-ImapSettings -X` now.')).toBe('Run Set-ImapSettings -X now');
  });
});

describe('wrapLine', () => {
  it('breaks at spaces within the width and indents continuations by the hang', () => {
    const line = '   login    ' + 'word '.repeat(40).trim();
    const out = wrapLine(line, 50, 12).split('\n');
    expect(out.length).toBeGreaterThan(3);
    for (const l of out) expect(l.length).toBeLessThanOrEqual(50);
    for (const l of out.slice(1)) expect(l).toMatch(/^ {12}word/);
    expect(out.join(' ').replace(/\s+/g, ' ').trim()).toBe(line.replace(/\s+/g, ' ').trim());
  });
  it('does not count colour codes and cuts a word longer than the line', () => {
    const red = '\x1b[31m' + 'x'.repeat(30) + '\x1b[39m';
    expect(visibleWidth(red)).toBe(30);
    expect(wrapLine(`ab ${red}`, 40, 2)).toBe(`ab ${red}`);
    const long = 'A'.repeat(130);
    const out = wrapLine(`key ${long}`, 50, 4).split('\n');
    for (const l of out) expect(l.length).toBeLessThanOrEqual(50);
    expect(out.join('').replace(/ /g, '')).toBe(`key${long}`);
  });
  it('leaves lines alone without a width', () => {
    const line = 'x '.repeat(200);
    expect(wrapLine(line, 0, 4)).toBe(line);
    expect(wrapLine(line, undefined, 4)).toBe(line);
  });
});

describe('text report layout', () => {
  // The founding samples (the tunnelled ones repeat clean-imap's report).
  const samples = readdirSync(join(ROOT, 'captures')).filter((f) => f.endsWith('.pcap') && !f.startsWith('tunnel-')).map((f) => join('captures', f));

  it('fits every line of every sample report into --width 80 (and 100 by default off a terminal)', () => {
    for (const sample of samples) {
      for (const [args, width] of [[['--width', '80'], 80], [[], 100]] as const) {
        const r = run(['read', sample, ...args]);
        expect(r.status, r.stderr).toBe(0);
        const wide = r.stdout.split('\n').filter((l) => visibleWidth(l) > width);
        expect(wide, `${sample} ${args.join(' ')}`).toEqual([]);
      }
    }
  });

  it('--brief: one verdict line per conversation, the summary, and the capture verdicts last', () => {
    const r = run(['read', 'captures/iphone-exchange2007-plaintext.pcap', '--brief', '--width', '0']);
    expect(r.status).toBe(0);
    const heads = r.stdout.split('\n').filter((l) => l.startsWith('━━ #'));
    expect(heads).toHaveLength(4);
    expect(heads[0]).toMatch(/^━━ #1 IMAP {2}127\.0\.0\.31:\d+ → 127\.0\.0\.11:143 {2}login failed: Exchange refuses LOGIN without TLS .*— fix: Set the client to SSL\/TLS on 993 or STARTTLS on 143$/);
    expect(r.stdout).not.toMatch(/C: |━━ Logins|why:/);
    const sections = r.stdout.split('\n').filter((l) => l.startsWith('━━ ') && !l.startsWith('━━ #'));
    expect(sections).toEqual(['━━ Across conversations', '━━ Summary', '━━ Verdict']);
    expect(r.stdout.trimEnd().split('\n').slice(-2)).toEqual([
      '   ✖ 3 conversations (#1, #2, #3): Exchange refuses LOGIN without TLS (LoginType SecureLogin), though it says only "LOGIN failed." — fix: Set the client to SSL/TLS on 993 or STARTTLS on 143',
      '   ▲ 1 conversation (#4): Password sent in cleartext — fix: Use port 993 or STARTTLS, and make the client require it',
    ]);
  });

  it('keeps the response code in the login line (the word that matters)', () => {
    const r = run(['read', 'captures/exchange2013-proxynotauthenticated.pcap', '--width', '0']);
    expect(r.stdout).toMatch(/ {3}login {4}LOGIN, user "alice@example\.com", password \(9 chars\), in cleartext: failed \(\[Error=ProxyNotAuthenticated Proxy=EXMBX01\.example\.com:1993:SSL\] LOGIN failed\.\)/);
  });
});
