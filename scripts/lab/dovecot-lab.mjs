#!/usr/bin/env node
// The Dovecot lab: a real Dovecot on loopback with its own configuration in a directory of its own.
//
//   node scripts/lab/dovecot-lab.mjs start [DIR]   write config, certificate, users and mailboxes
//                                                  into DIR (default: a new temporary directory),
//                                                  start Dovecot, print the lab as JSON
//   node scripts/lab/dovecot-lab.mjs stop DIR      stop the Dovecot started in DIR (by its PID)
//
// Listeners (all on loopback, none on the standard ports):
//   127.0.0.1:10143  IMAP, cleartext login allowed (disable_plaintext_auth = no)
//   127.0.0.2:11143  IMAP with LOGINDISABLED: the `local 127.0.0.2` filter sets
//                    disable_plaintext_auth = yes (Dovecot 2.3's name; 2.4 calls it
//                    auth_allow_cleartext). Dovecot treats a connection as secure when the client's
//                    address equals the server's, so clients must connect from another address.
//   127.0.0.1:10110  POP3, cleartext allowed
//   127.0.0.1:10993  IMAPS, 127.0.0.1:10995 POP3S (a self-signed certificate for mail.example.org)
// Users (passwd-file, password Secret123): `alice` and `DOMAIN\alice`, each with a maildir INBOX of
// three messages: ~200 KB of text, UTF-8 with an attachment, and a body line starting with ".".
//
// The module exports startLab(dir, options) and stopLab(lab) for the e2e tests; options move the lab
// to other addresses and ports and add users, so that a second lab (scripts/lab/real-clients.mjs)
// runs beside this one. Needs root (Dovecot's
// privilege separation), Dovecot 2.3 (Debian 12's; the configuration uses 2.3's setting names) and
// `openssl` (scripts/lab/install.sh installs them).
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const LAB_PASSWORD = 'Secret123';
export const LAB_USERS = ['alice', 'DOMAIN\\alice'];
export const LAB_PORTS = { imap: 10143, imapLoginDisabled: 11143, pop3: 10110, imaps: 10993, pop3s: 10995 };
export const LAB_ADDRESS = '127.0.0.1';
export const LAB_LOGIN_DISABLED_ADDRESS = '127.0.0.2';
/** The uid/gid the mail processes run as (Dovecot refuses root; nobody is >= first_valid_uid). */
const MAIL_UID = 65534;
const MAIL_GID = 65534;
/** How long to wait for Dovecot to listen, and to exit after SIGTERM. */
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;
/** Quiet time after the listening probes (see startLab). */
const LISTEN_SETTLE_MS = 1000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The three lab messages (CRLF line ends, as maildir files may hold either). */
export function labMessages() {
  const big = [
    'From: Bob <bob@example.org>',
    'To: Alice <alice@example.org>',
    'Subject: A large message',
    'Date: Fri, 21 Mar 2025 08:00:00 +0000',
    'Message-ID: <big-1@example.org>',
    '',
  ];
  // ~200 KB of numbered lines.
  for (let i = 1; i <= 3500; i++) big.push(`Line ${String(i).padStart(5, '0')}: the quick brown fox jumps over the lazy dog.`);
  const attachment = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 37 + 11) & 0xff)).toString('base64').replace(/.{76}/g, '$&\r\n');
  const utf8 = [
    'From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <juergen@example.org>',
    'To: Alice <alice@example.org>',
    'Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgWsO8cmljaCDimIM=?=',
    'Date: Fri, 21 Mar 2025 09:30:00 +0100',
    'Message-ID: <utf8-2@example.org>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="=_lab_boundary"',
    '',
    '--=_lab_boundary',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Grüße aus Zürich ☃ — the report is attached.',
    '',
    '--=_lab_boundary',
    'Content-Type: application/octet-stream; name="report.bin"',
    'Content-Disposition: attachment; filename="report.bin"',
    'Content-Transfer-Encoding: base64',
    '',
    attachment,
    '--=_lab_boundary--',
    '',
  ];
  const dot = [
    'From: Carol <carol@example.org>',
    'To: Alice <alice@example.org>',
    'Subject: Lines starting with a dot',
    'Date: Fri, 21 Mar 2025 10:00:00 +0000',
    'Message-ID: <dot-3@example.org>',
    '',
    'Below are lines that POP3 must dot-stuff:',
    '.signature -- Carol',
    '.',
    '..two dots',
    'The end.',
    '',
  ];
  return [big.join('\r\n') + '\r\n', utf8.join('\r\n'), dot.join('\r\n')];
}

