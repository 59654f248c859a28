#!/usr/bin/env node
// The real-client lab: Debian's mail clients against a real Dovecot on loopback, one capture per
// client, each holding that client's sessions one after the other.
//
//   node scripts/lab/real-clients.mjs record [OUTDIR]   (default: captures/real-clients)
//
// writes OUTDIR/<client>.pcap, OUTDIR/<client>.keylog (the TLS secrets the client wrote: curl and
// Python on their own, OpenSSL clients through scripts/lab/keylog-shim/sslkeylog.c preloaded) and
// OUTDIR/sessions.json (per capture, the sessions in order: scenario and time window). The expected
// findings of every conversation are in OUTDIR/expected.json, written by reading the sessions, and
// held by test/samples/real-clients.test.ts; test/e2e/real-clients.test.ts records again and checks
// that the live servers and clients still produce them.
//
// Dovecot (scripts/lab/dovecot-lab.mjs) runs on 127.0.16.1 (IMAP 143, POP3 110, IMAPS 993, POP3S 995:
// cleartext login allowed) and 127.0.16.2 (IMAP 143, POP3 110 with LOGINDISABLED / no USER before
// STLS). Users (password Secret123): alice, "john smith" (a space) and DOMAIN\alice (a backslash).
// Needs root (tcpdump, Dovecot), cc (the shim), and the clients: curl, python3, fetchmail, isync.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startLab, stopLab, LAB_PASSWORD } from './dovecot-lab.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const RC_ADDRESS = '127.0.16.1';
export const RC_LOGIN_DISABLED_ADDRESS = '127.0.16.2';
export const RC_PORTS = { imap: 143, imapLoginDisabled: 143, pop3: 110, imaps: 993, pop3s: 995, pop3LoginDisabled: 110 };
export const RC_USERS = ['alice', 'john smith', 'DOMAIN\\alice'];
const WRONG = 'Wrong-Pass1';
const CLIENT_TIMEOUT_MS = 20_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The lab's host names: clients verify the certificate against a name, as they would in real life. */
export const RC_HOSTS = { tls: 'mail.example.org', loginDisabled: 'plain.example.org' };
let hostsFile = '';

/**
 * Runs a client; its exit status is recorded, not judged (a refused login is the scenario). The
 * client runs in a mount namespace of its own where /etc/hosts names the lab's addresses (the
 * network is the host's loopback: nothing on the machine changes).
 */
function run(cmd, args, opts = {}) {
  const wrapped = ['-m', '--', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hostsFile, cmd, ...args];
  const r = spawnSync('unshare', wrapped, { encoding: 'utf8', timeout: CLIENT_TIMEOUT_MS, input: opts.input ?? '', env: { ...process.env, ...opts.env }, cwd: opts.cwd ?? '/' });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.slice(-2000) };
}

/** A Python client (imaplib / poplib), written out and run; SSLKEYLOGFILE makes Python log its secrets. */
function python(code, keylog) {
  return run('python3', ['-c', code], { env: { SSLKEYLOGFILE: keylog } });
}

const PY_IMAP = (host, port, mode, user, pass, cafile) => `
import imaplib, ssl
ctx = ssl.create_default_context(${cafile ? `cafile=${JSON.stringify(cafile)}` : ''})
try:
    ${mode === 'tls' ? `M = imaplib.IMAP4_SSL(${JSON.stringify(host)}, ${port}, ssl_context=ctx)` : `M = imaplib.IMAP4(${JSON.stringify(host)}, ${port})`}
    ${mode === 'starttls' ? 'M.starttls(ssl_context=ctx)' : ''}
    M.login(${JSON.stringify(user)}, ${JSON.stringify(pass)})
    M.select('INBOX')
    M.fetch('1:3', '(UID FLAGS RFC822.SIZE)')
    M.logout()
except Exception as e:
    print('client error:', e)
    try: M.logout()
    except Exception: pass
`;

const PY_POP = (host, port, mode, user, pass, cafile) => `
import poplib, ssl
ctx = ssl.create_default_context(cafile=${JSON.stringify(cafile)})
try:
    ${mode === 'tls' ? `P = poplib.POP3_SSL(${JSON.stringify(host)}, ${port}, context=ctx)` : `P = poplib.POP3(${JSON.stringify(host)}, ${port})`}
    ${mode === 'starttls' ? 'P.stls(context=ctx)' : ''}
    P.user(${JSON.stringify(user)})
    P.pass_(${JSON.stringify(pass)})
    P.stat()
    P.uidl()
    P.quit()
except Exception as e:
    print('client error:', e)
    try: P.quit()
    except Exception: pass
`;

