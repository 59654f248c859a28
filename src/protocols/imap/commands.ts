/**
 * IMAP commands: the table of known commands with the states they are valid in (RFC 9051 §6 and
 * extensions), and the parser of one logical client command line. Never throws.
 */
import { astringAtomProblem, idParams, isTag, parseValues, valueText, type LiteralRef } from './grammar.js';
import type { ImapArgNote, ImapAstring, ImapCommand, ImapParsed, ImapState, ImapValue } from './types.js';
import { recogniseWouldBeLogin, type WouldBeLogin } from './would-be-login.js';
import { CONTROL_CHARACTER, loginShape } from '../login-shape.js';
import { IMAP_LIMITS } from './limits.js';

type States = readonly ImapState[];
const ANY: States = ['not-authenticated', 'authenticated', 'selected', 'logout'];
const NOT_AUTH: States = ['not-authenticated'];
const AUTH: States = ['authenticated', 'selected'];
const SELECTED: States = ['selected'];

/** Where a command's mailbox argument is (index in args), for astring checks and Exchange facts. */
interface CommandSpec {
  states: States;
  /** Index of the mailbox astring argument, if any. */
  mailboxArg?: number;
}

/** Known commands (upper-case) → spec. RFC numbers say where each is defined. */
export const IMAP_COMMANDS: ReadonlyMap<string, CommandSpec> = new Map<string, CommandSpec>([
  // RFC 9051 §6.1 any state
  ['CAPABILITY', { states: ANY }],
  ['NOOP', { states: ANY }],
  ['LOGOUT', { states: ANY }],
  ['ID', { states: ANY }], // RFC 2971
  // §6.2 not authenticated
  ['STARTTLS', { states: NOT_AUTH }],
  ['AUTHENTICATE', { states: NOT_AUTH }],
  ['LOGIN', { states: NOT_AUTH }],
  // §6.3 authenticated
  ['ENABLE', { states: ['authenticated'] }], // RFC 5161
  ['SELECT', { states: AUTH, mailboxArg: 0 }],
  ['EXAMINE', { states: AUTH, mailboxArg: 0 }],
  ['CREATE', { states: AUTH, mailboxArg: 0 }],
  ['DELETE', { states: AUTH, mailboxArg: 0 }],
  ['RENAME', { states: AUTH, mailboxArg: 0 }],
  ['SUBSCRIBE', { states: AUTH, mailboxArg: 0 }],
  ['UNSUBSCRIBE', { states: AUTH, mailboxArg: 0 }],
  ['LIST', { states: AUTH }],
  ['LSUB', { states: AUTH }],
  ['XLIST', { states: AUTH }], // Gmail, pre SPECIAL-USE
  ['NAMESPACE', { states: AUTH }], // RFC 2342
  ['STATUS', { states: AUTH, mailboxArg: 0 }],
  ['APPEND', { states: AUTH, mailboxArg: 0 }],
  ['IDLE', { states: AUTH }], // RFC 2177
  ['COMPRESS', { states: AUTH }], // RFC 4978
  ['GETQUOTA', { states: AUTH }], // RFC 9208
  ['GETQUOTAROOT', { states: AUTH, mailboxArg: 0 }],
  ['SETQUOTA', { states: AUTH }],
  ['GETACL', { states: AUTH, mailboxArg: 0 }], // RFC 4314
  ['SETACL', { states: AUTH, mailboxArg: 0 }],
  ['DELETEACL', { states: AUTH, mailboxArg: 0 }],
  ['LISTRIGHTS', { states: AUTH, mailboxArg: 0 }],
  ['MYRIGHTS', { states: AUTH, mailboxArg: 0 }],
  ['GETMETADATA', { states: AUTH }], // RFC 5464
  ['SETMETADATA', { states: AUTH }],
  ['NOTIFY', { states: AUTH }], // RFC 5465
  ['ESEARCH', { states: AUTH }], // RFC 7377
  ['RESETKEY', { states: AUTH }], // RFC 4467 URLAUTH
  ['GENURLAUTH', { states: AUTH }],
  ['URLFETCH', { states: AUTH }],
  ['LANGUAGE', { states: ANY }], // RFC 5255
  ['COMPARATOR', { states: AUTH }],
  // §6.4 selected
  ['CHECK', { states: SELECTED }],
  ['CLOSE', { states: SELECTED }],
  ['UNSELECT', { states: SELECTED }], // RFC 3691
  ['EXPUNGE', { states: SELECTED }],
  ['SEARCH', { states: SELECTED }],
  ['FETCH', { states: SELECTED }],
  ['STORE', { states: SELECTED }],
  ['COPY', { states: SELECTED, mailboxArg: 1 }],
  ['MOVE', { states: SELECTED, mailboxArg: 1 }], // RFC 6851
  ['SORT', { states: SELECTED }], // RFC 5256
  ['THREAD', { states: SELECTED }],
  ['UID FETCH', { states: SELECTED }],
  ['UID STORE', { states: SELECTED }],
  ['UID SEARCH', { states: SELECTED }],
  ['UID COPY', { states: SELECTED, mailboxArg: 1 }],
  ['UID MOVE', { states: SELECTED, mailboxArg: 1 }],
  ['UID EXPUNGE', { states: SELECTED }], // RFC 4315
  ['UID SORT', { states: SELECTED }],
  ['UID THREAD', { states: SELECTED }],
]);

