#!/usr/bin/env node
// Regenerates the founding-case sample captures in captures/*.pcap (see captures/README.md).
//
// Each sample runs real Node client and server sockets on loopback addresses (127.0.0.x, all routed
// through `lo` on Linux) while `tcpdump -i lo` records them. The servers are small `net` servers
// that answer as the real products did (the reply texts the founding stories quote); the clients
// send exactly what the real clients sent. Both sides wait for each other's complete line before
// speaking, so every run produces the same dialogue bytes: only timestamps, client ports, sequence
// numbers and TCP options differ.
//
// Usage (root, or CAP_NET_RAW for tcpdump; needs `npm run build` for --check):
//   node scripts/make-captures.mjs                 write captures/<sample>.pcap
//   node scripts/make-captures.mjs --out DIR       write them to DIR instead
//   node scripts/make-captures.mjs --only NAME     only the sample NAME (repeatable)
//   node scripts/make-captures.mjs --check         record afresh in a temporary directory and compare
//                                                  the dialogues with the committed captures (exit 1
//                                                  and a diff when they differ)
//   node scripts/make-captures.mjs --list          list the samples
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { converse, imapContinuation, imapStep, pop3Step, rawStep, smtpStep } from './lab/socket-client.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Bytes a fake server buffers for one command line before giving up on the connection. */
const MAX_COMMAND_LINE_BYTES = 8192;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// A minimal IMAP server that answers like a given product (profile).
// ---------------------------------------------------------------------------------------------

/**
 * Splits the arguments of an IMAP command into atoms and quoted strings (RFC 3501 §9 `astring`).
 * Returns {error} at the first character an atom may not hold, as Exchange's parser does: it
 * expects a SPACE after the atom and reports `Expected SPACE not found`.
 */
function splitArgs(s) {
  const out = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ' ') {
      i++;
      continue;
    }
    if (s[i] === '"') {
      let v = '';
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\') i++;
        v += s[i++];
      }
      i++;
      out.push(v);
      continue;
    }
    let v = '';
    while (i < s.length && s[i] !== ' ') {
      if ('(){%"\\]'.includes(s[i])) return { error: 'Expected SPACE not found' };
      v += s[i++];
    }
    out.push(v);
  }
  return { args: out };
}

/** One IMAP command line as {tag, name, rest}. */
function splitCommand(line) {
  const sp = line.indexOf(' ');
  const tag = sp < 0 ? line : line.slice(0, sp);
  const afterTag = sp < 0 ? '' : line.slice(sp + 1);
  const sp2 = afterTag.indexOf(' ');
  const name = (sp2 < 0 ? afterTag : afterTag.slice(0, sp2)).toUpperCase();
  const rest = sp2 < 0 ? '' : afterTag.slice(sp2 + 1);
  return { tag, name, rest };
}

/**
 * The answer of an Exchange-like IMAP server to one command: {reply, close}. `session` holds the
 * connection state ('not-authenticated' | 'authenticated' | 'selected').
 */
function imapAnswer(p, session, line) {
  const { tag, name, rest } = splitCommand(line);
  const parsed = splitArgs(rest);
  // Exchange parses the whole line before it looks the command up: an unquoted backslash in the
  // arguments is a syntax error whatever the command.
  if (parsed.error && name !== 'LIST' && name !== 'FETCH' && name !== 'UID') {
    return { reply: `${tag} BAD ${p.syntaxError}\r\n` };
  }
  const args = parsed.args ?? [];
  switch (name) {
    case 'CAPABILITY':
      return { reply: `* CAPABILITY ${p.capability}\r\n${tag} OK ${p.ok.CAPABILITY}\r\n` };
    case 'NOOP':
      return { reply: `${tag} OK ${p.ok.NOOP}\r\n` };
    case 'LOGOUT':
      return { reply: `* BYE ${p.bye}\r\n${tag} OK ${p.ok.LOGOUT}\r\n`, close: true };
    case 'LOGIN': {
      if (session.state !== 'not-authenticated') return { reply: `${tag} BAD ${p.invalidState}\r\n` };
      const verdict = p.login(args[0], args[1]);
      if (verdict === 'OK') session.state = 'authenticated';
      return { reply: `${tag} ${verdict === 'OK' ? `OK ${p.ok.LOGIN}` : verdict}\r\n` };
    }
    case 'SELECT':
    case 'EXAMINE':
    case 'LIST':
    case 'FETCH': {
      if (session.state === 'not-authenticated') return { reply: `${tag} BAD ${p.invalidState}\r\n` };
      if (name === 'LIST') return { reply: `${p.list.join('\r\n')}\r\n${tag} OK ${p.ok.LIST}\r\n` };
      if (name === 'FETCH') {
        if (session.state !== 'selected') return { reply: `${tag} BAD ${p.invalidState}\r\n` };
        return { reply: `${fetchBody(p, rest)}${tag} OK ${p.ok.FETCH}\r\n` };
      }
      session.state = 'selected';
      return { reply: `${p.select.join('\r\n')}\r\n${tag} OK [READ-WRITE] ${p.ok.SELECT}\r\n` };
    }
    default:
      return { reply: `${tag} BAD ${p.unknownCommand}\r\n` };
  }
}

