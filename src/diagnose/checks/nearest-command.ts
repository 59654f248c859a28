/** Suggests the command a client probably meant when it sent an unknown one. */
import type { MailProtocol } from '../../model/conversation.js';

/** IMAP commands (RFC 9051 §6 and common extensions), for suggestions. */
export const IMAP_COMMANDS: readonly string[] = [
  'CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'AUTHENTICATE', 'LOGIN', 'ENABLE', 'SELECT', 'EXAMINE', 'CREATE', 'DELETE',
  'RENAME', 'SUBSCRIBE', 'UNSUBSCRIBE', 'LIST', 'LSUB', 'NAMESPACE', 'STATUS', 'APPEND', 'IDLE', 'CHECK', 'CLOSE', 'UNSELECT',
  'EXPUNGE', 'SEARCH', 'FETCH', 'STORE', 'COPY', 'MOVE', 'UID', 'ID', 'GETQUOTA', 'GETQUOTAROOT', 'SETQUOTA', 'COMPRESS',
  'GETACL', 'SETACL', 'MYRIGHTS', 'LISTRIGHTS', 'GETMETADATA', 'SETMETADATA', 'XLIST',
];

/** POP3 commands (RFC 1939, 2449, 2595, 5034, 6856). */
export const POP3_COMMANDS: readonly string[] = ['USER', 'PASS', 'APOP', 'QUIT', 'STAT', 'LIST', 'RETR', 'DELE', 'NOOP', 'RSET', 'TOP', 'UIDL', 'CAPA', 'STLS', 'AUTH', 'UTF8', 'LANG'];

/** SMTP commands (RFC 5321 §4.1 and the extensions of a submission dialogue). */
export const SMTP_COMMANDS: readonly string[] = ['HELO', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'RSET', 'NOOP', 'QUIT', 'VRFY', 'EXPN', 'HELP', 'STARTTLS', 'AUTH', 'BDAT', 'ETRN'];

/** Confusions seen in the field: a command of the other protocol, or a common abbreviation. */
const KNOWN_CONFUSIONS: Record<MailProtocol, Record<string, string>> = {
  imap: { AUTH: 'AUTHENTICATE or LOGIN', USER: 'LOGIN', PASS: 'LOGIN', LOGON: 'LOGIN', QUIT: 'LOGOUT', EXIT: 'LOGOUT', STLS: 'STARTTLS', CAPA: 'CAPABILITY', RETR: 'FETCH', DELE: 'STORE +FLAGS (\\Deleted)' },
  pop3: { LOGIN: 'USER and PASS', AUTHENTICATE: 'AUTH', LOGOUT: 'QUIT', STARTTLS: 'STLS', CAPABILITY: 'CAPA', LOGON: 'USER and PASS' },
  smtp: { LOGIN: 'AUTH LOGIN', AUTHENTICATE: 'AUTH', LOGOUT: 'QUIT', STLS: 'STARTTLS', CAPABILITY: 'EHLO', CAPA: 'EHLO', USER: 'AUTH', PASS: 'AUTH', SEND: 'MAIL FROM', FROM: 'MAIL FROM', TO: 'RCPT TO' },
};

/** Most edits a typo may need to still be suggested. */
const MAX_EDIT_DISTANCE = 2;

/** The command meant, or undefined when nothing is close. `name` is upper-cased. */
export function nearestCommand(protocol: MailProtocol, name: string): string | undefined {
  const known = KNOWN_CONFUSIONS[protocol][name];
  if (known) return known;
  const list = protocol === 'imap' ? IMAP_COMMANDS : protocol === 'smtp' ? SMTP_COMMANDS : POP3_COMMANDS;
  let best: string | undefined;
  let bestD = MAX_EDIT_DISTANCE + 1;
  for (const c of list) {
    if (Math.abs(c.length - name.length) > MAX_EDIT_DISTANCE) continue;
    const d = editDistance(name, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  // A 2-letter name two edits away from anything is noise, not a typo.
  return best !== undefined && bestD < Math.max(2, Math.ceil(name.length / 2)) ? best : undefined;
}

/** Levenshtein distance with adjacent transposition (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}