function writeMaildir(home) {
  const md = join(home, 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(md, sub), { recursive: true });
  labMessages().forEach((m, i) => {
    const body = Buffer.from(m, 'utf8');
    writeFileSync(join(md, 'cur', `174256${3000 + i}.M${i}P1.lab,S=${body.length}:2,`), body);
  });
  // The mail processes run as nobody: they must own the home and the maildir.
  for (const p of [home, md, join(md, 'cur'), join(md, 'new'), join(md, 'tmp'), ...readdirFiles(join(md, 'cur'))]) chownSync(p, MAIL_UID, MAIL_GID);
}

function readdirFiles(dir) {
  return readdirSync(dir).map((f) => join(dir, f));
}

/** The lab's default layout: addresses, ports and users (startLab's options override it). */
const DEFAULT_LAYOUT = {
  address: LAB_ADDRESS,
  loginDisabledAddress: LAB_LOGIN_DISABLED_ADDRESS,
  ports: LAB_PORTS,
  users: LAB_USERS,
  /** auth_mechanisms (the real-client lab drops cram-md5, which Dovecot allows without TLS, to refuse every cleartext login). */
  authMechanisms: 'plain login cram-md5',
  /** The certificate's subjectAltName. */
  certSan: 'DNS:mail.example.org',
  /** Sign the server certificate with a private CA (DIR/ca.crt) instead of self-signing it. */
  ca: false,
};

function config(dir, layout) {
  const { address, loginDisabledAddress, ports } = layout;
  return `# mailwire lab: generated by scripts/lab/dovecot-lab.mjs
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
protocols = imap pop3
listen = ${address}
ssl = yes
ssl_cert = <${dir}/server.crt
ssl_key = <${dir}/server.key
disable_plaintext_auth = no
auth_mechanisms = ${layout.authMechanisms}
auth_verbose = yes
# Allow DOMAIN\\alice (the default set has no backslash).
auth_username_chars =
# Keep user names as sent (the default %Lu lowercases DOMAIN\\alice into domain\\alice).
auth_username_format = %u
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${dir}/users
}
userdb {
  driver = passwd-file
  args = ${dir}/users
}
mail_location = maildir:~/Maildir
first_valid_uid = ${MAIL_UID}
protocol imap {
  mail_max_userip_connections = 100
}
service imap-login {
  inet_listener imap {
    address = ${address}
    port = ${ports.imap}
  }
  inet_listener imap_logindisabled {
    address = ${loginDisabledAddress}
    port = ${ports.imapLoginDisabled}
  }
  inet_listener imaps {
    address = ${address}
    port = ${ports.imaps}
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = ${address}
    port = ${ports.pop3}
  }
  inet_listener pop3_logindisabled {
    address = ${loginDisabledAddress}
    port = ${ports.pop3LoginDisabled ?? 0}
  }
  inet_listener pop3s {
    address = ${address}
    port = ${ports.pop3s}
    ssl = yes
  }
}
local ${loginDisabledAddress} {
  disable_plaintext_auth = yes
}
`;
}

