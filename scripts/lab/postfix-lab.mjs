#!/usr/bin/env node
// The Postfix lab: a real Postfix submission service with Dovecot SASL on loopback, each with its
// own configuration in a directory of its own (the system's Postfix and Dovecot are not touched).
//
//   node scripts/lab/postfix-lab.mjs start [DIR]   write the configuration, a certificate and the
//                                                  users into DIR (default: a new temporary
//                                                  directory), start Dovecot (auth service only)
//                                                  and Postfix, print the lab as JSON
//   node scripts/lab/postfix-lab.mjs stop DIR      stop both
//
// Listeners (127.0.23.0/24, none on the standard ports):
//   127.0.23.1:10025  "smtp" (port 25's role): no AUTH; relaying outside example.org refused
//                     (554 5.7.1 Relay access denied)
//   127.0.23.1:10587  submission: STARTTLS offered, AUTH PLAIN/LOGIN also in cleartext (so the lab
//                     can show a cleartext login), sender must be owned by the login
//                     (reject_sender_login_mismatch: 553 5.7.1 ... not owned by user), SIZE 20000
//   127.0.23.2:10587  submission with smtpd_tls_security_level = encrypt: AUTH or MAIL before
//                     STARTTLS gets 530 5.7.0 Must issue a STARTTLS command first
//   127.0.23.1:10465  submissions: implicit TLS (smtpd_tls_wrappermode)
// Users (Dovecot passwd-file, password Secret123): alice@example.org. Mail is accepted and discarded.
//
// Exports startPostfixLab(dir) and stopPostfixLab(lab) for the e2e tests. Needs root, Debian's
// postfix and dovecot-core (Dovecot 2.3) and openssl (scripts/lab/install.sh installs them).
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { waitListening } from './dovecot-lab.mjs';

export const SMTP_LAB_PASSWORD = 'Secret123';
export const SMTP_LAB_USER = 'alice@example.org';
export const SMTP_LAB_ADDRESS = '127.0.23.1';
export const SMTP_LAB_ENCRYPT_ADDRESS = '127.0.23.2';
export const SMTP_LAB_PORTS = { smtp: 10025, submission: 10587, submissions: 10465 };
/** message_size_limit: small, so that the lab can send a message too large. */
export const SMTP_LAB_SIZE_LIMIT = 20000;
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const LISTEN_SETTLE_MS = 1000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function dovecotConfig(dir) {
  return `# mailwire SMTP lab: Dovecot as Postfix's SASL back end only (scripts/lab/postfix-lab.mjs)
base_dir = ${dir}/dovecot-run
state_dir = ${dir}/dovecot-state
log_path = ${dir}/dovecot.log
protocols =
listen = 127.0.23.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${dir}/users
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=/nonexistent
}
service auth {
  unix_listener ${dir}/queue/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
`;
}

function mainCf(dir) {
  return `# mailwire SMTP lab (scripts/lab/postfix-lab.mjs)
compatibility_level = 3.6
queue_directory = ${dir}/queue
data_directory = ${dir}/data
# The listeners name their addresses in master.cf; Postfix accepts only configured interface
# addresses here, and 127.0.23.x are not (loopback answers for all of 127/8 all the same).
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = mail.example.org
mydomain = example.org
myorigin = example.org
mydestination = example.org
mynetworks =
local_recipient_maps =
local_transport = discard
default_transport = discard
relay_transport = discard
smtpd_banner = $myhostname ESMTP Postfix (mailwire lab)
smtpd_peername_lookup = no
biff = no
maillog_file_prefixes = ${dir}
maillog_file = ${dir}/postfix.log
message_size_limit = ${SMTP_LAB_SIZE_LIMIT}
smtpd_tls_cert_file = ${dir}/server.crt
smtpd_tls_key_file = ${dir}/server.key
smtpd_tls_security_level = may
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_auth_enable = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_sender_login_maps = inline:{ ${SMTP_LAB_USER}=${SMTP_LAB_USER} }
`;
}

function masterCf(dir) {
  const submission = [
    '-o syslog_name=postfix/submission',
    '-o smtpd_sasl_auth_enable=yes',
    '-o smtpd_tls_auth_only=no',
    '-o smtpd_sender_restrictions=reject_sender_login_mismatch',
    '-o smtpd_relay_restrictions=permit_sasl_authenticated,reject',
  ];
  const o = (opts) => opts.map((x) => `  ${x}`).join('\n');
  return `# mailwire SMTP lab (scripts/lab/postfix-lab.mjs)
${SMTP_LAB_ADDRESS}:${SMTP_LAB_PORTS.smtp} inet n - n - - smtpd
${SMTP_LAB_ADDRESS}:${SMTP_LAB_PORTS.submission} inet n - n - - smtpd
${o(submission)}
${SMTP_LAB_ENCRYPT_ADDRESS}:${SMTP_LAB_PORTS.submission} inet n - n - - smtpd
${o([...submission, '-o smtpd_tls_security_level=encrypt'])}
${SMTP_LAB_ADDRESS}:${SMTP_LAB_PORTS.submissions} inet n - n - - smtpd
${o([...submission, '-o smtpd_tls_wrappermode=yes'])}
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
tlsmgr unix - - n 1000? 1 tlsmgr
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
`;
}

