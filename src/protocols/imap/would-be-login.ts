/**
 * Would-be logins: commands IMAP does not have that a client sends meaning a login, with the
 * password on the line (`A128 AUTH DOMAIN\alice Secret123` from a phone, POP3 habits such as
 * `USER` / `PASS`, `LOGON user pass`). The server answers BAD, but the password crossed the wire:
 * it must be marked secret like LOGIN's, and the attempt is worth comparing with working logins.
 *
 * Never throws. Errs on the safe side: a doubtful unknown command `X user word` has its second
 * word redacted even when it is not counted as a login attempt.
 */
import { astringAtomProblem } from './grammar.js';
import type { CommandSecret } from './commands.js';
import type { ImapAstring, ImapCommand, ImapValue } from './types.js';
import type { LiteralRef } from './grammar.js';

/** Unknown command names (upper-case) clients send meaning a login: POP3/SMTP/NNTP habits and variants. */
export const LOGIN_LIKE_COMMANDS: ReadonlySet<string> = new Set(['AUTH', 'AUTHENTICATION', 'AUTHINFO', 'LOG', 'LOGN', 'LOGON', 'SIGNIN', 'SIGNON', 'USER', 'PASS', 'PASSWORD', 'APOP']);

/** Login-like commands whose every argument is the password (POP3 `PASS secret`). */
const PASSWORD_ONLY: ReadonlySet<string> = new Set(['PASS', 'PASSWORD']);

/** SASL mechanism names (RFC 4422 §3.1 registry, common ones): `AUTH PLAIN <base64>` is SASL with an initial response. */
const SASL_MECHANISM = /^(PLAIN|LOGIN|CRAM-MD5|DIGEST-MD5|SCRAM-SHA-[0-9]+(-PLUS)?|XOAUTH2?|OAUTHBEARER|NTLM|GSSAPI|GSS-SPNEGO|EXTERNAL|ANONYMOUS)$/i;

/** A qualified user name: user@domain or DOMAIN\user (the shapes mail servers log in with). */
const QUALIFIED_USER = /^[^\s@\\()"{}]+[@\\][^\s()"{}]+$/;

/** A plain user name word (for the doubtful case only: no mailbox names, numbers or sequence sets). */
const PLAIN_USER = /^[A-Za-z][A-Za-z0-9._+-]{0,63}$/;

/** A login attempt recognised in an unknown command. */
export interface WouldBeLogin {
  /** The command as sent, upper-cased (AUTH, LOGON, PASS...): AuthAttempt.method. */
  method: string;
  /** Why the command is taken for a login: 'command name' or 'user name shape'. */
  reason: 'command name' | 'user name shape';
  /** The user argument (no user for PASS). */
  user?: ImapAstring;
  /** `AUTH <mechanism> [initial-response]`: the SASL mechanism as sent. */
  mechanism?: string;
}

export interface WouldBeLoginResult {
  /** Absent when the command is only redacted out of doubt, not counted as a login. */
  login?: WouldBeLogin;
  /** The password (or SASL initial response) span; absent for `USER name` alone. */
  secret?: CommandSecret;
}

/**
 * Looks at an unknown command (cmd.known false, args parsed): when it reads like a login, the
 * arguments after the user become one `{t:'secret'}` value in cmd.args, `cmd.login` is set as for
 * LOGIN (so credential diagnostics read both alike) and the secret is returned for the SecretSpan
 * and the AuthAttempt. Returns undefined (cmd untouched) for anything else.
 *
 * Decides, in order: a login-like command name (LOGIN_LIKE_COMMANDS) → login; a first argument
 * shaped user@domain or DOMAIN\user followed by more → login; exactly two words, the first a plain
 * name, the command not an `X` extension (RFC 9051 §6.5) → redacted only.
 */
