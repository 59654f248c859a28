/**
 * Redaction that does not depend on line parsing. A client line that is shaped like a login (its
 * first words name LOGIN, AUTHENTICATE, USER, PASS, APOP, AUTH or another command clients send
 * meaning a login) may hold a password however broken its syntax: a NUL or ESC in the user name,
 * an unterminated quote, a literal announced without its CRLF, parentheses. The dissectors redact
 * the precise span their grammar finds when the line is clean; when it is not, this module's
 * conservative span is the secret: everything after a clearly delimited user name (or mechanism),
 * or everything after the command when even that is unclear.
 *
 * Purely lexical (words split on spaces and control characters), shared by IMAP (tagged lines) and
 * POP3 (untagged). Never throws.
 */

/** Command names (upper-case) whose arguments carry a credential. */
const USER_THEN_SECRET: ReadonlySet<string> = new Set(['LOGIN', 'AUTHINFO', 'LOG', 'LOGN', 'LOGON', 'SIGNIN', 'SIGNON', 'USER', 'APOP']);
/** Commands whose every argument is the secret. */
const SECRET_ONLY: ReadonlySet<string> = new Set(['PASS', 'PASSWORD']);
/** Commands whose first argument is a SASL mechanism and the rest a SASL response. */
const MECHANISM_THEN_RESPONSE: ReadonlySet<string> = new Set(['AUTHENTICATE', 'AUTH', 'AUTHENTICATION']);

/** A word: a run of characters that are neither space nor control characters. */
// eslint-disable-next-line no-control-regex
const WORD = /[^\x00-\x20\x7f]+/y;
// eslint-disable-next-line no-control-regex
const SEPARATORS = /[\x00-\x20\x7f]*/y;
/** A user name (or mechanism) that ends where it seems to: printable, no quote, parenthesis, brace or bracket. */
// eslint-disable-next-line no-control-regex
const CLEAR_WORD = /[^\x00-\x20\x7f-\x9f"(){}[\]]+ /y;
/** A closed quoted user name followed by a space: its quotes delimit it even with odd characters inside. */
const CLEAR_QUOTED = /"(?:[^"\\\r\n]|\\["\\])*" /y;
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTER = /[\x00-\x08\x0a-\x1f\x7f]/;

/** What a login-shaped line looks like to the lexer. */
export interface LoginShape {
  /** The command word, upper-cased (`AUTHENTICATE` also for `UID AUTHENTICATE`). */
  command: string;
  /** Where the arguments start (after the command and its separators). */
  argsStart: number;
  /** Where the conservative secret starts: after a clear user name or mechanism, else argsStart. */
  secretStart: number;
  /** The secret is a SASL response (after a mechanism) rather than a password. */
  sasl: boolean;
}

function word(raw: string, at: number): { text: string; end: number } | undefined {
  WORD.lastIndex = at;
  const m = WORD.exec(raw);
  return m ? { text: m[0], end: WORD.lastIndex } : undefined;
}

function skipSeparators(raw: string, at: number): number {
  SEPARATORS.lastIndex = at;
  SEPARATORS.exec(raw);
  return SEPARATORS.lastIndex;
}

function isLoginCommand(name: string): boolean {
  return USER_THEN_SECRET.has(name) || SECRET_ONLY.has(name) || MECHANISM_THEN_RESPONSE.has(name);
}

/**
 * The login shape of a client line, or undefined when it names no login: the first word (POP3, or
 * an IMAP line without a tag), the second (after an IMAP tag) or the third after `tag UID`.
 */
export function loginShape(raw: string): LoginShape | undefined {
  let at = skipSeparators(raw, 0);
  for (let i = 0; i < 3; i++) {
    const w = word(raw, at);
    if (!w) return undefined;
    const name = w.text.toUpperCase();
    if (isLoginCommand(name)) {
      const argsStart = skipSeparators(raw, w.end);
      return { command: name, argsStart, secretStart: secretStart(raw, name, argsStart), sasl: MECHANISM_THEN_RESPONSE.has(name) };
    }
    if (i === 1 && name !== 'UID') return undefined;
    at = skipSeparators(raw, w.end);
  }
  return undefined;
}

function secretStart(raw: string, name: string, argsStart: number): number {
  if (SECRET_ONLY.has(name)) return argsStart;
  for (const re of [CLEAR_WORD, CLEAR_QUOTED]) {
    re.lastIndex = argsStart;
    if (re.exec(raw) && re.lastIndex < raw.length) {
      // Exactly one space after the user: anything else (`alice \0pw`) leaves the user unclear.
      const next = raw.charCodeAt(re.lastIndex);
      if (next > 0x20 && next !== 0x7f) return re.lastIndex;
    }
  }
  return argsStart;
}