async function waitFile(path, deadline) {
  while (!existsSync(path) || readFileSync(path, 'utf8').trim() === '') {
    if (Date.now() > deadline) throw new Error(`postfix lab: no ${path}`);
    await sleep(50);
  }
}

/**
 * Writes the lab into `dir` and starts Dovecot (SASL) and Postfix; resolves once every listener
 * accepts connections. Returns {dir, ports, addresses, user, password, sizeLimit, cert, logs}.
 */
export async function startPostfixLab(dir) {
  const version = execFileSync('dovecot', ['--version'], { encoding: 'utf8' }).trim();
  if (!/^2\.3\./.test(version)) throw new Error(`postfix lab: the Dovecot configuration is for Dovecot 2.3, this is ${version}`);
  dir = resolve(dir ?? mkdtempSync(join(tmpdir(), 'mailwire-smtp-lab-')));
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.crt'),
    '-days', '30', '-subj', '/CN=mail.example.org', '-addext', 'subjectAltName=DNS:mail.example.org',
  ], { stdio: 'ignore' });
  const postfixIds = { uid: Number(execFileSync('id', ['-u', 'postfix'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postfix'], { encoding: 'utf8' })) };
  for (const sub of ['queue', 'queue/private', 'queue/pid', 'data', 'etc']) mkdirSync(join(dir, sub), { recursive: true });
  chownSync(join(dir, 'data'), postfixIds.uid, postfixIds.gid);
  chownSync(join(dir, 'queue', 'private'), postfixIds.uid, postfixIds.gid);
  writeFileSync(join(dir, 'users'), `${SMTP_LAB_USER}:${SMTP_LAB_PASSWORD}\n`);
  writeFileSync(join(dir, 'dovecot.conf'), dovecotConfig(dir));
  writeFileSync(join(dir, 'etc', 'main.cf'), mainCf(dir));
  writeFileSync(join(dir, 'etc', 'master.cf'), masterCf(dir));
  execFileSync('dovecot', ['-c', join(dir, 'dovecot.conf')], { stdio: 'inherit' });
  // Postfix creates the rest of its queue at start. Its errors go to the log file (no syslog here).
  try {
    execFileSync('postfix', ['-c', join(dir, 'etc'), 'start'], { stdio: 'ignore' });
  } catch (err) {
    const log = existsSync(join(dir, 'postfix.log')) ? readFileSync(join(dir, 'postfix.log'), 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    throw new Error(`postfix lab: postfix start failed${log ? `:\n${log}` : ''}`, { cause: err });
  }
  const deadline = Date.now() + START_TIMEOUT_MS;
  await waitListening(SMTP_LAB_ADDRESS, SMTP_LAB_PORTS.smtp, deadline);
  await waitListening(SMTP_LAB_ADDRESS, SMTP_LAB_PORTS.submission, deadline);
  await waitListening(SMTP_LAB_ENCRYPT_ADDRESS, SMTP_LAB_PORTS.submission, deadline);
  await waitListening(SMTP_LAB_ADDRESS, SMTP_LAB_PORTS.submissions, deadline);
  await waitFile(join(dir, 'dovecot-run', 'master.pid'), deadline);
  await sleep(LISTEN_SETTLE_MS);
  return {
    dir,
    ports: SMTP_LAB_PORTS,
    addresses: { default: SMTP_LAB_ADDRESS, encrypt: SMTP_LAB_ENCRYPT_ADDRESS },
    user: SMTP_LAB_USER,
    password: SMTP_LAB_PASSWORD,
    sizeLimit: SMTP_LAB_SIZE_LIMIT,
    cert: join(dir, 'server.crt'),
    logs: { postfix: join(dir, 'postfix.log'), dovecot: join(dir, 'dovecot.log') },
  };
}

/** Stops the lab's Postfix (postfix stop) and Dovecot (by its master PID). */
export async function stopPostfixLab(lab) {
  try {
    execFileSync('postfix', ['-c', join(lab.dir, 'etc'), 'stop'], { stdio: 'ignore' });
  } catch {
    // not running
  }
  const pidFile = join(lab.dir, 'dovecot-run', 'master.pid');
  const pid = existsSync(pidFile) ? Number.parseInt(readFileSync(pidFile, 'utf8'), 10) : NaN;
  if (Number.isInteger(pid)) {
    try {
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      for (;;) {
        process.kill(pid, 0);
        if (Date.now() > deadline) break;
        await sleep(100);
      }
    } catch {
      // exited
    }
  }
  // Postfix's master exits a moment after `postfix stop`: wait until the ports are free.
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  const masterPid = join(lab.dir, 'queue', 'pid', 'master.pid');
  while (existsSync(masterPid) && Date.now() < deadline) {
    const p = Number.parseInt(readFileSync(masterPid, 'utf8'), 10);
    try {
      process.kill(p, 0);
    } catch {
      break;
    }
    await sleep(100);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [cmd, dir] = process.argv.slice(2);
  if (cmd === 'start') {
    console.log(JSON.stringify(await startPostfixLab(dir), null, 2));
  } else if (cmd === 'stop' && dir) {
    await stopPostfixLab({ dir: resolve(dir) });
  } else {
    console.error('usage: postfix-lab.mjs start [DIR] | stop DIR');
    process.exit(2);
  }
}