/** `* n FETCH (BODY[] {size}\r\n<message>)\r\n` for `FETCH n BODY[]`. */
function fetchBody(p, rest) {
  const n = Number.parseInt(rest, 10);
  const msg = p.messages[n - 1] ?? '';
  return `* ${n} FETCH (BODY[] {${Buffer.byteLength(msg, 'latin1')}}\r\n${msg})\r\n`;
}

/** Starts a line-based server on host:port; `answer(session, line)` returns {reply, close}. */
function startServer(host, port, greeting, answer) {
  const server = net.createServer((sock) => {
    sock.setNoDelay(true);
    const session = { state: 'not-authenticated' };
    let acc = '';
    sock.write(greeting);
    sock.on('data', (d) => {
      acc += d.toString('latin1');
      if (acc.length > MAX_COMMAND_LINE_BYTES) sock.destroy();
      let eol;
      while ((eol = acc.indexOf('\r\n')) >= 0) {
        const line = acc.slice(0, eol);
        acc = acc.slice(eol + 2);
        const { reply, close } = answer(session, line);
        if (reply) sock.write(reply, 'latin1');
        if (close) sock.end();
      }
    });
    sock.on('error', () => {});
  });
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(port, host, () => res(server));
  });
}

const stopServer = (server) => new Promise((r) => server.close(() => r()));

function imapServer(host, p) {
  return startServer(host, 143, `${p.greeting}\r\n`, (session, line) => imapAnswer(p, session, line));
}

// ---------------------------------------------------------------------------------------------
// The products.
// ---------------------------------------------------------------------------------------------

const EXCHANGE_OK = {
  CAPABILITY: 'CAPABILITY completed.',
  NOOP: 'NOOP completed.',
  LOGOUT: 'LOGOUT completed.',
  LOGIN: 'LOGIN completed.',
  LIST: 'LIST completed.',
  SELECT: 'SELECT completed.',
  FETCH: 'FETCH completed.',
};

const PASSWORD = 'Secret123';

/** Exchange 2003 (6.5.7638.1): LOGIN allowed in cleartext although only AUTH=NTLM is listed. */
const EXCHANGE_2003 = {
  greeting: '* OK Microsoft Exchange Server 2003 IMAP4rev1 server version 6.5.7638.1 (mail.example.com) ready.',
  capability: 'IMAP4 IMAP4rev1 IDLE LOGIN-REFERRALS MAILBOX-REFERRALS NAMESPACE LITERAL+ UIDPLUS CHILDREN AUTH=NTLM',
  ok: EXCHANGE_OK,
  bye: 'Microsoft Exchange Server 2003 IMAP4rev1 server version 6.5.7638.1 signing off.',
  syntaxError: 'Protocol Error: "Expected SPACE not found".',
  unknownCommand: 'Protocol Error: "Unidentifiable command specified".',
  invalidState: 'Command received in Invalid state.',
  login: (user, pass) => (user === 'DOMAIN\\alice' && pass === PASSWORD ? 'OK' : 'NO Logon failure: unknown user name or bad password.'),
  list: [],
  select: [
    '* 3 EXISTS',
    '* 0 RECENT',
    '* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)',
    '* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)] Permanent flags',
    '* OK [UNSEEN 3] Is the first unseen message',
    '* OK [UIDVALIDITY 4127] UIDVALIDITY value',
  ],
  messages: [],
};

/** Exchange 2007 on 143 with the default LoginType SecureLogin: LOGINDISABLED until STARTTLS. */
const EXCHANGE_2007_SECURE = {
  greeting: '* OK Microsoft Exchange Server 2007 IMAP4 service ready',
  capability: 'IMAP4 IMAP4rev1 AUTH=NTLM AUTH=GSSAPI LOGINDISABLED STARTTLS IDLE NAMESPACE LITERAL+',
  ok: EXCHANGE_OK,
  bye: 'Microsoft Exchange Server 2007 IMAP4 server signing off.',
  syntaxError: 'Command Argument Error. 11',
  unknownCommand: 'Command Error. 10',
  invalidState: 'Command received in Invalid state.',
  login: () => 'NO LOGIN failed.',
  list: [],
  select: [
    '* 2 EXISTS',
    '* 0 RECENT',
    '* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)',
    '* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)] Permanent flags',
    '* OK [UIDVALIDITY 14] UIDVALIDITY value',
    '* OK [UIDNEXT 42] The next unique identifier value',
  ],
  messages: [],
};