/** The states a known command is valid in, or undefined for unknown commands. */
export function commandStates(name: string): States | undefined {
  return IMAP_COMMANDS.get(name)?.states;
}

/**
 * Parses a client command line: `tag SP command [SP arguments]`. Arguments are parsed leniently
 * (spacing noted, words that are not valid astrings kept as `invalid` values with the reason) so
 * that even a command a server would reject (`A1 LOGIN DOMAIN\user pass`) is understood.
 */
export function parseCommand(raw: string, literals: readonly LiteralRef[]): ParsedCommandLine {
  const sp = raw.indexOf(' ');
  if (sp <= 0) return malformedLine(raw, literals, sp === 0 ? 'line starts with a space (no tag)' : 'command without a tag or name', 0);
  const tag = raw.slice(0, sp);
  let nameStart = sp + 1;
  while (raw.charCodeAt(nameStart) === 0x20) nameStart++;
  let nameEnd = raw.indexOf(' ', nameStart);
  if (nameEnd < 0) nameEnd = raw.length;
  if (nameEnd === nameStart) return malformedLine(raw, literals, 'tag without a command', nameStart);
  let nameRaw = raw.slice(nameStart, nameEnd);
  let name = nameRaw.toUpperCase();
  if (name === 'UID' && nameEnd < raw.length) {
    let subEnd = raw.indexOf(' ', nameEnd + 1);
    if (subEnd < 0) subEnd = raw.length;
    nameRaw = raw.slice(nameStart, subEnd);
    name = 'UID ' + raw.slice(nameEnd + 1, subEnd).toUpperCase();
    nameEnd = subEnd;
  }
  if (!/^[A-Za-z][A-Za-z0-9._-]*( [A-Za-z][A-Za-z0-9._-]*)?$/.test(nameRaw)) {
    return malformedLine(raw, literals, `invalid command name '${nameRaw.slice(0, 30)}'`, nameStart);
  }
  const spec = IMAP_COMMANDS.get(name);
  const argsStart = nameEnd < raw.length ? nameEnd + 1 : raw.length;
  const cmd: ImapCommand = {
    type: 'command',
    tag,
    tagValid: isTag(tag),
    name,
    nameRaw,
    known: spec !== undefined,
    args: [],
    rawArgs: raw.slice(argsStart),
  };
  const notes: ImapArgNote[] = [];
  if (nameStart > sp + 1) notes.push({ arg: -1, pos: sp, code: 'double-space', detail: 'more than one space after the tag' });
  const r = parseValues(raw, argsStart, literals);
  notes.push(...r.notes);
  if (r.nestingCapped !== undefined) notes.push({ arg: r.values.length - 1, pos: r.nestingCapped, code: 'nesting-too-deep', detail: `lists nested deeper than ${IMAP_LIMITS.MAX_LIST_DEPTH} at offset ${r.nestingCapped}: the rest of the line is kept as text` });
  cmd.args = r.values;
  if (r.error) {
    // Keep what parsed; the rest of the line is one invalid argument, so nothing is lost.
    cmd.args.push({ t: 'invalid', raw: raw.slice(r.error.position), atom: '', reason: r.error.reason, pos: r.error.position });
    notes.push({ arg: cmd.args.length - 1, pos: r.error.position, code: 'syntax', detail: r.error.reason });
  }
  let secret = addSpecifics(cmd, raw, spec, notes, literals);
  // A command IMAP does not have may still carry a password (`AUTH DOMAIN\user pass`).
  const wouldBe = spec === undefined ? recogniseWouldBeLogin(cmd, raw, literals) : undefined;
  if (wouldBe?.secret) secret = wouldBe.secret;
  if (!cleanLogin(cmd, raw, secret, wouldBe, r.error !== undefined, notes)) {
    const wide = conservativeSecret(raw, literals);
    if (wide) {
      secret = wide;
      hideFromArguments(cmd, wide, notes);
      if (wide.userUnclear) {
        delete cmd.login;
        if (wouldBe?.login) delete wouldBe.login.user;
      }
    }
  }
  if (notes.length > 0) cmd.notes = notes;
  if (secret && secret.literal === undefined && secret.end > secret.start) {
    // rawArgs repeats the line: the secret's characters are masked there (kept only in the event's raw, marked by a SecretSpan).
    cmd.rawArgs = raw.slice(argsStart, secret.start) + '*'.repeat(secret.end - secret.start) + raw.slice(secret.end);
  }
  const out: ParsedCommandLine = { parsed: cmd };
  if (secret) out.secret = secret;
  if (wouldBe?.login) out.wouldBeLogin = wouldBe.login;
  return out;
}

