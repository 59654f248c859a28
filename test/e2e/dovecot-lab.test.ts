/**
 * The Dovecot lab: a real Dovecot on loopback (scripts/lab/dovecot-lab.mjs), real clients (curl
 * over IMAP, POP3, IMAPS, POP3S and STARTTLS with SSLKEYLOGFILE; raw sockets for the misbehaving
 * phone and a client that ignores LOGINDISABLED; the imapflow library), recorded by tcpdump (whole,
 * and cut at live capture's snaplen) and watched live by `mailwire live -i lo` at the same time.
 * Checks what mailwire reports from the file, that the live run agrees with `mailwire read` on
 * every connection, and that the key log decrypts the TLS sessions.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { ConnectionOptions } from 'node:tls';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFiles, type AnalysisResult } from '../../src/analyze.js';
import type { Conversation } from '../../src/model/conversation.js';
import { outcome } from '../../src/report/describe.js';
import { LAB_PASSWORD, labMessages, startLab, stopLab, type Lab } from '../../scripts/lab/dovecot-lab.mjs';
import { converse, imapStep } from '../../scripts/lab/socket-client.mjs';
import { captureAddonLoads } from '../helpers/live-capture.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PORTS = [10143, 11143, 10110, 10993, 10995];
const FILTER = `tcp and (${PORTS.map((p) => `port ${p}`).join(' or ')})`;
const PHONE = '127.0.0.21';
const IGNORER = '127.0.0.31';
const STARTTLS_CLIENT = '127.0.0.5';
const THUNDERBIRD = '127.0.0.22';
const IMAPFLOW = '127.0.0.41';
/** The message imapflow APPENDs (a non-synchronizing literal: Dovecot offers LITERAL+). */
const APPENDED = 'From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: Appended by imapflow\r\n\r\nHello from the lab.\r\n';
/** How long imapflow stays in IDLE before it ends it (DONE) to log out. */
const IDLE_MS = 300;

/**
 * The snaplen live capture runs with: the CLI's --snaplen default (262144, as tcpdump's), above the
 * 65550 bytes a loopback frame reaches (MTU 65536 + Ethernet header), so live capture sees whole
 * segments. tcpdump still records the traffic twice, whole (-s 0) and cut at this length, so that
 * the comparison stays right if the default changes.
 */
const CAP_SNAPLEN_BYTES = 262_144;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How long a capturing process may take to say it is capturing. */
const CAPTURE_START_TIMEOUT_MS = 15_000;

/** A capturing process and what it has written to stderr so far. */
interface Capturing {
  child: ChildProcess;
  stderr: string;
}

/**
 * Spawns a capturing process and resolves once its stderr says it is capturing; kills it and
 * rejects when it exits or stays silent first (so that a failed start leaves nothing running).
 */
function startCapturing(cmd: string, args: string[], ready: RegExp): Promise<Capturing> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: REPO });
    const c: Capturing = { child, stderr: '' };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`${cmd} did not start capturing within ${CAPTURE_START_TIMEOUT_MS} ms: ${c.stderr}`));
    }, CAPTURE_START_TIMEOUT_MS);
    child.stderr!.on('data', (d: Buffer) => {
      c.stderr += d.toString();
      if (ready.test(c.stderr)) {
        clearTimeout(timer);
        res(c);
      }
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`${cmd} exited early (${code}): ${c.stderr}`));
    });
  });
}

/** Ends a capturing process with SIGINT and waits for it to exit. */
async function stopCapturing(c: Capturing): Promise<void> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return;
  const exited = new Promise((r) => c.child.once('exit', r));
  c.child.kill('SIGINT');
  await exited;
}

/** The kernel drops tcpdump reports on exit ("N packets dropped by kernel"). */
function tcpdumpDrops(c: Capturing): number {
  const m = /(\d+) packets? dropped by kernel/.exec(c.stderr);
  if (!m) throw new Error(`no drop count in tcpdump's output: ${c.stderr}`);
  return Number(m[1]);
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
    literals: c.events.flatMap((e) => e.literals ?? []).map((l) => `${l.size} ${l.received} ${l.complete}`),
    findings: c.findings.map((f) => f.id).sort(),
  }));
}

/** Every event of every conversation as reported (side, kind, the line as shown), without times or frame numbers. */
function dialogue(conversations: readonly Conversation[]): string[][] {
  return conversations.map((c) => c.events.map((e) => `${e.side} ${e.kind} ${e.raw}${e.note ? ` (${e.note})` : ''}`));
}