/** Waits until host:port accepts a TCP connection (the SMTP lab uses it too). */
export async function waitListening(host, port, deadline) {
  const net = await import('node:net');
  while (Date.now() < deadline) {
    const ok = await new Promise((r) => {
      const s = net.connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`lab: nothing listens on ${host}:${port}`);
}

/**
 * Writes the lab into `dir` (created if needed; a new temporary directory when omitted) and starts
 * Dovecot. Resolves once every listener accepts connections. Returns the lab description:
 * {dir, pid, ports, addresses, users, password, cert, log}.
 */
export async function startLab(dir, options = {}) {
  const layout = { ...DEFAULT_LAYOUT, ...options };
  const { address, loginDisabledAddress, ports } = layout;
  // The configuration below is Dovecot 2.3's (Debian 12); 2.4 renamed most of these settings.
  const version = execFileSync('dovecot', ['--version'], { encoding: 'utf8' }).trim();
  if (!/^2\.3\./.test(version)) throw new Error(`dovecot lab: the lab's configuration is for Dovecot 2.3, this is ${version}`);
  dir = resolve(dir ?? mkdtempSync(join(tmpdir(), 'mailwire-lab-')));
  mkdirSync(dir, { recursive: true });
  // Dovecot's unprivileged processes must reach the configuration, certificate and sockets.
  chmodSync(dir, 0o755);
  if (layout.ca) {
    // A private CA and a server certificate it signed: clients that trust the CA accept the server
    // as they would a real one (no self-signed certificate), the others refuse it (unknown_ca).
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'), '-days', '30', '-subj', '/CN=mailwire lab CA'], { stdio: 'ignore' });
    execFileSync('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.csr'), '-subj', '/CN=mail.example.org'], { stdio: 'ignore' });
    writeFileSync(join(dir, 'server.ext'), `subjectAltName=${layout.certSan}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    execFileSync('openssl', ['x509', '-req', '-in', join(dir, 'server.csr'), '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-out', join(dir, 'server.crt'), '-days', '30', '-extfile', join(dir, 'server.ext')], { stdio: 'ignore' });
  } else {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.crt'),
      '-days', '30', '-subj', '/CN=mail.example.org', '-addext', `subjectAltName=${layout.certSan}`,
    ], { stdio: 'ignore' });
  }
  const users = [];
  for (const [i, user] of layout.users.entries()) {
    const home = join(dir, 'home', i === 0 ? 'alice' : `user-${i}`);
    mkdirSync(home, { recursive: true });
    chmodSync(join(dir, 'home'), 0o755);
    writeMaildir(home);
    // passwd-file reads a backslash as an escape: DOMAIN\alice is written DOMAIN\\alice.
    users.push(`${user.replaceAll('\\', '\\\\')}:${LAB_PASSWORD}:${MAIL_UID}:${MAIL_GID}::${home}::`);
  }
  writeFileSync(join(dir, 'users'), `${users.join('\n')}\n`);
  writeFileSync(join(dir, 'dovecot.conf'), config(dir, layout));
  execFileSync('dovecot', ['-c', join(dir, 'dovecot.conf')], { stdio: 'inherit' });
  const deadline = Date.now() + START_TIMEOUT_MS;
  await waitListening(address, ports.imap, deadline);
  await waitListening(loginDisabledAddress, ports.imapLoginDisabled, deadline);
  await waitListening(address, ports.pop3, deadline);
  await waitListening(address, ports.imaps, deadline);
  await waitListening(address, ports.pop3s, deadline);
  if (ports.pop3LoginDisabled) await waitListening(loginDisabledAddress, ports.pop3LoginDisabled, deadline);
  // The probes above leave connections that the login processes close a moment later: let them
  // finish so that a capture started now sees only the caller's traffic.
  await sleep(LISTEN_SETTLE_MS);
  // The master writes its PID file a moment after its listeners open.
  const pidFile = join(dir, 'run', 'master.pid');
  while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') {
    if (Date.now() > deadline) throw new Error(`dovecot lab: no ${pidFile}`);
    await sleep(50);
  }
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  return {
    dir,
    pid,
    ports,
    addresses: { default: address, loginDisabled: loginDisabledAddress },
    users: layout.users,
    password: LAB_PASSWORD,
    cert: join(dir, 'server.crt'),
    ...(layout.ca ? { ca: join(dir, 'ca.crt') } : {}),
    log: join(dir, 'dovecot.log'),
  };
}

/** Stops the lab's Dovecot by its master PID (SIGTERM) and waits until it has exited. */
export async function stopLab(lab) {
  const pidFile = join(lab.dir, 'run', 'master.pid');
  const pid = lab.pid ?? (existsSync(pidFile) ? Number.parseInt(readFileSync(pidFile, 'utf8'), 10) : NaN);
  if (!Number.isInteger(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(100);
  }
  throw new Error(`dovecot lab: PID ${pid} did not exit after SIGTERM`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [cmd, dir] = process.argv.slice(2);
  if (cmd === 'start') {
    const lab = await startLab(dir);
    console.log(JSON.stringify(lab, null, 2));
  } else if (cmd === 'stop' && dir) {
    await stopLab({ dir: resolve(dir) });
  } else {
    console.error('usage: dovecot-lab.mjs start [DIR] | stop DIR');
    process.exitCode = 2;
  }
}