/** The same server after `Set-ImapSettings -LoginType PlainTextLogin` and a restart of IMAP4. */
const EXCHANGE_2007_PLAINTEXT = {
  ...EXCHANGE_2007_SECURE,
  capability: 'IMAP4 IMAP4rev1 AUTH=NTLM AUTH=GSSAPI AUTH=PLAIN STARTTLS IDLE NAMESPACE LITERAL+',
  login: (user, pass) => (user === 'alice@example.com' && pass === PASSWORD ? 'OK' : 'NO LOGIN failed.'),
};

const EXCHANGE_55_MESSAGE = [
  'From: Bob Example <bob@example.com>',
  'To: Alice Example <alice@example.com>',
  'Subject: Lunch on Friday?',
  'Date: Mon, 15 Mar 1999 10:21:07 -0500',
  'Message-ID: <19990315152107.AA01234@example.com>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset="us-ascii"',
  '',
  'Alice,',
  '',
  'are we still on for lunch on Friday? The usual place at noon.',
  '',
  'Bob',
  '',
].join('\r\n');

/** Exchange 5.5 (5.5.2653.23): replies without the trailing full stops of later versions. */
const EXCHANGE_55 = {
  greeting: '* OK Microsoft Exchange IMAP4rev1 server version 5.5.2653.23 (mail.example.com) ready',
  capability: 'IMAP4 IMAP4rev1 IDLE LITERAL+ AUTH=NTLM',
  ok: {
    CAPABILITY: 'CAPABILITY completed',
    NOOP: 'NOOP completed',
    LOGOUT: 'LOGOUT completed',
    LOGIN: 'LOGIN completed',
    LIST: 'LIST completed',
    SELECT: 'SELECT completed',
    FETCH: 'FETCH completed',
  },
  bye: 'Microsoft Exchange IMAP4rev1 server version 5.5.2653.23 signing off',
  syntaxError: 'Protocol Error: "Expected SPACE not found"',
  unknownCommand: 'Protocol Error: "Unidentifiable command specified"',
  invalidState: 'Command received in Invalid state',
  login: (user, pass) => (user === 'alice' && pass === PASSWORD ? 'OK' : 'NO Logon failure: unknown user name or bad password'),
  list: ['* LIST (\\Noinferiors) "/" INBOX', '* LIST () "/" "Deleted Items"', '* LIST () "/" Drafts', '* LIST () "/" "Sent Items"'],
  select: [
    '* 1 EXISTS',
    '* 1 RECENT',
    '* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)',
    '* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)] Permanent flags',
    '* OK [UNSEEN 1] Is the first unseen message',
    '* OK [UIDVALIDITY 18] UIDVALIDITY value',
  ],
  messages: [EXCHANGE_55_MESSAGE],
};

/** Exchange 2013 client access (front end) with PlainTextLogin whose proxy to the back end fails. */
const EXCHANGE_2013_FRONT_END = {
  ...EXCHANGE_2007_PLAINTEXT,
  greeting: '* OK The Microsoft Exchange IMAP4 service is ready.',
  capability: 'IMAP4 IMAP4rev1 AUTH=NTLM AUTH=GSSAPI AUTH=PLAIN STARTTLS UIDPLUS MOVE ID CHILDREN IDLE NAMESPACE LITERAL+',
  bye: 'Microsoft Exchange Server IMAP4 server signing off.',
  login: () => 'NO [Error=ProxyNotAuthenticated Proxy=EXMBX01.example.com:1993:SSL] LOGIN failed.',
};

// ---------------------------------------------------------------------------------------------
// A Dovecot-like server for the clean samples: CRAM-MD5 (no reusable secret on the wire), a fixed
// challenge so that every run has the same bytes.
// ---------------------------------------------------------------------------------------------

const CRAM_CHALLENGE = '<1742563211.4242@mail.example.org>';
const CRAM_USER = 'alice';
const cramResponse = (user, password, challenge) =>
  Buffer.from(`${user} ${createHmac('md5', password).update(challenge).digest('hex')}`).toString('base64');
const cramOk = (line) => line === cramResponse(CRAM_USER, PASSWORD, CRAM_CHALLENGE);

const CLEAN_MESSAGES = [
  [
    'Return-Path: <bob@example.org>',
    'From: Bob <bob@example.org>',
    'To: Alice <alice@example.org>',
    'Subject: Meeting notes',
    'Date: Fri, 21 Mar 2025 09:14:02 +0000',
    'Message-ID: <notes-1@example.org>',
    '',
    'Notes from this morning are on the wiki.',
    '',
  ].join('\r\n'),
  [
    'Return-Path: <carol@example.org>',
    'From: Carol <carol@example.org>',
    'To: Alice <alice@example.org>',
    'Subject: Signature test',
    'Date: Fri, 21 Mar 2025 11:40:55 +0000',
    'Message-ID: <sig-2@example.org>',
    '',
    'The next line starts with a full stop, as signatures sometimes do:',
    '.sig -- Carol',
    'and this one is just one:',
    '.',
    'The end.',
    '',
  ].join('\r\n'),
];

const DOVECOT_CAPS = 'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=CRAM-MD5';
const DOVECOT_CAPS_AUTHED =
  'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE';