/** The JSON report (`mailwire live|read --format json`). */
interface LiveReport {
  conversations: Conversation[];
  findings: Array<{ id: string }>;
  summary: { frames: number };
}

/** `mailwire read FILE --format json [--keylog KEYLOG]`, as a user runs it. */
function readJsonReport(file: string, keylog?: string): LiveReport {
  const args = ['bin/mailwire', 'read', '--format', 'json', '--ports', PORTS.join(','), ...(keylog ? ['--keylog', keylog] : []), file];
  const r = spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`mailwire read ${file} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as LiveReport;
}


const prerequisites = [
  ...['dovecot', 'tcpdump', 'curl', 'openssl'].filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0),
  ...(captureAddonLoads() ? [] : ["mailwire's native libpcap addon"]),
];

describe('Dovecot lab: real server, real clients, file and live capture', () => {
  const work = mkdtempSync(join(tmpdir(), 'mailwire-e2e-'));
  const pcap = join(work, 'lab.pcap');
  const cutPcap = join(work, 'lab-cut.pcap');
  const liveJson = join(work, 'live.json');
  const keylog = join(work, 'sslkeys.log');
  let lab: Lab | undefined;
  let fromFile: AnalysisResult;
  let decrypted: AnalysisResult;
  /** What mailwire live wrote to stderr. */
  let liveStderr = '';
  /** Packets the kernel dropped for the whole and the cut tcpdump. */
  let drops: number[] = [];
  const outputs: Record<string, string> = {};
  const imapflow: ImapflowSeen = {};

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('the lab needs root (tcpdump and live capture on lo, Dovecot)');
    if (prerequisites.length > 0) throw new Error(`missing ${prerequisites.join(', ')}: run sh scripts/lab/install.sh`);
    if (!existsSync(join(REPO, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run npx tsc -p tsconfig.json first');
    // Dovecot's unprivileged processes (auth as dovecot, mail as nobody) must reach the lab files.
    chmodSync(work, 0o755);
    lab = await startLab(join(work, 'dovecot'));
    // Every capture started is stopped in the finally below, whatever fails.
    const captures: Capturing[] = [];
    try {
      // Capture buffers as large as live capture's (16 MiB): tcpdump's default 2 MiB can drop
      // packets when the ~200 KB FETCH bursts through loopback.
      captures.push(await startCapturing('tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '-B', '16384', '-s', '0', '-n', '-w', pcap, FILTER], /listening on/));
      // The same traffic cut where live capture cuts it (see CAP_SNAPLEN_BYTES).
      captures.push(await startCapturing('tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '-B', '16384', '-s', String(CAP_SNAPLEN_BYTES), '-n', '-w', cutPcap, FILTER], /listening on/));
      // The key log does not exist yet: curl creates it (SSLKEYLOGFILE) and mailwire live follows it.
      captures.push(await startCapturing(
        process.execPath,
        ['bin/mailwire', 'live', '-i', 'lo', '--format', 'json', '-o', liveJson, '--ports', PORTS.join(','), '--keylog', keylog, FILTER],
        /capturing on/,
      ));
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
      // 10. A real IMAP client library: imapflow as DOMAIN\alice (its LOGIN must quote the name).
      await runImapflow(host, imapflow);
      // Let the last FINs and ACKs reach both captures.
      await sleep(1000);
    } finally {
      // mailwire live first (it reports on SIGINT), then the tcpdumps, then Dovecot.
      for (const c of [...captures].reverse()) await stopCapturing(c);
      await stopLab(lab);
    }
    drops = captures.slice(0, 2).map(tcpdumpDrops);
    liveStderr = captures[2]!.stderr;
    fromFile = await analyzeFiles([pcap], { extraPorts: PORTS });
    decrypted = await analyzeFiles([pcap], { extraPorts: PORTS, keyLogText: readFileSync(keylog, 'utf8') });
  });

  afterAll(async () => {
    if (lab) await stopLab(lab);
    // MAILWIRE_LAB_KEEP=1 keeps the capture, the live JSON, the key log and Dovecot's log.
    if (process.env.MAILWIRE_LAB_KEEP) console.warn(`lab files kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
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
    expect(imapflow).toEqual({ search: [1], fetched: labMessages().map((m, i) => [i + 1, m]), appendUid: 4, idled: true });
  });

  it('imapflow: the whole session, every command paired with its completion, literals whole', () => {
    const c = fromFile.conversations[IMAPFLOW_CONNECTION]!;
    expect([c.client.ip, c.server.port, c.protocol, c.state]).toEqual([IMAPFLOW, 10143, 'imap', 'logout']);
    expect(c.clientSoftware).toMatchObject({ product: 'imapflow', version: '2.1.2', source: 'id' });
    // What imapflow 2.1.2 sends against this Dovecot, in order; every command completed OK, by
    // the completion bearing its own tag.
    expect(c.exchanges.map((x) => [x.command, x.status])).toEqual(
      ['ID', 'LOGIN', 'ID', 'NAMESPACE', 'ENABLE', 'CAPABILITY', 'LIST', 'LSUB', 'SELECT', 'SEARCH', 'FETCH', 'APPEND', 'IDLE', 'LOGOUT'].map((cmd) => [cmd, 'OK']),
    );
    expect(new Set(c.exchanges.map((x) => x.tag)).size).toBe(c.exchanges.length);
    for (const x of c.exchanges) {
      expect(c.events[x.commandEvent]!.raw.startsWith(`${x.tag} ${x.command} `) || c.events[x.commandEvent]!.raw === `${x.tag} ${x.command}`).toBe(true);
      expect(c.events[x.completionEvent!]!.raw).toMatch(new RegExp(`^${x.tag} OK `));
    }
    // LOGIN, not AUTHENTICATE PLAIN (offered), with the backslash user name quoted and escaped.
    expect(c.auth).toMatchObject([{ method: 'LOGIN', user: 'DOMAIN\\alice', userForm: 'quoted', userRaw: '"DOMAIN\\\\alice"', encrypted: false, outcome: 'ok' }]);
    expect(c.auth[0]!.secret).toMatchObject({ kind: 'password', length: LAB_PASSWORD.length });
    // The literals: three FETCHed messages from the server (the ~200 KB one whole), the APPENDed
    // message from the client as a LITERAL+ literal.
    const literals = c.events.flatMap((e) => (e.literals ?? []).map((l) => [e.side, c.exchanges[e.exchange!]!.command, l.form, l.size, l.received, l.complete]));
    const size = (m: string): number => Buffer.byteLength(m);
    expect(literals).toEqual([
      ...labMessages().map((m) => ['S', 'FETCH', 'sync', size(m), size(m), true]),
      ['C', 'APPEND', 'nonsync-plus', size(APPENDED), size(APPENDED), true],
    ]);
    // IDLE: the server's continuation, the client's DONE, then the completion.
    const idle = c.exchanges.find((x) => x.command === 'IDLE')!;
    expect(idle.relatedEvents.map((n) => `${c.events[n]!.side} ${c.events[n]!.raw}`)).toEqual(['S + idling', 'C DONE']);
    expect(c.events.filter((e) => e.kind !== 'line')).toEqual([]);
    expect(c.anomalies).toEqual([]);
    // Cleartext LOGIN on the plain listener, and nothing else.
    expect(c.findings.map((f) => f.id)).toEqual(['imap.cleartext-login']);
  });

  it('sees every connection, in order, with its complete dialogue', () => {
    expect(fromFile.conversations.map((c) => [c.client.ip, c.server.port])).toEqual(CONNECTIONS);
    // Implicit TLS on the extra ports: the protocol is what the decrypted server bytes say.
    expect(decrypted.conversations.map((c) => c.protocol)).toEqual(['imap', 'imap', 'pop3', 'imap', 'pop3', 'imap', 'imap', 'imap', 'imap', 'imap']);
    const [big, , , , , , phone] = fromFile.conversations as Conversation[];
    // The 200 KB literal arrived whole.
    const literal = big!.events.flatMap((e) => e.literals ?? []).find((l) => l.size > 100_000);
    expect(literal).toMatchObject({ size: Buffer.byteLength(labMessages()[0]!), complete: true });
    expect(phone!.events.at(-1)!.raw).toBe('* BYE Too many invalid IMAP commands.');
    for (const c of decrypted.conversations) expect(c.serverSoftware?.product).toBe('Dovecot');
    // Every command of every connection has its completion (the phone's last AUTH was answered
    // by BYE, which answers it: no imap.missing-completion below, the outcome says the server hung up).
    const open = decrypted.conversations.flatMap((c, i) => c.exchanges.filter((x) => x.status === undefined).map((x) => `${i} ${x.tag ?? ''} ${x.command}`));
    expect(open).toEqual(['6 A130 AUTH']);
    expect(outcome(phone!)).toContain('the server disconnected the client');
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

  it('no capture lost a packet: both tcpdumps and mailwire live saw the same frames', () => {
    // A drop (a machine too busy for the capture buffers) would make the comparisons below fail
    // for a reason that is not mailwire's: this says so first.
    const live = JSON.parse(readFileSync(liveJson, 'utf8')) as LiveReport;
    expect(drops).toEqual([0, 0]);
    expect([live.summary.frames, readJsonReport(cutPcap).summary.frames]).toEqual([fromFile.stats.frames, fromFile.stats.frames]);
  });

  it('live capture sees every connection, and mailwire read on the file cut at its snaplen reports the same', () => {
    // Both with the key log: live read it as curl wrote it, read reads the finished file.
    const live = JSON.parse(readFileSync(liveJson, 'utf8')) as LiveReport;
    const file = readJsonReport(cutPcap, keylog);
    expect(live.conversations.map((c) => [c.client.ip, c.server.port])).toEqual(CONNECTIONS);
    expect(dialogue(live.conversations)).toEqual(dialogue(file.conversations));
    expect(shape(live.conversations)).toEqual(shape(file.conversations));
    expect(live.findings.map((f) => f.id).sort()).toEqual(file.findings.map((f) => f.id).sort());
  });

  it('live capture agrees with the whole file except where its snaplen cut the largest segments', () => {
    const live = (JSON.parse(readFileSync(liveJson, 'utf8')) as LiveReport).conversations;
    const whole = shape(decrypted.conversations);
    shape(live).forEach((c, i) => {
      // Only connections that carried the ~200 KB message can hold segments longer than the live
      // snaplen; where they did, live capture reports the missing bytes, as a file cut there does.
      if (BIG_FETCHES.includes(i) && live[i]!.findings.some((f) => f.id === 'tcp.gap')) {
        expect(decrypted.conversations[i]!.findings.map((f) => f.id)).not.toContain('tcp.gap');
      } else {
        expect(c).toEqual(whole[i]);
      }
    });
    expect(fromFile.findings.map((f) => f.id).sort()).toEqual(EXPECTED_CROSS_FINDINGS);
  });

  it('the key log decrypts IMAPS, POP3S and STARTTLS', () => {
    const tls = decrypted.conversations.filter((c) => c.server.port === 10993 || c.server.port === 10995 || c.server.port === 11143);
    const byPort = (port: number, client?: string) => tls.find((c) => c.server.port === port && (!client || c.client.ip === client))!;
    expect(byPort(10993).transport).toMatchObject({ decrypted: true });
    expect(byPort(10993).auth.map((a) => [a.method, a.user, a.outcome])).toEqual([['AUTHENTICATE', 'alice', 'ok']]);
    const pop3s = byPort(10995);
    expect([pop3s.protocol, pop3s.transport.decrypted]).toEqual(['pop3', true]);
    expect(pop3s.auth.map((a) => [a.method, a.user, a.encrypted, a.outcome])).toEqual([[expect.any(String), 'alice', true, 'ok']]);
    expect(pop3s.exchanges.map((x) => x.command)).toContain('RETR');
    const starttls = byPort(11143, STARTTLS_CLIENT);
    expect(starttls.auth.map((a) => [a.method, a.user, a.encrypted, a.outcome])).toEqual([['AUTHENTICATE', 'DOMAIN\\alice', true, 'ok']]);
    expect(starttls.exchanges.map((x) => x.command)).toContain('STARTTLS');
    // No TLS session has a finding about cleartext.
    for (const c of [byPort(10993), pop3s, starttls]) expect(c.findings.map((f) => f.id).filter((id) => id.includes('cleartext'))).toEqual([]);
  });

  it('mailwire live followed the key log curl wrote during the run: its TLS sessions are decrypted, as from the file', () => {
    expect(liveStderr).toContain(`mailwire: key log ${keylog} does not exist yet; it is read when a TLS session needs keys`);
    expect(liveStderr).not.toMatch(/cannot be read|\n\s+at /);
    const live = (JSON.parse(readFileSync(liveJson, 'utf8')) as LiveReport).conversations;
    const isTls = (c: Conversation): boolean => c.server.port === 10993 || c.server.port === 10995 || c.client.ip === STARTTLS_CLIENT;
    const tls = live.filter(isTls);
    expect(tls.map((c) => [c.server.port, c.transport.decrypted])).toEqual([[10993, true], [10995, true], [11143, true]]);
    // As `mailwire read --keylog` reports them (its JSON redacts secrets as live's does).
    expect(dialogue(tls)).toEqual(dialogue(readJsonReport(cutPcap, keylog).conversations.filter(isTls)));
    expect(tls.map((c) => c.exchanges.length)).toEqual(decrypted.conversations.filter(isTls).map((c) => c.exchanges.length));
  });
});

