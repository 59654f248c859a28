#!/usr/bin/env node
/**
 * Hostile mail sessions with known secrets: login lines that do not parse (control characters, an
 * unterminated quote, a literal announced without its CRLF, parentheses, a password holding NUL,
 * parentheses or a bare LF), SASL responses in odd places (`AUTHENTICATE PLAIN {24}`,
 * `UID AUTHENTICATE`), and cleartext logins sent after a STARTTLS/STLS OK. Each case names the
 * strings that no report may show unless --show-secrets: test/robustness/hostile-secrets.test.ts runs
 * every output format over every case and greps for each secret, its base64 and its hex.
 *
 *   node scripts/hostile-sessions.mjs DIR     writes DIR/<case>.pcap for a look by hand
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TcpConnection, pcapOf } from './adversarial-packets.mjs';

const enc = (s) => Buffer.from(s, 'latin1');
const b64 = (s) => Buffer.from(s, 'latin1').toString('base64');

const IMAP_GREETING = '* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready\r\n';
const POP3_GREETING = '+OK POP3 ready\r\n';

/**
 * A case: `turns` are [side, text] pairs sent in order on one connection ('c' client, 's' server),
 * `secrets` the strings that are secret (each is also grepped for as base64 and hex), `port` the
 * server port (143 IMAP, 110 POP3).
 */
function imapLogin(name, what, loginLine, secrets, answer = 'a1 BAD invalid arguments\r\n') {
  return { name, what, port: 143, turns: [['s', IMAP_GREETING], ['c', loginLine], ['s', answer], ['c', 'a2 LOGOUT\r\n'], ['s', '* BYE\r\na2 OK bye\r\n']], secrets };
}

const PLAIN_BLOB = '\0alice\0LeakSaslPw1';

