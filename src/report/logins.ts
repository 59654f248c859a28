/**
 * The logins inventory: one row per authentication attempt across a capture (time, connection,
 * protocol, method, user, encryption, outcome, frames), with what an auditor needs to know about
 * the secret: whether it crossed the wire in cleartext, and whether the exchange can be attacked
 * offline (challenge and response captured). Secret values appear only when asked for.
 */
import type { AuthAttempt, Conversation } from '../model/conversation.js';
import { endpoint, isoTime } from './describe.js';

/** Rows kept by one LoginTable; later attempts are counted in `dropped`. */
export const MAX_LOGIN_ROWS = 10_000;

export interface LoginRow {
  /** ISO 8601 time of the attempt's first line, and the same as seconds since the epoch. */
  time: string;
  ts: number;
  conversation: number;
  input?: string;
  client: string;
  server: string;
  protocol: string;
  /** 'LOGIN' | 'USER/PASS' | 'APOP', or the SASL mechanism (`PLAIN`, `NTLM`, `XOAUTH2`...). */
  method: string;
  /** The command that carried it: LOGIN, USER/PASS, APOP, AUTHENTICATE (IMAP) or AUTH (POP3). */
  command: string;
  user?: string;
  /** Authorisation identity (SASL PLAIN, DIGEST-MD5...) when it differs from nothing. */
  authzid?: string;
  encrypted: boolean;
  outcome: AuthAttempt['outcome'];
  /** The server's words (completion text, with its response code). */
  serverText?: string;
  frames: number[];
  /** What the secret was: 'password', 'token', 'hash', 'response'. */
  secretKind?: string;
  /** The password or token itself crossed the wire unencrypted (anyone on the path has it). */
  secretExposed: boolean;
  /** The exchange can be attacked offline (format name: 'netntlmv2', 'cram-md5', 'dmd5', 'apop'...): captured unencrypted. */
  offlineAttack?: string;
  /** Only with showSecrets: the secret, and the auditor line (hashcat/john format). */
  secret?: string;
  crackLine?: string;
}

/** One row for an attempt of a conversation. */
export function loginRow(c: Conversation, a: AuthAttempt, showSecrets: boolean): LoginRow {
  const row: LoginRow = {
    time: isoTime(a.ts),
    ts: a.ts,
    conversation: c.id,
    client: endpoint(c.client),
    server: endpoint(c.server),
    protocol: c.protocol,
    method: a.mechanism ?? a.method,
    command: a.method,
    encrypted: a.encrypted,
    outcome: a.outcome,
    frames: [...a.frames],
    secretExposed: !a.encrypted && (a.secret?.kind === 'password' || a.secret?.kind === 'token'),
  };
  if (c.input !== undefined) row.input = c.input;
  if (a.user !== undefined) row.user = a.user;
  if (a.authzid !== undefined && a.authzid !== '') row.authzid = a.authzid;
  const words = [a.responseCode ? `[${a.responseCode}]` : '', a.serverText ?? ''].filter(Boolean).join(' ');
  if (words) row.serverText = words;
  if (a.secret) row.secretKind = a.secret.kind;
  if (!a.encrypted) {
    if (a.crackable) row.offlineAttack = a.crackable.format;
    else if (a.method === 'APOP' && a.secret) row.offlineAttack = 'apop';
  }
  if (showSecrets) {
    if (a.secret?.value !== undefined) row.secret = a.secret.value;
    if (a.crackable?.line !== undefined) row.crackLine = a.crackable.line;
  }
  return row;
}

/** The rows of every attempt of a conversation (what LoginTable.add keeps of it). */
export function loginRows(c: Conversation, showSecrets: boolean): LoginRow[] {
  return c.auth.map((a) => loginRow(c, a, showSecrets));
}

/** Collects login rows from conversations as they stream past (bounded by MAX_LOGIN_ROWS). */
export class LoginTable {
  readonly rows: LoginRow[] = [];
  dropped = 0;

  constructor(private readonly showSecrets: boolean) {}

  add(c: Conversation): void {
    for (const a of c.auth) {
      if (this.rows.length >= MAX_LOGIN_ROWS) this.dropped++;
      else this.rows.push(loginRow(c, a, this.showSecrets));
    }
  }

  /** Rows made elsewhere (loginRows(), in a worker thread when reading is sharded), one conversation's at a time. */
  addRows(rows: readonly LoginRow[]): void {
    for (const r of rows) {
      if (this.rows.length >= MAX_LOGIN_ROWS) this.dropped++;
      else this.rows.push(r);
    }
  }

  /** Rows in capture order (time, then conversation). */
  sorted(): LoginRow[] {
    return [...this.rows].sort((x, y) => x.ts - y.ts || x.conversation - y.conversation);
  }
}

/** The outcome in words: `ok`, `failed: [AUTHENTICATIONFAILED] Invalid credentials`, `cancelled`, `unknown`. */
export function outcomeWords(r: LoginRow): string {
  return r.outcome === 'failed' && r.serverText ? `failed: ${r.serverText}` : r.outcome;
}

/** The secret column: whether it leaked, and (asked for) the value. */
export function secretWords(r: LoginRow): string {
  const parts: string[] = [];
  if (r.secretExposed) parts.push(`${r.secretKind} in cleartext`);
  if (r.offlineAttack) parts.push(`offline attack possible (${r.offlineAttack})`);
  if (parts.length === 0) parts.push(r.secretKind ? (r.encrypted ? `${r.secretKind}, encrypted` : r.secretKind) : '-');
  if (r.secret !== undefined) parts.push(JSON.stringify(r.secret));
  return parts.join('; ');
}
