/**
 * The logins inventory: rows of the founding samples (captures/) and of the corpus's SASL captures
 * (PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5, NTLM, XOAUTH2), secrets redacted unless asked for, and the
 * command line (`node bin/mailwire logins`, built by `npm test`'s tsc step) in text, json and csv.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze.js';
import { LoginTable, type LoginRow } from '../../src/report/logins.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/mailwire');
const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const HAVE_CORPUS = existsSync(CORPUS);
if (!HAVE_CORPUS) console.warn(`logins corpus tests skipped: ${CORPUS} not found`);

async function rows(path: string, showSecrets = false): Promise<LoginRow[]> {
  const table = new LoginTable(showSecrets);
  const r = await analyzeFiles([path]);
  for (const c of r.conversations) table.add(c);
  return table.sorted();
}

/** The columns that matter, compactly: conv protocol method user encrypted outcome secret-kind exposed offline frames. */
const brief = (r: LoginRow): string =>
  [`#${r.conversation}`, r.protocol, r.method, r.user ?? '?', r.encrypted ? 'tls' : 'clear', r.outcome, r.secretKind ?? '-', r.secretExposed ? 'exposed' : '-', r.offlineAttack ?? '-', r.frames.join(',')].join(' ');

describe('login rows of the founding samples', () => {
  it.each([
    ['clean-imap.pcap', ['#1 imap CRAM-MD5 alice clear ok hash - cram-md5 6,8,10,11']],
    ['clean-pop3.pcap', ['#1 pop3 CRAM-MD5 alice clear ok hash - cram-md5 10,11,13,14']],
    ['exchange2013-proxynotauthenticated.pcap', ['#1 imap LOGIN alice@example.com clear failed password exposed - 6,8']],
    ['exchange55-telnet.pcap', ['#1 imap LOGIN alice clear ok password exposed - 6,8']],
    [
      'iphone-exchange2007-plaintext.pcap',
      [
        '#1 imap LOGIN alice@example.com clear failed password exposed - 10,11',
        '#2 imap LOGIN alice@example.com clear failed password exposed - 28,29',
        '#3 imap LOGIN alice@example.com clear failed password exposed - 46,47',
        '#4 imap LOGIN alice@example.com clear ok password exposed - 64,65',
      ],
    ],
    [
      'phone-vs-thunderbird.pcap',
      [
        '#1 imap AUTH DOMAIN\\alice clear failed password exposed - 6,8',
        '#1 imap AUTH DOMAIN\\alice clear failed password exposed - 10,11',
        '#2 imap LOGIN DOMAIN\\alice clear ok password exposed - 25,26',
        '#3 imap AUTH DOMAIN\\alice clear failed password exposed - 42,44',
      ],
    ],
  ])('%s', async (file, expected) => {
    expect((await rows(join(ROOT, 'captures', file))).map(brief)).toEqual(expected);
  });

  it('a failure carries the server\'s words, with its response code', async () => {
    const [r] = await rows(join(ROOT, 'captures/exchange2013-proxynotauthenticated.pcap'));
    expect(r!.serverText).toBe('[Error=ProxyNotAuthenticated Proxy=EXMBX01.example.com:1993:SSL] LOGIN failed.');
    expect(r!.secret).toBeUndefined();
  });
});