/** What imapflow returned: SEARCH result, the fetched messages (uid, source), APPEND's UID, IDLE ended. */
interface ImapflowSeen {
  search?: number[] | false;
  fetched?: Array<[number, string]>;
  appendUid?: number;
  idled?: boolean;
}

/** imapflow's internal command runner: the one way to make it send CAPABILITY (see runImapflow). */
interface ImapflowExec {
  exec(command: string): Promise<{ next(): void }>;
}

/**
 * Drives imapflow 2.1.2 through one session on the cleartext listener, from IMAPFLOW, as
 * DOMAIN\alice: its connect() sends ID, LOGIN (chosen for a user name with a backslash, and forced
 * by loginMethod too, since the listener offers AUTH=PLAIN), ID, NAMESPACE and ENABLE; then an
 * explicit CAPABILITY, SELECT (with LIST and LSUB), SEARCH, FETCH of every message (the ~200 KB one
 * included), APPEND, a short IDLE that the client ends with DONE, LOGOUT. Records what the client
 * saw into `out`.
 */
async function runImapflow(host: string, out: ImapflowSeen): Promise<void> {
  const client = new ImapFlow({
    host,
    port: 10143,
    secure: false,
    doSTARTTLS: false,
    auth: { user: 'DOMAIN\\alice', pass: LAB_PASSWORD, loginMethod: 'LOGIN' },
    // mailwire cannot read a DEFLATE stream; IDLE only when asked.
    disableCompression: true,
    disableAutoIdle: true,
    logger: false,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    // imapflow hands these options to net.connect too (typed for TLS only): the client address
    // tells its connection apart.
    tls: { localAddress: IMAPFLOW } as ConnectionOptions,
  });
  try {
    await client.connect();
    // imapflow takes the capabilities from Dovecot's greeting and never asks on its own (Dovecot
    // always puts them there); its exec() is what its own CAPABILITY command calls.
    const capability = await (client as unknown as ImapflowExec).exec('CAPABILITY');
    capability.next();
    const lock = await client.getMailboxLock('INBOX');
    try {
      out.search = await client.search({ header: { 'message-id': 'big-1@example.org' } });
      out.fetched = [];
      for await (const m of client.fetch('1:*', { uid: true, source: true })) out.fetched.push([m.uid, m.source!.toString('utf8')]);
      const appended = await client.append('INBOX', APPENDED, ['\\Seen']);
      out.appendUid = appended ? appended.uid : undefined;
      const idling = client.idle();
      await sleep(IDLE_MS);
      // Any command ends the IDLE first (imapflow sends DONE and waits for its completion).
      await client.logout();
      await idling;
      out.idled = true;
    } finally {
      lock.release();
    }
  } finally {
    client.close();
  }
}

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
  [IMAPFLOW, 10143],
];