/** A line that is no command: still, when it is login-shaped, what may be a password is secret. */
function malformedLine(raw: string, literals: readonly LiteralRef[], reason: string, position: number): ParsedCommandLine {
  const out: ParsedCommandLine = { parsed: { type: 'malformed', reason, position } };
  const secret = conservativeSecret(raw, literals);
  if (secret) out.secret = secret;
  return out;
}

/**
 * A login-shaped line (login-shape.ts) whose precise secret can be trusted: no control character,
 * no syntax error, no bad escape, the arguments a clean login has. Anything else gets the
 * conservative secret, because a grammar that did not understand the line cannot say where its
 * password is.
 */
function cleanLogin(cmd: ImapCommand, raw: string, secret: CommandSecret | undefined, wouldBe: ReturnType<typeof recogniseWouldBeLogin>, error: boolean, notes: readonly ImapArgNote[]): boolean {
  if (!loginShape(raw)) return true;
  if (error || CONTROL_CHARACTER.test(raw)) return false;
  // A note on an argument after the first quotes it: on a password it would show it.
  if (notes.some((n) => n.code === 'syntax' || n.code === 'bad-escape' || (n.code === 'invalid-astring' && n.arg >= 1))) return false;
  switch (cmd.name) {
    case 'LOGIN':
      return secret !== undefined && cmd.args.length === 2;
    case 'AUTHENTICATE':
      return cmd.args.length === 1 || (cmd.args.length === 2 && secret !== undefined);
    default:
      // Would-be logins (`USER alice`, `AUTH DOMAIN\alice pw`) the recogniser understood; `UID AUTHENTICATE` never is one.
      return wouldBe?.login !== undefined && (secret !== undefined || wouldBe.login.method === 'USER' || wouldBe.login.mechanism !== undefined);
  }
}

/**
 * The conservative secret of a login-shaped line: from after a clear user name (or mechanism), or
 * from after the command, to the end of the line, with every literal announced in it.
 */
function conservativeSecret(raw: string, literals: readonly LiteralRef[]): (CommandSecret & { userUnclear: boolean }) | undefined {
  const shape = loginShape(raw);
  if (!shape) return undefined;
  const start = shape.secretStart;
  const alsoLiterals = literals.flatMap((l, i) => (l.at > start ? [i] : []));
  if (start >= raw.length && alsoLiterals.length === 0) return undefined;
  const secret: CommandSecret & { userUnclear: boolean } = { kind: shape.sasl ? 'sasl' : 'password', value: raw.slice(start), start, end: raw.length, userUnclear: start === shape.argsStart };
  if (alsoLiterals.length > 0) secret.alsoLiterals = alsoLiterals;
  return secret;
}

/** Arguments at or after the secret become one secret value; notes there no longer quote what they saw. */
function hideFromArguments(cmd: ImapCommand, secret: CommandSecret, notes: ImapArgNote[]): void {
  const kept = cmd.args.filter((a) => a.pos < secret.start);
  cmd.args = [...kept, { t: 'secret', length: [...secret.value].length, pos: secret.start }];
  for (const n of notes) {
    if (n.pos >= secret.start || n.arg >= kept.length) n.detail = `${n.code} in what may be the password (not shown)`;
  }
}

/** A secret found in a command: removed from `parsed`, returned here for the AuthAttempt and the SecretSpan. */
export interface CommandSecret {
  kind: 'password' | 'sasl';
  value: string;
  /** [start, end) in raw of the secret's characters (for a literal: its announcement). */
  start: number;
  end: number;
  /** The secret is the content of this literal (index in the line's literals). */
  literal?: number;
  /** Literals inside a multi-word secret (an unknown command's `user pass {5}`): their contents are secret too. */
  alsoLiterals?: number[];
}

export interface ParsedCommandLine {
  parsed: ImapParsed;
  secret?: CommandSecret;
  /** An unknown command that reads like a login (see would-be-login.ts): the dissector records an AuthAttempt. */
  wouldBeLogin?: WouldBeLogin;
}