/** A Dovecot-like IMAP server: AUTHENTICATE CRAM-MD5, SELECT, FETCH, LOGOUT. */
function dovecotImapAnswer(session, line) {
  if (session.sasl) {
    const tag = session.sasl;
    session.sasl = undefined;
    if (!cramOk(line)) return { reply: `${tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n` };
    session.state = 'authenticated';
    return { reply: `${tag} OK [CAPABILITY ${DOVECOT_CAPS_AUTHED}] Logged in\r\n` };
  }
  const { tag, name, rest } = splitCommand(line);
  switch (name) {
    case 'AUTHENTICATE':
      session.sasl = tag;
      return { reply: `+ ${Buffer.from(CRAM_CHALLENGE).toString('base64')}\r\n` };
    case 'SELECT':
      session.state = 'selected';
      return {
        reply:
          '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n' +
          '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n' +
          `* ${CLEAN_MESSAGES.length} EXISTS\r\n* 0 RECENT\r\n` +
          '* OK [UIDVALIDITY 1742563000] UIDs valid\r\n* OK [UIDNEXT 3] Predicted next UID\r\n' +
          `${tag} OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n`,
      };
    case 'UID': {
      // `UID FETCH 1:* (UID RFC822.SIZE FLAGS)` or `UID FETCH n BODY.PEEK[]`
      if (/BODY\.PEEK\[\]/i.test(rest)) {
        const uid = Number.parseInt(rest.split(' ')[1], 10);
        const m = CLEAN_MESSAGES[uid - 1];
        return { reply: `* ${uid} FETCH (UID ${uid} BODY[] {${m.length}}\r\n${m})\r\n${tag} OK Fetch completed (0.001 + 0.000 secs).\r\n` };
      }
      const lines = CLEAN_MESSAGES.map((m, i) => `* ${i + 1} FETCH (UID ${i + 1} RFC822.SIZE ${m.length} FLAGS (${i === 0 ? '\\Seen' : ''}))\r\n`);
      return { reply: `${lines.join('')}${tag} OK Fetch completed (0.001 + 0.000 secs).\r\n` };
    }
    case 'LOGOUT':
      return { reply: `* BYE Logging out\r\n${tag} OK Logout completed (0.001 + 0.000 secs).\r\n`, close: true };
    default:
      return { reply: `${tag} BAD Error in IMAP command ${name}: Unknown command.\r\n` };
  }
}

/** RFC 1939 §3: a line that starts with "." gets another "." in front on the wire. */
const dotStuff = (msg) => msg.split('\r\n').map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n');

/** A Dovecot-like POP3 server: CAPA, AUTH CRAM-MD5, STAT, LIST, UIDL, RETR, QUIT. */
function dovecotPop3Answer(session, line) {
  if (session.sasl) {
    session.sasl = false;
    if (!cramOk(line)) return { reply: '-ERR [AUTH] Authentication failed.\r\n' };
    session.state = 'transaction';
    return { reply: '+OK Logged in.\r\n' };
  }
  const [cmd, arg] = line.split(' ');
  const total = CLEAN_MESSAGES.reduce((n, m) => n + m.length, 0);
  switch (cmd.toUpperCase()) {
    case 'CAPA':
      return { reply: '+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSASL CRAM-MD5\r\n.\r\n' };
    case 'AUTH':
      session.sasl = true;
      return { reply: `+ ${Buffer.from(CRAM_CHALLENGE).toString('base64')}\r\n` };
    case 'STAT':
      return { reply: `+OK ${CLEAN_MESSAGES.length} ${total}\r\n` };
    case 'LIST':
      return { reply: `+OK ${CLEAN_MESSAGES.length} messages:\r\n${CLEAN_MESSAGES.map((m, i) => `${i + 1} ${m.length}\r\n`).join('')}.\r\n` };
    case 'UIDL':
      return { reply: `+OK\r\n${CLEAN_MESSAGES.map((_, i) => `${i + 1} 0000000${i + 1}67dd2f98\r\n`).join('')}.\r\n` };
    case 'RETR': {
      const m = CLEAN_MESSAGES[Number.parseInt(arg, 10) - 1];
      return { reply: `+OK ${m.length} octets\r\n${dotStuff(m)}.\r\n` };
    }
    case 'QUIT':
      return { reply: '+OK Logging out.\r\n', close: true };
    default:
      return { reply: '-ERR Unknown command.\r\n' };
  }
}

// ---------------------------------------------------------------------------------------------
// A minimal SMTP server that answers like a given product (profile): EHLO with its extensions,
// AUTH PLAIN/LOGIN against one password, MAIL/RCPT (relaying outside its domain only when
// authenticated), DATA up to the ".", RSET, NOOP, QUIT. The profile's `auth` says how it refuses.
// ---------------------------------------------------------------------------------------------

const b64 = (s) => Buffer.from(s, 'latin1').toString('base64');
const unb64 = (s) => Buffer.from(s, 'base64').toString('latin1');