export const HOSTILE_SESSIONS = [
  imapLogin('login-nul-in-user', 'a NUL in the user name', 'a1 LOGIN Us\0er LeakNulUserPw\r\n', ['LeakNulUserPw']),
  imapLogin('login-control-in-user', 'an ESC in the user name', 'a1 LOGIN Us\x1ber LeakEscUserPw\r\n', ['LeakEscUserPw']),
  imapLogin('login-unterminated-quote', 'an unterminated quoted user name', 'a1 LOGIN "alice LeakQuotePw\r\n', ['LeakQuotePw']),
  imapLogin('login-literal-without-crlf', 'a literal announced without its CRLF', 'a1 LOGIN {5}alice LeakLiteralPw\r\n', ['LeakLiteralPw']),
  imapLogin('login-parentheses', 'a parenthesised user and password', 'a1 LOGIN (alice LeakParenPw)\r\n', ['LeakParenPw']),
  imapLogin('login-nul-in-password', 'a NUL inside the password', 'a1 LOGIN alice LeakPre\0LeakPostNul\r\n', ['LeakPre', 'LeakPostNul']),
  imapLogin('login-parenthesis-in-password', 'parentheses inside the password', 'a1 LOGIN alice LeakOpen(LeakClose)LeakTail\r\n', ['LeakOpen', 'LeakClose', 'LeakTail']),
  imapLogin('login-bare-lf-in-quoted-password', 'a bare LF inside a quoted password', 'a1 LOGIN alice "LeakBeforeLf\nLeakAfterLf"\r\n', ['LeakBeforeLf', 'LeakAfterLf']),
  imapLogin('login-extra-arguments', 'three arguments (an unquoted password with a space)', 'a1 LOGIN john LeakWordOne LeakWordTwo\r\n', ['LeakWordOne', 'LeakWordTwo']),
  imapLogin('login-bad-quoted-escape', 'a quoted password with a bad escape', 'a1 LOGIN alice "LeakEsc\\qape"\r\n', ['LeakEsc']),
  imapLogin('login-no-user-clear', 'a login whose first argument is not a word', 'a1 LOGIN ) LeakNoUserPw\r\n', ['LeakNoUserPw']),
  {
    name: 'authenticate-literal', what: 'AUTHENTICATE PLAIN with its initial response as a literal', port: 143,
    turns: [['s', IMAP_GREETING], ['c', `a1 AUTHENTICATE PLAIN {${b64(PLAIN_BLOB).length}}\r\n`], ['s', '+ go ahead\r\n'], ['c', `${b64(PLAIN_BLOB)}\r\n`], ['s', 'a1 OK done\r\n'], ['c', 'a2 LOGOUT\r\n'], ['s', '* BYE\r\na2 OK bye\r\n']],
    secrets: ['LeakSaslPw1', b64(PLAIN_BLOB)],
  },
  {
    name: 'uid-authenticate', what: 'AUTHENTICATE behind UID', port: 143,
    turns: [['s', IMAP_GREETING], ['c', `a1 UID AUTHENTICATE PLAIN ${b64('\0alice\0LeakUidSaslPw')}\r\n`], ['s', 'a1 BAD unknown UID command\r\n'], ['c', 'a2 LOGOUT\r\n'], ['s', '* BYE\r\na2 OK bye\r\n']],
    secrets: ['LeakUidSaslPw', b64('\0alice\0LeakUidSaslPw')],
  },
  {
    name: 'authenticate-parentheses', what: 'AUTHENTICATE with a parenthesised response', port: 143,
    turns: [['s', IMAP_GREETING], ['c', `a1 AUTHENTICATE PLAIN (${b64('\0alice\0LeakAuthParenPw')})\r\n`], ['s', 'a1 BAD syntax\r\n']],
    secrets: ['LeakAuthParenPw', b64('\0alice\0LeakAuthParenPw')],
  },
  {
    name: 'imap-cleartext-after-starttls', what: 'a cleartext LOGIN after the STARTTLS OK (no TLS started)', port: 143,
    turns: [['s', IMAP_GREETING], ['c', 'a1 STARTTLS\r\n'], ['s', 'a1 OK Begin TLS negotiation now\r\n'], ['c', 'a2 LOGIN alice LeakAfterStarttls\r\n'], ['s', 'a2 OK LOGIN completed\r\n'], ['c', 'a3 LOGOUT\r\n'], ['s', '* BYE\r\na3 OK bye\r\n']],
    secrets: ['LeakAfterStarttls'],
    cleartextAfterTls: { user: 'alice', method: 'LOGIN' },
  },
  {
    name: 'pop3-pass-nul', what: 'a POP3 password holding NUL', port: 110,
    turns: [['s', POP3_GREETING], ['c', 'USER alice\r\n'], ['s', '+OK\r\n'], ['c', 'PASS LeakPopPre\0LeakPopPost\r\n'], ['s', '-ERR denied\r\n'], ['c', 'QUIT\r\n'], ['s', '+OK bye\r\n']],
    secrets: ['LeakPopPre', 'LeakPopPost'],
  },
  {
    name: 'pop3-apop-odd', what: 'APOP with a NUL in the user name', port: 110,
    turns: [['s', '+OK POP3 ready <1.2@host>\r\n'], ['c', 'APOP al\0ice 0123456789abcdef0123456789abcdef\r\n'], ['s', '-ERR denied\r\n']],
    secrets: ['0123456789abcdef0123456789abcdef'],
  },
  {
    name: 'pop3-auth-control', what: 'AUTH PLAIN with a control character before its response', port: 110,
    turns: [['s', POP3_GREETING], ['c', `AUTH PLAIN\x01${b64('\0alice\0LeakPopSaslPw')}\r\n`], ['s', '-ERR syntax\r\n']],
    secrets: ['LeakPopSaslPw', b64('\0alice\0LeakPopSaslPw')],
  },
  {
    name: 'pop3-cleartext-after-stls', what: 'a cleartext USER/PASS after the STLS OK (no TLS started)', port: 110,
    turns: [['s', POP3_GREETING], ['c', 'STLS\r\n'], ['s', '+OK Begin TLS\r\n'], ['c', 'USER alice\r\n'], ['s', '+OK\r\n'], ['c', 'PASS LeakAfterStls\r\n'], ['s', '+OK logged in\r\n'], ['c', 'QUIT\r\n'], ['s', '+OK bye\r\n']],
    secrets: ['LeakAfterStls'],
    cleartextAfterTls: { user: 'alice', method: 'USER/PASS' },
  },
];

/** The capture of one case: a whole TCP connection (handshake, the turns, FIN). */
export function sessionCapture(session) {
  const c = new TcpConnection({ dport: session.port });
  const frames = [...c.handshake()];
  for (const [side, text] of session.turns) frames.push(...c.send(side, enc(text)));
  frames.push(...c.close());
  return pcapOf(frames);
}

/** Every form a secret could be written in: as is, base64, and hex (lower and upper case). */
export function secretForms(secret) {
  const bytes = Buffer.from(secret, 'latin1');
  const hex = bytes.toString('hex');
  return [secret, bytes.toString('base64').replace(/=+$/, ''), hex, hex.toUpperCase()];
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node scripts/hostile-sessions.mjs DIR\n');
    process.exit(2);
  }
  mkdirSync(dir, { recursive: true });
  for (const s of HOSTILE_SESSIONS) writeFileSync(join(dir, `${s.name}.pcap`), sessionCapture(s));
  process.stdout.write(`${HOSTILE_SESSIONS.length} captures written to ${dir}\n`);
}