describe.skipIf(!HAVE_CORPUS)('login rows of the corpus SASL captures', () => {
  const corpus = (rel: string): string => join(CORPUS, rel);

  it.each([
    ['BruteShark/IMAP - Authenticate Plain (Base64).pcap', ['#1 smtp PLAIN digitalinvestigator@networksims.com clear ok password exposed - 10,11', '#3 imap PLAIN digitalinvestigator@networksims.com clear ok password exposed - 49,50,51,53', '#4 imap PLAIN digitalinvestigator@networksims.com clear ok password exposed - 68,69,70,71']],
    ['protolens/imap_fetch.pcap', [`#1 imap LOGIN aaaatremelylongusername${'z'.repeat(105)} clear ok password exposed - 7,8,9,10,11,12`]],
    ['BruteShark/IMAP - Authenticate CRAM-MD5.cap', ['#1 imap CRAM-MD5 hemmingway clear ok hash - cram-md5 16,17,19,21']],
    ['BruteShark/IMAP - Authenticate Digest-MD5.pcap', ['#1 imap DIGEST-MD5 hemmingway clear ok hash - dmd5 10,11,13,15,17,18']],
    ['arkime/ntlm_synthetic.pcap', ['#11 smtp NTLM jack clear ok response - netntlm 140,142,144,146,148,150', '#12 imap NTLM kate clear ok response - netntlm 164,166,168,170,172,174', '#13 pop3 NTLM liam clear ok response - netntlm 188,190,192,194,196,198']],
    ['suricata-verify/pop3-auth-01/input.pcap', ['#1 pop3 XOAUTH2 joe.speedboat clear ok token exposed - 8,10,12,14']],
    [
      'zeek/pop3.pcap',
      [
        '#4 pop3 PLAIN digitalinvestigator@networksims.com clear failed password exposed - 35,36,37,38',
        '#6 pop3 PLAIN digitalinvestigator@networksims.com clear ok password exposed - 64,65,66,67',
        '#7 pop3 PLAIN digitalinvestigator@networksims.com clear ok password exposed - 83,84,85,86',
      ],
    ],
  ])('%s', async (rel, expected) => {
    const got = await rows(corpus(rel));
    expect(got.map(brief)).toEqual(expected);
    for (const r of got) {
      expect(r.secret).toBeUndefined();
      expect(r.crackLine).toBeUndefined();
    }
  });

  it('with secrets shown: the password, and the auditor lines of offline-attackable exchanges', async () => {
    const [plain] = await rows(corpus('BruteShark/IMAP - Authenticate Plain (Base64).pcap'), true);
    expect(plain!.secret).toBe('napier123');
    const [cram] = await rows(corpus('BruteShark/IMAP - Authenticate CRAM-MD5.cap'), true);
    expect(cram!.crackLine).toBe('hemmingway:$cram_md5$PDY3ODgzMTMwNDUyNDg0MTEuMTEzOTI3NTYyMkBsaW51cy5pbnMuY29tPg==$aGVtbWluZ3dheSAyOWYyMGI2NjkzNDdhYTA4MTc0OTA2NWQ5MDNhNDllNA==');
    const ntlm = await rows(corpus('arkime/ntlm_synthetic.pcap'), true);
    expect(ntlm.map((r) => r.crackLine)).toEqual([
      'jack::SMTPDOM:4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c:4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e:0123456789abcdef',
      'kate::IMAPDOM:4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c:4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e:0123456789abcdef',
      'liam::POP3DOM:4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c:4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e:0123456789abcdef',
    ]);
    const [dmd5] = await rows(corpus('BruteShark/IMAP - Authenticate Digest-MD5.pcap'), true);
    expect(dmd5!.crackLine).toMatch(/^hemmingway:\$DIGEST-MD5\$hemmingway\$/);
  });
});

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

describe('mailwire logins', () => {
  const sample = join(ROOT, 'captures/iphone-exchange2007-plaintext.pcap');

  it('text: a table, secrets redacted', () => {
    const r = run(['logins', sample]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^time\s+conv\s+protocol\s+client\s+server\s+method\s+user\s+transport\s+outcome\s+secret\s+frames$/);
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/#1\s+IMAP .* LOGIN\s+"alice@example.com"\s+cleartext\s+failed: LOGIN failed.\s+password in cleartext\s+10,11$/);
    expect(r.stdout).not.toMatch(/Secrets are shown/);
  });

  it('csv: a header and one row per attempt; json: no secret values', () => {
    const csv = run(['logins', sample, '--format', 'csv']);
    expect(csv.status).toBe(0);
    const lines = csv.stdout.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('time,conversation,input,protocol,client,server,command,method,user,authzid,encrypted,outcome,server_text,secret_kind,secret_exposed,offline_attack,frames,secret,crack_line');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toMatch(/,imap,.*,LOGIN,LOGIN,alice@example\.com,,false,ok,LOGIN completed\.,password,true,,64 65,,$/);
    const json = run(['logins', sample, '--format', 'json']);
    const doc = JSON.parse(json.stdout) as { secretsShown: boolean; logins: LoginRow[] };
    expect(doc.secretsShown).toBe(false);
    expect(doc.logins.map((l) => l.outcome)).toEqual(['failed', 'failed', 'failed', 'ok']);
    expect(doc.logins.every((l) => !('secret' in l))).toBe(true);
  });

  it('--show-secrets says so and shows them', () => {
    const r = run(['logins', join(ROOT, 'captures/clean-imap.pcap'), '--show-secrets']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Secrets are shown \(--show-secrets\)\./);
    expect(r.stdout).toMatch(/offline attack possible \(cram-md5\); "[0-9a-f]{32}"/);
    expect(r.stdout).toMatch(/offline-attackable exchanges \(auditor format\):\n {2}#1 cram-md5 {2}alice:\$cram_md5\$/);
  });

  it('bad usage: exit 2 with one line', () => {
    const r = run(['logins', sample, '--format', 'xml']);
    expect(r.status).toBe(2);
    const missing = run(['logins', join(ROOT, 'no-such.pcap')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('-o with --show-secrets writes an owner-only file (0600)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwire-logins-'));
    const out = join(dir, 'logins.csv');
    expect(run(['logins', sample, '--format', 'csv', '--show-secrets', '-o', out]).status).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8')).toContain('Secret123');
  });
});
