/**
 * POP3 line grammar: commands (RFC 1939 §3-§7, RFC 2449, 2595, 5034, 6856), status lines with
 * extended response codes (RFC 2449 §8, RFC 3206), and the lines of multi-line answers. Pure
 * functions over one line of text; they never throw and return undefined for what does not parse.
 */
import type { Pop3State } from './types.js';

interface CommandSpec {
  /** States in which the command is allowed (RFC 1939 §4-§6; CAPA/QUIT/LANG anywhere). */
  states: readonly Pop3State[];
  /** Whether a +OK answer is multi-line, given the number of arguments. */
  multiLine(argCount: number): boolean;
}

const AUTHZ: readonly Pop3State[] = ['AUTHORIZATION'];
const TRANS: readonly Pop3State[] = ['TRANSACTION'];
const ANY: readonly Pop3State[] = ['AUTHORIZATION', 'TRANSACTION', 'UPDATE'];
const never = (): boolean => false;
const always = (): boolean => true;
const withoutArgument = (n: number): boolean => n === 0;

/** The commands mailwire knows, keyed by upper-cased keyword. */
const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map<string, CommandSpec>([
  // RFC 1939
  ['USER', { states: AUTHZ, multiLine: never }],
  ['PASS', { states: AUTHZ, multiLine: never }],
  ['APOP', { states: AUTHZ, multiLine: never }],
  ['QUIT', { states: ANY, multiLine: never }],
  ['STAT', { states: TRANS, multiLine: never }],
  ['LIST', { states: TRANS, multiLine: withoutArgument }],
  ['RETR', { states: TRANS, multiLine: always }],
  ['DELE', { states: TRANS, multiLine: never }],
  ['NOOP', { states: TRANS, multiLine: never }],
  ['RSET', { states: TRANS, multiLine: never }],
  ['TOP', { states: TRANS, multiLine: always }],
  ['UIDL', { states: TRANS, multiLine: withoutArgument }],
  // RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH (no argument: non-standard mechanism list)
  ['CAPA', { states: ANY, multiLine: always }],
  ['STLS', { states: AUTHZ, multiLine: never }],
  ['AUTH', { states: AUTHZ, multiLine: withoutArgument }],
  // RFC 6856
  ['UTF8', { states: AUTHZ, multiLine: never }],
  ['LANG', { states: ANY, multiLine: withoutArgument }],
  // Non-standard but common: XSENDER (qpopper/Eudora), LAST (RFC 1460, dropped by RFC 1725)
  ['XSENDER', { states: TRANS, multiLine: never }],
  ['LAST', { states: TRANS, multiLine: never }],
]);

export interface ParsedCommand {
  /** Keyword upper-cased. */
  command: string;
  /** Keyword as sent. */
  keyword: string;
  known: boolean;
  args: string[];
  /** Character offset in the line where the arguments start (after keyword and SP). */
  argsAt: number;
  multiLine: boolean;
  allowedStates: readonly Pop3State[];
}

/**
 * A keyword is letters (RFC 1939 §3 says 3 or 4; unknown extensions are longer), digits and '-'
 * allowed after the first letter; anything else (control bytes, binary) is not a command line.
 */
const KEYWORD = /^[A-Za-z][A-Za-z0-9_-]{0,23}$/;

/**
 * Parses a client command line. PASS takes the rest of the line as one argument (RFC 1939 §7:
 * the password may contain spaces); other commands split their arguments on single spaces.
 * Returns undefined when the line is not a command (empty, binary, bad keyword).
 */
export function parseCommand(line: string): ParsedCommand | undefined {
  const sp = line.indexOf(' ');
  const keyword = sp < 0 ? line : line.slice(0, sp);
  if (!KEYWORD.test(keyword)) return undefined;
  const command = keyword.toUpperCase();
  const spec = COMMANDS.get(command);
  const argsAt = sp < 0 ? line.length : sp + 1;
  const rest = line.slice(argsAt);
  let args: string[];
  if (sp < 0) args = [];
  else if (command === 'PASS') args = [rest];
  else args = rest.split(' ').filter((a) => a.length > 0);
  return {
    command,
    keyword,
    known: spec !== undefined,
    args,
    argsAt,
    multiLine: spec ? spec.multiLine(args.length) : false,
    allowedStates: spec ? spec.states : ANY,
  };
}