function addSpecifics(cmd: ImapCommand, raw: string, spec: CommandSpec | undefined, notes: ImapArgNote[], literals: readonly LiteralRef[]): CommandSecret | undefined {
  switch (cmd.name) {
    case 'LOGIN': {
      const user = checkAstring(cmd, 0, raw, notes);
      const pwValue = cmd.args[1];
      const password = checkAstring(cmd, 1, raw, notes);
      if (cmd.args.length !== 2) notes.push({ arg: Math.min(cmd.args.length, 2), pos: raw.length, code: 'arg-count', detail: `LOGIN takes 2 arguments (userid password), got ${cmd.args.length}` });
      if (!user || !password || !pwValue) return undefined;
      cmd.login = { user, password: { value: '', form: password.form, raw: '' } };
      if (password.invalid) cmd.login.password.invalid = password.invalid;
      const last = cmd.args[cmd.args.length - 1];
      if (cmd.args.length > 2 && last) {
        cmd.login.extra = { count: cmd.args.length, lastForm: last.t === 'atom' || last.t === 'quoted' || last.t === 'literal' ? last.t : 'other' };
      }
      // Secret span: the characters of the password (inside the quotes for a quoted string).
      let start = pwValue.pos;
      let end = pwValue.pos + password.raw.length;
      let literal: number | undefined;
      let value = password.value;
      if (pwValue.t === 'quoted') {
        start++;
        end--;
      } else if (pwValue.t === 'literal') {
        literal = pwValue.i;
        value = literals[pwValue.i]?.text ?? '';
      }
      cmd.args[1] = { t: 'secret', length: [...value].length, pos: pwValue.pos };
      return literal === undefined ? { kind: 'password', value, start, end } : { kind: 'password', value, start, end, literal };
    }
    case 'AUTHENTICATE': {
      const mech = valueText(cmd.args[0]);
      if (typeof mech !== 'string') return undefined;
      cmd.authenticate = { mechanism: mech };
      const ir = cmd.args[1];
      if (ir?.t === 'literal') {
        // The initial response sent as a literal (`AUTHENTICATE PLAIN {24}`): odd, but its content is the secret.
        const value = literals[ir.i]?.text ?? '';
        cmd.authenticate.initialResponse = { length: value.length, empty: value === '=' };
        cmd.args[1] = { t: 'secret', length: value.length, pos: ir.pos };
        return { kind: 'sasl', value, start: ir.pos, end: raw.indexOf('}', ir.pos) + 1, literal: ir.i };
      }
      if (!ir || (ir.t !== 'atom' && ir.t !== 'invalid')) return undefined;
      const value = ir.t === 'atom' ? ir.v : ir.raw;
      cmd.authenticate.initialResponse = { length: value.length, empty: value === '=' };
      cmd.args[1] = { t: 'secret', length: value.length, pos: ir.pos };
      return { kind: 'sasl', value, start: ir.pos, end: ir.pos + value.length };
    }
    case 'ID': {
      const id = idParams(cmd.args[0]);
      if (id !== undefined) cmd.id = id;
      return undefined;
    }
    case 'ENABLE':
      cmd.enable = cmd.args.map((a) => valueText(a)).filter((s): s is string => typeof s === 'string');
      return undefined;
    default:
      if (spec?.mailboxArg !== undefined) {
        const mb = checkAstring(cmd, spec.mailboxArg, raw, notes);
        if (mb) cmd.mailbox = mb.value;
      }
  }
  return undefined;
}

/**
 * Checks args[i] as an astring (RFC 9051 §9: atom / string). A word with atom-specials is replaced
 * by an `invalid` value saying what an atom parser reads before it stops, and why.
 */
function checkAstring(cmd: ImapCommand, i: number, raw: string, notes: ImapArgNote[]): ImapAstring | undefined {
  const v = cmd.args[i];
  if (!v) return undefined;
  switch (v.t) {
    case 'atom': {
      const problem = astringAtomProblem(v.v);
      if (!problem) return { value: v.v, form: 'atom', raw: v.v };
      const invalid: ImapValue = { t: 'invalid', raw: v.v, atom: v.v.slice(0, problem.offset), reason: problem.reason, pos: v.pos };
      cmd.args[i] = invalid;
      notes.push({ arg: i, pos: v.pos + problem.offset, code: 'invalid-astring', detail: `argument ${i + 1} '${v.v}' is not a valid astring: ${problem.reason}` });
      return { value: v.v, form: 'invalid', raw: v.v, invalid: problem.reason };
    }
    case 'quoted':
      return { value: v.v, form: 'quoted', raw: v.raw };
    case 'literal':
      return { value: v.v ?? '', form: 'literal', raw: raw.slice(v.pos, raw.indexOf('}', v.pos) + 1) };
    case 'nil':
      return { value: 'NIL', form: 'atom', raw: raw.slice(v.pos, v.pos + 3) };
    case 'invalid':
      return { value: v.raw, form: 'invalid', raw: v.raw, invalid: v.reason };
    default:
      notes.push({ arg: i, pos: v.pos, code: 'invalid-astring', detail: `argument ${i + 1} is a list, not an astring` });
      return undefined;
  }
}