export function recogniseWouldBeLogin(cmd: ImapCommand, raw: string, literals: readonly LiteralRef[]): WouldBeLoginResult | undefined {
  const name = cmd.name;
  const args = cmd.args;
  if (args.length === 0 || name.includes(' ')) return undefined;
  if (LOGIN_LIKE_COMMANDS.has(name)) {
    if (PASSWORD_ONLY.has(name)) {
      return { login: { method: name, reason: 'command name' }, secret: takeSecret(cmd, 0, raw, literals, 'password') };
    }
    const first = args[0]!;
    if (name === 'AUTH' && first.t === 'atom' && SASL_MECHANISM.test(first.v) && args.length <= 2) {
      const login: WouldBeLogin = { method: name, reason: 'command name', mechanism: first.v };
      return args.length === 2 ? { login, secret: takeSecret(cmd, 1, raw, literals, 'sasl') } : { login };
    }
    const user = userOf(first, raw, literals);
    if (!user) return args.length > 1 ? { secret: takeSecret(cmd, 1, raw, literals, 'password') } : undefined;
    const login: WouldBeLogin = { method: name, reason: 'command name', user };
    if (args.length === 1) return { login };
    const secret = takeSecret(cmd, 1, raw, literals, 'password');
    cmd.login = { user, password: passwordShape(args.slice(1)) };
    return { login, secret };
  }
  if (args.length < 2) return undefined;
  const user = userOf(args[0]!, raw, literals);
  if (!user) return undefined;
  if (QUALIFIED_USER.test(user.value)) {
    const rest = args.slice(1);
    const secret = takeSecret(cmd, 1, raw, literals, 'password');
    cmd.login = { user, password: passwordShape(rest) };
    return { login: { method: name, reason: 'user name shape', user }, secret };
  }
  if (args.length === 2 && !name.startsWith('X') && PLAIN_USER.test(user.value) && user.value.toUpperCase() !== 'INBOX' && isWord(args[1]!)) {
    return { secret: takeSecret(cmd, 1, raw, literals, 'password') };
  }
  return undefined;
}

function isWord(v: ImapValue): boolean {
  return v.t === 'atom' || v.t === 'quoted' || v.t === 'literal' || v.t === 'invalid';
}

/** The user argument as an astring (form 'invalid' when an atom holds atom-specials), or undefined when it is no single word. */
function userOf(v: ImapValue, raw: string, literals: readonly LiteralRef[]): ImapAstring | undefined {
  switch (v.t) {
    case 'atom': {
      const problem = astringAtomProblem(v.v);
      return problem ? { value: v.v, form: 'invalid', raw: v.v, invalid: problem.reason } : { value: v.v, form: 'atom', raw: v.v };
    }
    case 'quoted':
      return { value: v.v, form: 'quoted', raw: v.raw };
    case 'literal':
      return { value: v.v ?? literals[v.i]?.text ?? '', form: 'literal', raw: raw.slice(v.pos, raw.indexOf('}', v.pos) + 1) };
    case 'invalid':
      return { value: v.raw, form: 'invalid', raw: v.raw, invalid: v.reason };
    default:
      return undefined;
  }
}

/** The password's shape without its value (as LOGIN's): several words are not one astring. */
function passwordShape(rest: readonly ImapValue[]): ImapAstring {
  if (rest.length !== 1) return { value: '', form: 'invalid', raw: '', invalid: `${rest.length} words: a space is an atom-special, the password must be quoted` };
  const v = rest[0]!;
  if (v.t === 'quoted') return { value: '', form: 'quoted', raw: '' };
  if (v.t === 'literal') return { value: '', form: 'literal', raw: '' };
  if (v.t === 'atom') {
    const problem = astringAtomProblem(v.v);
    return problem ? { value: '', form: 'invalid', raw: '', invalid: problem.reason } : { value: '', form: 'atom', raw: '' };
  }
  return { value: '', form: 'invalid', raw: '', invalid: v.t === 'invalid' ? v.reason : `a ${v.t} is not an astring` };
}

/**
 * Replaces args[from..] by one secret value and returns its span: one quoted string → its content,
 * one literal → that literal, otherwise the line from the first secret argument to its end (several
 * words are one password that should have been quoted).
 */
function takeSecret(cmd: ImapCommand, from: number, raw: string, literals: readonly LiteralRef[], kind: CommandSecret['kind']): CommandSecret {
  const rest = cmd.args.slice(from);
  const first = rest[0]!;
  let secret: CommandSecret;
  if (rest.length === 1 && first.t === 'quoted') {
    secret = { kind, value: first.v, start: first.pos + 1, end: first.pos + first.raw.length - 1 };
  } else if (rest.length === 1 && first.t === 'literal') {
    secret = { kind, value: literals[first.i]?.text ?? '', start: first.pos, end: raw.indexOf('}', first.pos) + 1, literal: first.i };
  } else if (rest.length === 1 && first.t === 'atom') {
    secret = { kind, value: first.v, start: first.pos, end: first.pos + first.v.length };
  } else {
    // Literal contents are not in raw: a multi-word secret with literals keeps only their announcements.
    const alsoLiterals = rest.flatMap((v) => (v.t === 'literal' ? [v.i] : []));
    secret = { kind, value: raw.slice(first.pos), start: first.pos, end: raw.length };
    if (alsoLiterals.length > 0) secret.alsoLiterals = alsoLiterals;
  }
  cmd.args = [...cmd.args.slice(0, from), { t: 'secret', length: [...secret.value].length, pos: first.pos }];
  return secret;
}