/** imapflow's connection (index above). */
const IMAPFLOW_CONNECTION = 9;

/** The connections (indexes above) that fetch the ~200 KB message: curl's first and imapflow's. */
const BIG_FETCHES = [0, 9];

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
  // The phone: three unquoted AUTH lines, the third answered by Dovecot's BYE (the BYE is its answer).
  [
    'imap.cleartext-login',
    'imap.cleartext-login',
    'imap.cleartext-login',
    'imap.server-bye',
    'imap.unknown-command',
    'imap.unknown-command',
    'imap.unknown-command',
    'imap.unquoted-credentials',
    'imap.unquoted-credentials',
    'imap.unquoted-credentials',
  ],
  // LOGIN despite LOGINDISABLED: refused, and Dovecot's untagged [ALERT] that the password was
  // exposed (said by dovecot.password-exposed, not pinned on LOGIN as a bad-response).
  ['dovecot.password-exposed', 'dovecot.plaintext-disallowed', 'imap.cleartext-login', 'imap.login-disabled-ignored', 'imap.login-failed'],
  // Thunderbird-like: LOGIN "DOMAIN\\alice" in cleartext.
  ['imap.cleartext-login'],
  // imapflow: LOGIN "DOMAIN\\alice" in cleartext.
  ['imap.cleartext-login'],
];
/** The phone failed where Thunderbird, on the same server, succeeded. */
const EXPECTED_CROSS_FINDINGS: string[] = ['auth.contrast-with-working-session'];