function smtpAnswer(p, session, line) {
  if (session.data) {
    if (line === '.') {
      session.data = false;
      return { reply: `250 2.0.0 Ok: queued as ${p.queueId}\r\n` };
    }
    return {};
  }
  if (session.sasl) return smtpSasl(p, session, line);
  const [verb, ...rest] = line.split(' ');
  const args = rest.join(' ');
  switch ((verb ?? '').toUpperCase()) {
    case 'EHLO':
      return { reply: [p.host, ...p.extensions].map((e, i, a) => `250${i === a.length - 1 ? ' ' : '-'}${e}\r\n`).join('') };
    case 'AUTH': {
      if (p.authBeforeTls) return { reply: `${p.authBeforeTls}\r\n` };
      const [mech, ir] = args.split(' ');
      session.sasl = { mech: (mech ?? '').toUpperCase(), got: [] };
      if (ir !== undefined) return smtpSasl(p, session, ir);
      return { reply: session.sasl.mech === 'LOGIN' ? `334 ${b64('Username:')}\r\n` : '334 \r\n' };
    }
    case 'MAIL':
      return { reply: '250 2.1.0 Ok\r\n' };
    case 'RCPT': {
      const local = new RegExp(`@${p.domain.replace('.', '\\.')}>`, 'i').test(args);
      return { reply: local || session.authed ? '250 2.1.5 Ok\r\n' : `554 5.7.1 ${args.slice(3)}: Relay access denied\r\n` };
    }
    case 'DATA':
      session.data = true;
      return { reply: '354 End data with <CR><LF>.<CR><LF>\r\n' };
    case 'RSET':
    case 'NOOP':
      return { reply: '250 2.0.0 Ok\r\n' };
    case 'QUIT':
      return { reply: '221 2.0.0 Bye\r\n', close: true };
    default:
      return { reply: '502 5.5.2 Error: command not recognized\r\n' };
  }
}

function smtpSasl(p, session, line) {
  const s = session.sasl;
  s.got.push(line);
  if (s.mech === 'LOGIN' && s.got.length === 1) return { reply: `334 ${b64('Password:')}\r\n` };
  const [user, pass] = s.mech === 'PLAIN' ? unb64(s.got[0]).split('\0').slice(1) : [unb64(s.got[0]), unb64(s.got[1] ?? '')];
  session.sasl = undefined;
  if (user === p.user && pass === PASSWORD) {
    session.authed = true;
    return { reply: '235 2.7.0 Authentication successful\r\n' };
  }
  return { reply: `${p.authFailed}\r\n` };
}

function smtpServer(host, p) {
  return startServer(host, p.port, `220 ${p.greeting}\r\n`, (session, line) => smtpAnswer(p, session, line));
}

const POSTFIX_SUBMISSION = {
  port: 587,
  greeting: 'mail.example.org ESMTP Postfix (Debian/GNU)',
  host: 'mail.example.org',
  domain: 'example.org',
  user: 'alice@example.org',
  queueId: '4XYZ1B2C3D',
  extensions: ['PIPELINING', 'SIZE 10240000', 'ETRN', 'AUTH PLAIN LOGIN', 'ENHANCEDSTATUSCODES', '8BITMIME', 'DSN', 'SMTPUTF8', 'CHUNKING'],
  authFailed: '535 5.7.8 Error: authentication failed: authentication failure',
};
const POSTFIX_MX = { ...POSTFIX_SUBMISSION, port: 25, extensions: ['PIPELINING', 'SIZE 10240000', 'ETRN', 'STARTTLS', 'ENHANCEDSTATUSCODES', '8BITMIME', 'DSN', 'SMTPUTF8', 'CHUNKING'] };
const GMAIL_SUBMISSION = {
  port: 587,
  greeting: 'smtp.gmail.com ESMTP a640c23a62f3a-a9a5a8c5e2bsm123456966b.42 - gsmtp',
  host: 'smtp.gmail.com at your service, [127.0.23.31]',
  domain: 'gmail.com',
  user: 'alice@gmail.com',
  queueId: 'x',
  extensions: ['SIZE 35882577', '8BITMIME', 'STARTTLS', 'ENHANCEDSTATUSCODES', 'PIPELINING', 'CHUNKING', 'SMTPUTF8'],
  authBeforeTls: '530 5.7.0 Must issue a STARTTLS command first. a640c23a62f3a-a9a5a8c5e2bsm123456966b.42 - gsmtp',
  authFailed: '535 5.7.8 x',
};
const SMTP_MESSAGE = 'From: Alice <alice@example.org>\r\nTo: Bob <bob@example.net>\r\nSubject: Quarterly figures\r\nDate: Mon, 07 Dec 2026 09:00:00 +0000\r\nMessage-ID: <q4@example.org>\r\n\r\nHi Bob,\r\n..as promised, the figures.\r\n';