export interface ParsedStatus {
  status: '+OK' | '-ERR';
  /** Response code without brackets (RFC 2449 §8: `[` resp-code `]` right after the status). */
  code?: string;
  text: string;
}

/** `+OK` / `-ERR`, then end of line or SP and text. Status words are matched case-insensitively. */
export function parseStatus(line: string): ParsedStatus | undefined {
  let status: '+OK' | '-ERR';
  let rest: string;
  if (/^\+ok(?: |$)/i.test(line)) {
    status = '+OK';
    rest = line.slice(4);
  } else if (/^-err(?: |$)/i.test(line)) {
    status = '-ERR';
    rest = line.slice(5);
  } else {
    return undefined;
  }
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close > 1) {
      const code = rest.slice(1, close);
      return { status, code, text: rest.slice(close + 1).replace(/^ /, '') };
    }
  }
  return { status, text: rest };
}

/** A line that starts like a status line (used to notice a list that lost its terminator). */
export function looksLikeStatus(line: string): boolean {
  return /^(?:\+ok|-err)(?: |$)/i.test(line);
}

/** A SASL challenge line: `+` alone or `+ ` text (RFC 5034 §4). */
export function parseChallenge(line: string): string | undefined {
  if (line === '+') return '';
  if (line.startsWith('+ ')) return line.slice(2);
  return undefined;
}

/** RFC 1939 §7: the APOP timestamp is a msg-id `<...>` in the greeting; it must contain '@' to be one. */
export function apopTimestamp(greetingText: string): string | undefined {
  const m = /<[^<>\s]*@[^<>\s]*>/.exec(greetingText);
  return m ? m[0] : undefined;
}

/** APOP digest: 32 hex digits (lower case per RFC 1939; upper case accepted). */
export function isApopDigest(s: string): boolean {
  return /^[0-9a-fA-F]{32}$/.test(s);
}

/** Facts read from a single-line +OK: STAT `nn mm`, LIST n `n size`, UIDL n `n uid`. */
export function statusFacts(command: string, args: readonly string[], text: string): { messages?: number; octets?: number; msg?: number; uid?: string } {
  if (command === 'STAT') {
    const m = /^(\d+) (\d+)/.exec(text);
    if (m) return { messages: Number(m[1]), octets: Number(m[2]) };
  } else if (command === 'LIST' && args.length > 0) {
    const m = /^(\d+) (\d+)/.exec(text);
    if (m) return { msg: Number(m[1]), octets: Number(m[2]) };
  } else if (command === 'UIDL' && args.length > 0) {
    const m = /^(\d+) (\S+)/.exec(text);
    if (m) return { msg: Number(m[1]), uid: m[2]! };
  }
  return {};
}

export interface ListLineFacts {
  msg?: number;
  size?: number;
  uid?: string;
  name?: string;
  params?: string[];
  invalid?: boolean;
}

/** One line of a multi-line list answer, after dot-unstuffing, read by the grammar of its command. */
export function parseListLine(command: string, line: string): ListLineFacts {
  switch (command) {
    case 'LIST': {
      // RFC 1939 §5 scan listing: msg SP size [SP anything]
      const m = /^(\d+) (\d+)(?: |$)/.exec(line);
      return m ? { msg: Number(m[1]), size: Number(m[2]) } : { invalid: true };
    }
    case 'UIDL': {
      // RFC 1939 §7 unique-id listing: msg SP 1*70 chars in 0x21..0x7E
      const m = /^(\d+) ([\x21-\x7e]{1,70})$/.exec(line);
      return m ? { msg: Number(m[1]), uid: m[2]! } : { invalid: true };
    }
    case 'CAPA': {
      // RFC 2449 §5: capability = tag *(SP param)
      const words = line.split(' ').filter((w) => w.length > 0);
      if (words.length === 0) return { invalid: true };
      return { name: words[0]!.toUpperCase(), params: words.slice(1) };
    }
    case 'AUTH': {
      const name = line.trim();
      return /^[A-Za-z0-9_-]{1,40}$/.test(name) ? { name: name.toUpperCase() } : { invalid: true };
    }
    case 'LANG': {
      // RFC 6856 §3: language-tag SP description
      const words = line.split(' ');
      return words[0] ? { name: words[0], params: words.slice(1) } : { invalid: true };
    }
    default:
      return {};
  }
}
