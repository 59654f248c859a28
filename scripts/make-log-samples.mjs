#!/usr/bin/env node
// Writes captures/logs/: server log samples that `mailwire read` takes beside captures.
// No Exchange server is at hand, so the Exchange protocol logs are built from Microsoft's documented
// format ("Protocol logging for POP3 and IMAP4", Exchange 2013+: the #Fields header and its columns)
// and the lines of the founding story (the HealthMailbox LOGIN answered with
// Error=ProxyNotAuthenticated, Msg=Proxy:..., ErrMsg=ProxyNotAuthenticated); the other rows follow
// the same pattern. Usage: node scripts/make-log-samples.mjs [--check]  (--check: compare, exit 1 on a difference)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'captures', 'logs');
const FIELDS = '#Fields: dateTime,sessionId,seqNumber,sIp,cIp,user,duration,rqsize,rpsize,command,parameters,context';
const header = (type, date) => ['#Software: Microsoft Exchange Server', '#Version: 15.00.0847.032', `#Log-type: ${type}`, `#Date: ${date}`, FIELDS];

/** A CSV field: quoted (quotes doubled) when it holds a comma or a quote. */
const csv = (v) => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const row = (...f) => f.map((x) => csv(String(x))).join(',');

const imap = [
  ...header('IMAP4 Protocol Logs', '2026-03-02T09:15:00.000Z'),
  // The founding story: the front end accepts HealthMailbox's LOGIN and cannot authenticate to the back end on 1993.
  row('2026-03-02T09:15:00.101Z', '000000000000A1F3', 0, '10.0.0.10:993', '10.0.0.50:52123', '', '', '', '', '', '', 'Connected;SSL'),
  row('2026-03-02T09:15:00.180Z', '000000000000A1F3', 1, '10.0.0.10:993', '10.0.0.50:52123', '', 0, 12, 190, 'capability', '', 'R="y OK CAPABILITY completed."'),
  row('2026-03-02T09:15:00.420Z', '000000000000A1F3', 2, '10.0.0.10:993', '10.0.0.50:52123', 'HealthMailbox0a1b2c3d@DOMAIN.COM', 15, 64, 110, 'login', 'HealthMailbox0a1b2c3d@DOMAIN.COM *****',
    'R="z NO [Error=ProxyNotAuthenticated Proxy=EXCHANGESERVER.DOMAIN.COM:1993:SSL] LOGIN failed.";Msg=Proxy:EXCHANGESERVER.DOMAIN.COM:1993:SSL;ErrMsg=ProxyNotAuthenticated'),
  row('2026-03-02T09:15:00.431Z', '000000000000A1F3', 3, '10.0.0.10:993', '10.0.0.50:52123', '', '', '', '', '', '', 'Disconnected'),
  // An ordinary session that works, on the same server.
  row('2026-03-02T09:16:10.002Z', '000000000000A1F4', 0, '10.0.0.10:993', '10.0.0.61:50611', '', '', '', '', '', '', 'Connected;SSL'),
  row('2026-03-02T09:16:10.090Z', '000000000000A1F4', 1, '10.0.0.10:993', '10.0.0.61:50611', 'alice@DOMAIN.COM', 31, 40, 30, 'login', 'alice@DOMAIN.COM *****', 'R="a1 OK LOGIN completed."'),
  row('2026-03-02T09:16:10.140Z', '000000000000A1F4', 2, '10.0.0.10:993', '10.0.0.61:50611', 'alice@DOMAIN.COM', 12, 20, 210, 'select', 'INBOX', 'R="a2 OK [READ-WRITE] SELECT completed."'),
  row('2026-03-02T09:16:11.500Z', '000000000000A1F4', 3, '10.0.0.10:993', '10.0.0.61:50611', 'alice@DOMAIN.COM', 0, 11, 50, 'logout', '', 'R="a3 OK LOGOUT completed."'),
];

const pop3 = [
  ...header('POP3 Protocol Logs', '2026-03-02T10:00:00.000Z'),
  row('2026-03-02T10:00:00.010Z', '000000000000B001', 0, '10.0.0.10:995', '10.0.0.52:49311', '', '', '', '', '', '', 'Connected;SSL'),
  row('2026-03-02T10:00:00.050Z', '000000000000B001', 1, '10.0.0.10:995', '10.0.0.52:49311', '', 0, 22, 18, 'user', 'HealthMailbox0a1b2c3d@DOMAIN.COM', 'R="+OK"'),
  row('2026-03-02T10:00:00.300Z', '000000000000B001', 2, '10.0.0.10:995', '10.0.0.52:49311', 'HealthMailbox0a1b2c3d@DOMAIN.COM', 16, 12, 90, 'pass', '*****',
    'R="-ERR [Error=ProxyNotAuthenticated Proxy=EXCHANGESERVER.DOMAIN.COM:1995:SSL] Logon failure: unknown user name or bad password.";Msg=Proxy:EXCHANGESERVER.DOMAIN.COM:1995:SSL;ErrMsg=ProxyNotAuthenticated'),
];

const files = { 'exchange-imap4-proxynotauthenticated.log': imap, 'exchange-pop3-proxynotauthenticated.log': pop3 };
const check = process.argv.includes('--check');
let differs = false;
mkdirSync(OUT, { recursive: true });
for (const [name, lines] of Object.entries(files)) {
  // Exchange writes CRLF line ends. R="..." holds the tagged completion line only (one row is one line).
  const text = lines.join('\r\n') + '\r\n';
  const path = join(OUT, name);
  if (check) {
    let old = '';
    try { old = readFileSync(path, 'latin1'); } catch { /* missing */ }
    const same = old === text;
    if (!same) differs = true;
    console.log(`${name}: ${same ? 'same' : 'DIFFERS'}`);
  } else {
    writeFileSync(path, text, 'latin1');
    console.log(`wrote ${path}`);
  }
}
process.exit(differs ? 1 : 0);