// ---------------------------------------------------------------------------------------------
// The samples. Each has its own server address (so the filters cannot catch anything else) and
// its clients' own addresses (a phone and a desktop are different hosts).
// ---------------------------------------------------------------------------------------------

const SAMPLES = [
  {
    name: 'phone-vs-thunderbird',
    server: '127.0.0.10',
    summary: 'Exchange 2003: a phone sends `A128 AUTH DOMAIN\\alice ...` unquoted and without CAPABILITY (BAD), Thunderbird logs in fine',
    async run(host) {
      const server = await imapServer(host, EXCHANGE_2003);
      const phone = '127.0.0.21';
      const thunderbird = '127.0.0.22';
      const auth = (tag) => imapStep(`${tag} AUTH DOMAIN\\alice ${PASSWORD}`);
      await converse({ host, port: 143, from: phone, steps: [auth('A128'), auth('A129')], end: 'client' });
      await converse({
        host,
        port: 143,
        from: thunderbird,
        steps: [imapStep('1 capability'), imapStep(`2 login "DOMAIN\\\\alice" "${PASSWORD}"`), imapStep('3 select INBOX'), imapStep('4 logout')],
        end: 'server',
      });
      await converse({ host, port: 143, from: phone, steps: [auth('A128')], end: 'client' });
      await stopServer(server);
    },
  },
  {
    name: 'iphone-exchange2007-plaintext',
    server: '127.0.0.11',
    summary: 'Exchange 2007 on 143 advertises LOGINDISABLED; an iPhone tries LOGIN anyway (NO LOGIN failed.) until PlainTextLogin is set',
    async run(host) {
      const iphone = '127.0.0.31';
      const attempt = [imapStep('1 CAPABILITY'), imapStep(`2 LOGIN "alice@example.com" "${PASSWORD}"`), imapStep('3 LOGOUT')];
      let server = await imapServer(host, EXCHANGE_2007_SECURE);
      for (let i = 0; i < 3; i++) await converse({ host, port: 143, from: iphone, steps: attempt, end: 'server' });
      // The administrator runs `Set-ImapSettings -LoginType PlainTextLogin` and restarts IMAP4.
      await stopServer(server);
      server = await imapServer(host, EXCHANGE_2007_PLAINTEXT);
      await converse({
        host,
        port: 143,
        from: iphone,
        steps: [imapStep('1 CAPABILITY'), imapStep(`2 LOGIN "alice@example.com" "${PASSWORD}"`), imapStep('3 SELECT INBOX'), imapStep('4 LOGOUT')],
        end: 'server',
      });
      await stopServer(server);
    },
  },
  {
    name: 'exchange55-telnet',
    server: '127.0.0.12',
    summary: 'Exchange 5.5 driven by hand over telnet with the tag `?`: LOGIN, LIST, SELECT, FETCH 1 BODY[] (a literal), LOGOUT',
    async run(host) {
      const server = await imapServer(host, EXCHANGE_55);
      await converse({
        host,
        port: 143,
        from: '127.0.0.41',
        steps: [imapStep(`? LOGIN alice ${PASSWORD}`), imapStep('? LIST "" *'), imapStep('? SELECT INBOX'), imapStep('? FETCH 1 BODY[]'), imapStep('? LOGOUT')],
        end: 'server',
      });
      await stopServer(server);
    },
  },
  {
    name: 'exchange2013-proxynotauthenticated',
    server: '127.0.0.13',
    summary: 'Exchange 2013 front end with PlainTextLogin: LOGIN answered `NO [Error=ProxyNotAuthenticated Proxy=...] LOGIN failed.`',
    async run(host) {
      const server = await imapServer(host, EXCHANGE_2013_FRONT_END);
      await converse({
        host,
        port: 143,
        from: '127.0.0.51',
        steps: [imapStep(`a1 LOGIN alice@example.com ${PASSWORD}`), imapStep('a2 LOGOUT')],
        end: 'server',
      });
      await stopServer(server);
    },
  },
  {
    name: 'clean-imap',
    server: '127.0.0.14',
    summary: 'A well-behaved IMAP session (Dovecot-like): capabilities in the greeting, AUTHENTICATE CRAM-MD5, SELECT, FETCH, LOGOUT',
    async run(host) {
      const server = await startServer(host, 143, `* OK [CAPABILITY ${DOVECOT_CAPS}] Dovecot (Debian) ready.\r\n`, dovecotImapAnswer);
      await converse({
        host,
        port: 143,
        from: '127.0.0.61',
        steps: [
          rawStep('a1 AUTHENTICATE CRAM-MD5'),
          imapContinuation(cramResponse(CRAM_USER, PASSWORD, CRAM_CHALLENGE), 'a1'),
          imapStep('a2 SELECT INBOX'),
          imapStep('a3 UID FETCH 1:* (UID RFC822.SIZE FLAGS)'),
          imapStep('a4 UID FETCH 2 BODY.PEEK[]'),
          imapStep('a5 LOGOUT'),
        ],
        end: 'server',
      });
      await stopServer(server);
    },
  },
  {
    name: 'clean-pop3',
    server: '127.0.0.15',
    summary: 'A well-behaved POP3 session (Dovecot-like): CAPA, AUTH CRAM-MD5, STAT, LIST, UIDL, RETR of a dot-stuffed message, QUIT',
    async run(host) {
      const server = await startServer(host, 110, '+OK Dovecot (Debian) ready.\r\n', dovecotPop3Answer);
      await converse({
        host,
        port: 110,
        from: '127.0.0.62',
        steps: [
          pop3Step('CAPA', true),
          rawStep('AUTH CRAM-MD5'),
          rawStep(cramResponse(CRAM_USER, PASSWORD, CRAM_CHALLENGE)),
          pop3Step('STAT'),
          pop3Step('LIST', true),
          pop3Step('UIDL', true),
          pop3Step('RETR 2', true),
          pop3Step('QUIT'),
        ],
        end: 'server',
      });
      await stopServer(server);
    },
  },
  {
    name: 'smtp-wrong-password-vs-working',
    server: '127.0.23.20',
    port: 587,
    summary: 'Postfix submission (587): a phone retries AUTH PLAIN with a stale password (535 5.7.8) three times; Thunderbird logs in with AUTH LOGIN and sends',
    async run(host) {
      const server = await smtpServer(host, POSTFIX_SUBMISSION);
      const phone = '127.0.23.21';
      for (let i = 0; i < 3; i++) {
        await converse({ host, port: 587, from: phone, steps: [smtpStep('EHLO [192.168.1.23]'), smtpStep(`AUTH PLAIN ${b64('\0alice@example.org\0OldSecret1')}`), smtpStep('QUIT')], end: 'server' });
      }
      await converse({
        host,
        port: 587,
        from: '127.0.23.22',
        steps: [
          smtpStep('EHLO [192.168.1.40]'),
          smtpStep('AUTH LOGIN'),
          smtpStep(b64('alice@example.org')),
          smtpStep(b64(PASSWORD)),
          smtpStep('MAIL FROM:<alice@example.org> SIZE=204\r\nRCPT TO:<bob@example.net>\r\nDATA', 3),
          smtpStep(`${SMTP_MESSAGE}.`),
          smtpStep('QUIT'),
        ],
        end: 'server',
      });
      await stopServer(server);
    },
  },
  {
    name: 'smtp-relay-denied-port25',
    server: '127.0.23.23',
    port: 25,
    summary: 'A client set up for port 25 without authentication: Postfix refuses the outside recipient (554 5.7.1 Relay access denied)',
    async run(host) {
      const server = await smtpServer(host, POSTFIX_MX);
      await converse({
        host,
        port: 25,
        from: '127.0.23.24',
        steps: [smtpStep('EHLO laptop.home'), smtpStep('MAIL FROM:<alice@example.org>'), smtpStep('RCPT TO:<bob@example.net>'), smtpStep('QUIT')],
        end: 'server',
      });
      await stopServer(server);
    },
  },
  {
    name: 'smtp-gmail-auth-before-starttls',
    server: '127.0.23.30',
    port: 587,
    summary: 'A client set to "no encryption" on smtp.gmail.com:587 sends AUTH before STARTTLS: 530 5.7.0 Must issue a STARTTLS command first',
    async run(host) {
      const server = await smtpServer(host, GMAIL_SUBMISSION);
      await converse({
        host,
        port: 587,
        from: '127.0.23.31',
        steps: [smtpStep('EHLO printer'), smtpStep(`AUTH PLAIN ${b64('\0alice@gmail.com\0app-password')}`), smtpStep('QUIT')],
        end: 'server',
      });
      await stopServer(server);
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Recording with tcpdump.
// ---------------------------------------------------------------------------------------------

/** Starts tcpdump on lo for `filter`, resolves once it is listening. */
function startTcpdump(file, filter) {
  return new Promise((res, rej) => {
    const child = spawn('tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '-s', '0', '-n', '-w', file, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d.toString();
      if (err.includes('listening on')) res(child);
    });
    child.on('error', rej);
    child.on('exit', (code) => rej(new Error(`tcpdump exited (${code}): ${err.trim()}`)));
  });
}

async function stopTcpdump(child) {
  // Let the last ACKs and FINs reach the kernel's capture buffer before stopping.
  await sleep(300);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  await exited;
}

/** Records one sample into `file`. */
async function record(sample, file) {
  const port = sample.port ?? (sample.name.includes('pop3') ? 110 : 143);
  const tcpdump = await startTcpdump(file, `tcp and host ${sample.server} and port ${port}`);
  try {
    await sample.run(sample.server);
  } finally {
    await stopTcpdump(tcpdump);
  }
}

// ---------------------------------------------------------------------------------------------
// --check: the dialogue of a capture, independent of timestamps, client ports and TCP details.
// ---------------------------------------------------------------------------------------------

/**
 * Reads a capture with mailwire's own capture and decode layers (dist/, so `npm run build` first)
 * and returns one text block per connection, in the order of their SYNs: the addresses and server
 * port, then the bytes each side sent (consecutive segments of one side joined; retransmissions
 * dropped) and who sent FIN or RST.
 */
async function dialogue(file) {
  const { readCapture } = await import(pathToFileURL(join(REPO, 'dist/capture/read-capture.js')).href);
  const { decodeFrame } = await import(pathToFileURL(join(REPO, 'dist/decode/decode-frame.js')).href);
  const { newDecoded } = await import(pathToFileURL(join(REPO, 'dist/decode/decoded.js')).href);
  const d = newDecoded();
  const conns = new Map();
  const order = [];
  const addr = (off) => Array.from(d.buf.subarray(off, off + d.addrLength)).join('.');
  await readCapture(file, {
    frame(f) {
      decodeFrame(f, d);
      if (d.kind !== 'tcp') return;
      const src = `${addr(d.srcAddrOffset)}:${d.srcPort}`;
      const dst = `${addr(d.dstAddrOffset)}:${d.dstPort}`;
      let c = conns.get(`${src}>${dst}`) ?? conns.get(`${dst}>${src}`);
      if (!c) {
        // The SYN's sender is the client; only its address (not its port) goes into the text.
        c = { client: src, lines: [`${addr(d.srcAddrOffset)} -> ${dst}`], next: {}, last: '' };
        conns.set(`${src}>${dst}`, c);
        order.push(c);
      }
      const dir = src === c.client ? 'C' : 'S';
      const syn = (d.flags & 0x02) !== 0;
      const seq0 = (d.seq + (syn ? 1 : 0)) >>> 0;
      if (syn) c.next[dir] = seq0;
      const next = c.next[dir] ?? seq0;
      const skip = (next - seq0) >>> 0;
      if (d.payloadLength > 0 && skip < d.payloadLength) {
        const bytes = Buffer.from(d.buf.subarray(d.payloadOffset + skip, d.payloadOffset + d.payloadLength));
        if (c.last === dir) c.lines[c.lines.length - 1] += bytes.toString('latin1');
        else c.lines.push(`${dir}: ${bytes.toString('latin1')}`);
        c.last = dir;
        c.next[dir] = (seq0 + d.payloadLength) >>> 0;
      }
      if (d.flags & 0x01 && !c[`fin${dir}`]) {
        c[`fin${dir}`] = true;
        c.lines.push(`${dir} FIN`);
        c.last = '';
      }
      if (d.flags & 0x04) {
        c.lines.push(`${dir} RST`);
        c.last = '';
      }
    },
  });
  return order.map((c) => c.lines.map((l) => JSON.stringify(l).slice(1, -1)).join('\n'));
}

/** Compares two captures' dialogues; returns a description of the first difference or ''. */
async function compare(committed, fresh) {
  const a = await dialogue(committed);
  const b = await dialogue(fresh);
  if (a.length !== b.length) return `${a.length} connections committed, ${b.length} recorded`;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const la = a[i].split('\n');
    const lb = b[i].split('\n');
    let j = 0;
    while (la[j] === lb[j]) j++;
    return `connection ${i + 1} (${la[0]}), line ${j}:\n  committed: ${la[j] ?? '(end)'}\n  recorded:  ${lb[j] ?? '(end)'}`;
  }
  return '';
}

// ---------------------------------------------------------------------------------------------

async function main(argv) {
  const opts = { check: false, out: join(REPO, 'captures'), only: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') opts.check = true;
    else if (a === '--out') opts.out = resolve(argv[++i]);
    else if (a === '--only') opts.only.push(argv[++i]);
    else if (a === '--list') {
      for (const s of SAMPLES) console.log(`${s.name}.pcap\t${s.summary}`);
      return 0;
    } else {
      console.error(`make-captures: unknown argument ${a}`);
      return 2;
    }
  }
  const chosen = SAMPLES.filter((s) => opts.only.length === 0 || opts.only.includes(s.name));
  if (chosen.length === 0) {
    console.error(`make-captures: no sample named ${opts.only.join(', ')}`);
    return 2;
  }
  const work = opts.check ? mkdtempSync(join(tmpdir(), 'mailwire-captures-')) : opts.out;
  mkdirSync(work, { recursive: true });
  let failures = 0;
  try {
    for (const s of chosen) {
      const file = join(work, `${s.name}.pcap`);
      await record(s, file);
      if (!opts.check) {
        console.log(`wrote ${file}`);
        continue;
      }
      const committed = join(opts.out, `${s.name}.pcap`);
      const diff = existsSync(committed) ? await compare(committed, file) : `${committed} does not exist`;
      if (diff) {
        failures++;
        console.log(`DIFFERS ${s.name}.pcap: ${diff}`);
      } else {
        console.log(`same    ${s.name}.pcap`);
      }
    }
  } finally {
    if (opts.check) rmSync(work, { recursive: true, force: true });
  }
  return failures ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