/** The clients and their sessions: [scenario, function(ctx) running it]. */
function clients(cert) {
  const A = RC_HOSTS.tls;
  const D = RC_HOSTS.loginDisabled;
  const curl = (args, ctx) => run('curl', ['-s', '-S', '--max-time', '15', ...args], { env: { SSLKEYLOGFILE: ctx.keylog } });
  const mbsyncConf = (ctx, name, host, ssl, user, pass, certOk) => {
    const f = join(ctx.tmp, `mbsyncrc-${name}`);
    const maildir = join(ctx.tmp, `mbsync-${name}`);
    mkdirSync(maildir, { recursive: true });
    writeFileSync(f, `IMAPAccount lab
Host ${host}
Port ${ssl === 'IMAPS' ? 993 : 143}
User "${user.replaceAll('\\', '\\\\')}"
Pass "${pass}"
SSLType ${ssl}
${certOk ? `CertificateFile ${cert}\n` : ''}AuthMechs LOGIN

IMAPStore lab-remote
Account lab

MaildirStore lab-local
Path ${maildir}/
Inbox ${maildir}/INBOX

Channel lab
Far :lab-remote:
Near :lab-local:
Patterns INBOX
Create Near
Sync Pull
SyncState *
`);
    return run('mbsync', ['-c', f, 'lab'], { env: { SSLKEYLOGFILE: ctx.keylog, LD_PRELOAD: ctx.shim } });
  };
  const fetchmail = (ctx, name, host, proto, user, pass, extra) => {
    const rc = join(ctx.tmp, `fetchmailrc-${name}`);
    writeFileSync(rc, `set no syslog\npoll ${host} proto ${proto} user "${user.replaceAll('\\', '\\\\')}" password "${pass}" ${extra} fetchall keep mda "/bin/cat >/dev/null"\n`, { mode: 0o600 });
    return run('fetchmail', ['-f', rc, '-N', '--nosyslog', '-i', join(ctx.tmp, `fetchids-${name}`)], { env: { SSLKEYLOGFILE: ctx.keylog, LD_PRELOAD: ctx.shim, HOME: ctx.tmp } });
  };
  const getmail = (ctx, name, retriever, port, user, pass) => {
    const dir = join(ctx.tmp, `getmail-${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'mbox'), '');
    writeFileSync(join(dir, 'getmailrc'), `[retriever]
type = ${retriever}
server = ${A}
port = ${port}
username = ${user}
password = ${pass}
${retriever.includes('IMAP') ? 'mailboxes = ("INBOX",)\n' : ''}
[destination]
type = Mboxrd
path = ${join(dir, 'mbox')}

[options]
read_all = false
delete = false
verbose = 0
`);
    // Python writes its own key log (the OpenSSL shim is not preloaded into it).
    return run('getmail', ['--getmaildir', dir, '--rcfile', join(dir, 'getmailrc')], { env: { SSLKEYLOGFILE: ctx.keylog } });
  };
  return {
    curl: [
      ['imap-clean-143', (c) => curl([`imap://${A}/INBOX;UID=1/;SECTION=HEADER`, '-u', `alice:${LAB_PASSWORD}`], c)],
      ['imap-starttls', (c) => curl([`imap://${A}/INBOX;UID=1/;SECTION=HEADER`, '-u', `alice:${LAB_PASSWORD}`, '--ssl-reqd', '--cacert', cert], c)],
      ['imap-login-disabled', (c) => curl([`imap://${D}/INBOX`, '-u', `alice:${LAB_PASSWORD}`], c)],
      ['imaps-993', (c) => curl([`imaps://${A}/INBOX;UID=1/;SECTION=HEADER`, '--cacert', cert, '-u', `alice:${LAB_PASSWORD}`], c)],
      ['imap-wrong-password', (c) => curl([`imap://${A}/INBOX`, '-u', `alice:${WRONG}`], c)],
      ['imap-user-with-space', (c) => curl([`imap://${A}/INBOX;UID=1/;SECTION=HEADER`, '-u', `john smith:${LAB_PASSWORD}`, '--login-options', 'AUTH=PLAIN'], c)],
      ['imap-user-with-backslash', (c) => curl([`imap://${A}/INBOX;UID=1/;SECTION=HEADER`, '-u', `DOMAIN\\alice:${LAB_PASSWORD}`], c)],
      ['imap-cert-rejected', (c) => curl([`imaps://${A}/INBOX`, '-u', `alice:${LAB_PASSWORD}`], c)],
      ['pop3-clean-110', (c) => curl([`pop3://${A}/1`, '-u', `alice:${LAB_PASSWORD}`, '-o', '/dev/null'], c)],
      ['pop3s-995', (c) => curl([`pop3s://${A}/`, '--cacert', cert, '-u', `alice:${LAB_PASSWORD}`], c)],
    ],
    python: [
      ['imap-clean-143', (c) => python(PY_IMAP(A, 143, 'plain', 'alice', LAB_PASSWORD, cert), c.keylog)],
      ['imap-starttls', (c) => python(PY_IMAP(A, 143, 'starttls', 'alice', LAB_PASSWORD, cert), c.keylog)],
      ['imaps-993', (c) => python(PY_IMAP(A, 993, 'tls', 'alice', LAB_PASSWORD, cert), c.keylog)],
      ['imap-wrong-password', (c) => python(PY_IMAP(A, 143, 'plain', 'alice', WRONG, cert), c.keylog)],
      ['imap-user-with-space', (c) => python(PY_IMAP(A, 143, 'plain', 'john smith', 'pass word', cert), c.keylog)],
      ['imap-login-disabled', (c) => python(PY_IMAP(D, 143, 'plain', 'alice', LAB_PASSWORD, cert), c.keylog)],
      ['imap-cert-rejected', (c) => python(PY_IMAP(A, 993, 'tls', 'alice', LAB_PASSWORD, null), c.keylog)],
      ['pop3-clean-110', (c) => python(PY_POP(A, 110, 'plain', 'alice', LAB_PASSWORD, cert), c.keylog)],
      ['pop3-stls', (c) => python(PY_POP(A, 110, 'starttls', 'alice', LAB_PASSWORD, cert), c.keylog)],
      ['pop3s-995', (c) => python(PY_POP(A, 995, 'tls', 'alice', LAB_PASSWORD, cert), c.keylog)],
      ['pop3-wrong-password', (c) => python(PY_POP(A, 110, 'plain', 'alice', WRONG, cert), c.keylog)],
    ],
    getmail6: [
      ['imap-clean-143', (c) => getmail(c, 'clean', 'SimpleIMAPRetriever', 143, 'alice', LAB_PASSWORD)],
      ['imaps-993', (c) => getmail(c, 'imaps', 'SimpleIMAPSSLRetriever', 993, 'alice', LAB_PASSWORD)],
      ['imap-wrong-password', (c) => getmail(c, 'wrong', 'SimpleIMAPSSLRetriever', 993, 'alice', WRONG)],
      ['imap-user-with-space', (c) => getmail(c, 'space', 'SimpleIMAPRetriever', 143, 'john smith', LAB_PASSWORD)],
      ['pop3-clean-110', (c) => getmail(c, 'pop3', 'SimplePOP3Retriever', 110, 'alice', LAB_PASSWORD)],
      ['pop3s-995', (c) => getmail(c, 'pop3s', 'SimplePOP3SSLRetriever', 995, 'alice', LAB_PASSWORD)],
    ],
    mbsync: [
      ['imap-clean-143', (c) => mbsyncConf(c, 'clean', A, 'None', 'alice', LAB_PASSWORD, true)],
      ['imap-starttls', (c) => mbsyncConf(c, 'starttls', A, 'STARTTLS', 'alice', LAB_PASSWORD, true)],
      ['imaps-993', (c) => mbsyncConf(c, 'imaps', A, 'IMAPS', 'alice', LAB_PASSWORD, true)],
      ['imap-wrong-password', (c) => mbsyncConf(c, 'wrong', A, 'IMAPS', 'alice', WRONG, true)],
      ['imap-user-with-backslash', (c) => mbsyncConf(c, 'backslash', A, 'IMAPS', 'DOMAIN\\alice', LAB_PASSWORD, true)],
      ['imap-login-disabled', (c) => mbsyncConf(c, 'disabled', D, 'None', 'alice', LAB_PASSWORD, true)],
      ['imap-cert-rejected', (c) => mbsyncConf(c, 'reject', A, 'IMAPS', 'alice', LAB_PASSWORD, false)],
    ],
    fetchmail: [
      ['imap-clean-143', (c) => fetchmail(c, 'clean', A, 'imap', 'alice', LAB_PASSWORD, "sslproto ''")],
      ['imap-starttls', (c) => fetchmail(c, 'starttls', A, 'imap', 'alice', LAB_PASSWORD, `sslproto tls1.2+ sslcertck sslcertfile ${cert}`)],
      ['imaps-993', (c) => fetchmail(c, 'imaps', A, 'imap', 'alice', LAB_PASSWORD, `ssl sslcertck sslcertfile ${cert}`)],
      ['imap-wrong-password', (c) => fetchmail(c, 'wrong', A, 'imap', 'alice', WRONG, `ssl sslcertck sslcertfile ${cert}`)],
      ['imap-login-disabled', (c) => fetchmail(c, 'disabled', D, 'imap', 'alice', LAB_PASSWORD, "sslproto ''")],
      ['imap-cert-rejected', (c) => fetchmail(c, 'reject', A, 'imap', 'alice', LAB_PASSWORD, 'ssl sslcertck')],
      ['pop3-clean-110', (c) => fetchmail(c, 'pop3', A, 'pop3', 'alice', LAB_PASSWORD, "sslproto ''")],
      ['pop3-login-disabled', (c) => fetchmail(c, 'pop3disabled', D, 'pop3', 'alice', LAB_PASSWORD, "sslproto ''")],
      ['pop3s-995', (c) => fetchmail(c, 'pop3s', A, 'pop3', 'alice', LAB_PASSWORD, `ssl sslcertck sslcertfile ${cert}`)],
    ],
  };
}

/** Starts tcpdump on lo for the lab's block and waits until it listens. */
async function startCapture(file) {
  const p = spawn('tcpdump', ['-i', 'lo', '-s', '0', '-U', '-w', file, 'net', '127.0.16.0/24'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise((resolveStart, reject) => {
    const t = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
    p.stderr.on('data', (d) => {
      err += d;
      if (/listening on/.test(err)) {
        clearTimeout(t);
        resolveStart();
      }
    });
    p.once('exit', () => reject(new Error(`tcpdump exited: ${err}`)));
  });
  return p;
}

async function stopCapture(p) {
  // The last session's final segments (a FIN, a reset, the end of a RETR) must reach the file: a
  // capture stopped too early cuts the last conversation (capture-end), which is not the client's doing.
  await sleep(2000);
  const done = new Promise((r) => p.once('exit', r));
  p.kill('SIGINT');
  await done;
}

/** Records every client's sessions into outDir. Returns sessions.json's content. */
export async function record(outDir, only) {
  outDir = resolve(outDir);
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'mailwire-rc-'));
  // Dovecot's unprivileged auth process reads the users file below it.
  chmodSync(tmp, 0o755);
  const shim = join(tmp, 'sslkeylog.so');
  hostsFile = join(tmp, 'hosts');
  writeFileSync(hostsFile, `${RC_ADDRESS} ${RC_HOSTS.tls}\n${RC_LOGIN_DISABLED_ADDRESS} ${RC_HOSTS.loginDisabled}\n`);
  execFileSync('cc', ['-shared', '-fPIC', '-o', shim, join(HERE, 'keylog-shim', 'sslkeylog.c'), '-ldl']);
  const lab = await startLab(join(tmp, 'dovecot'), { address: RC_ADDRESS, loginDisabledAddress: RC_LOGIN_DISABLED_ADDRESS, ports: RC_PORTS, users: RC_USERS, authMechanisms: 'plain login', certSan: `DNS:${RC_HOSTS.tls},DNS:${RC_HOSTS.loginDisabled}`, ca: true });
  const sessions = {};
  try {
    for (const [client, list] of Object.entries(clients(lab.ca))) {
      if (only && !only.includes(client)) continue;
      const pcap = join(outDir, `${client}.pcap`);
      const keylog = join(outDir, `${client}.keylog`);
      rmSync(keylog, { force: true });
      writeFileSync(keylog, '');
      const cap = await startCapture(pcap);
      const done = [];
      try {
        for (const [scenario, fn] of list) {
          const start = Date.now() / 1000;
          const r = fn({ keylog, shim, tmp });
          // Let the last FIN/RST of the session reach the capture before the next one starts.
          await sleep(400);
          done.push({ scenario, start, end: Date.now() / 1000, status: r.status, said: r.out.trim().split('\n').slice(-2).join(' | ').slice(0, 240) });
        }
      } finally {
        await stopCapture(cap);
      }
      sessions[client] = done;
    }
  } finally {
    await stopLab(lab);
    rmSync(tmp, { recursive: true, force: true });
  }
  const file = join(outDir, 'sessions.json');
  const all = existsSync(file) ? { ...JSON.parse(readFileSync(file, 'utf8')), ...sessions } : sessions;
  writeFileSync(file, `${JSON.stringify(all, null, 1)}\n`);
  return all;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [cmd, dir, ...only] = process.argv.slice(2);
  if (cmd === 'record') {
    const out = dir ?? join(HERE, '..', '..', 'captures', 'real-clients');
    const s = await record(out, only.length ? only : undefined);
    for (const [c, list] of Object.entries(s)) console.log(`${c}: ${list.map((x) => `${x.scenario}=${x.status}`).join(' ')}`);
  } else {
    console.error('usage: real-clients.mjs record [OUTDIR [CLIENT...]]');
    process.exitCode = 2;
  }
}
