/**
 * The SMTP line grammar (RFC 5321 §4.1, §4.2; RFC 3463 enhanced codes; RFC 3030 BDAT; RFC 4954
 * AUTH): pure functions from one line's text to its parts, never throwing.
 */
import type { SmtpPath } from './types.js';
import { SMTP_LIMITS } from './limits.js';

/** Verbs of RFC 5321 and of the extensions a submission dialogue uses. */
const KNOWN = new Set([
  'HELO', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'RSET', 'NOOP', 'QUIT', 'VRFY', 'EXPN', 'HELP',
  'STARTTLS', 'AUTH', 'BDAT', 'ETRN', 'ATRN', 'TURN', 'BURL', 'XCLIENT', 'XFORWARD', 'LHLO',
]);

export interface ParsedCommand {
  /** Verb upper-cased. */
  command: string;
  known: boolean;
  /** Text after the verb and its space (as sent). */
  args: string;
  /** Position of `args` in the line. */
  argsAt: number;
}

/** Splits a command line into verb and arguments; undefined when it has no verb (empty, or starts with a space). */
export function parseCommand(raw: string): ParsedCommand | undefined {
  const m = /^([A-Za-z][A-Za-z0-9-]*)(?: (.*))?$/s.exec(raw);
  if (!m) return undefined;
  const command = m[1]!.toUpperCase();
  const args = m[2] ?? '';
  return { command, known: KNOWN.has(command), args, argsAt: m[2] === undefined ? raw.length : m[1]!.length + 1 };
}

export interface ReplyLine {
  code: string;
  /** `250-`: more lines follow. */
  more: boolean;
  enhanced?: string;
  /** Text after the code, separator and enhanced code. */
  text: string;
}

/** A reply line `ddd[ -]text` or a bare `ddd` (RFC 5321 §4.2); undefined when it is not one. */
export function parseReply(raw: string): ReplyLine | undefined {
  const m = /^([2-5][0-5]\d)(?:([ -])(.*))?$/s.exec(raw);
  if (!m) return undefined;
  const r: ReplyLine = { code: m[1]!, more: m[2] === '-', text: m[3] ?? '' };
  const e = /^([245]\.\d{1,3}\.\d{1,3})(?: +|$)/.exec(r.text);
  // RFC 3463: the class digit of the enhanced code matches the reply's.
  if (e && e[1]![0] === r.code[0]) {
    r.enhanced = e[1]!;
    r.text = r.text.slice(e[0].length);
  }
  return r;
}

/** The line could be a reply (three digits first): used to resynchronise after a gap. */
export function looksLikeReply(raw: string): boolean {
  return /^[2-5]\d\d(?:[ -]|$)/.test(raw);
}

/**
 * MAIL FROM:<path> params / RCPT TO:<path> params (RFC 5321 §4.1.1.2-3, §4.1.2). Lenient as servers
 * are: any case, spaces after the colon, a bare address without brackets (flagged).
 */
export function parsePath(args: string, keyword: 'FROM' | 'TO'): SmtpPath | undefined {
  const m = new RegExp(`^${keyword}:\\s*`, 'i').exec(args);
  if (!m) return undefined;
  let rest = args.slice(m[0].length);
  let address: string;
  let bare = false;
  if (rest.startsWith('<')) {
    const close = rest.indexOf('>');
    if (close < 0) return undefined;
    address = rest.slice(1, close);
    rest = rest.slice(close + 1);
  } else {
    const sp = rest.indexOf(' ');
    address = sp < 0 ? rest : rest.slice(0, sp);
    rest = sp < 0 ? '' : rest.slice(sp);
    bare = true;
  }
  const params: Record<string, string> = {};
  for (const p of rest.split(' ')) {
    if (p === '') continue;
    const eq = p.indexOf('=');
    const key = (eq < 0 ? p : p.slice(0, eq)).toUpperCase();
    // A hostile line could repeat keywords endlessly: the line cap bounds them, the first wins.
    if (!(key in params) && key !== '__PROTO__') params[key] = eq < 0 ? '' : p.slice(eq + 1);
  }
  const out: SmtpPath = { address, params };
  if (bare) out.bare = true;
  return out;
}

/** BDAT <size> [LAST] (RFC 3030 §2); undefined when the size is missing or not a sane number. */
export function parseBdat(args: string): { size: number; last: boolean } | undefined {
  const m = /^(\d{1,15})(?: +(LAST))? *$/i.exec(args);
  if (!m) return undefined;
  const size = Number(m[1]);
  if (size > SMTP_LIMITS.MAX_SANE_CHUNK_BYTES) return undefined;
  return { size, last: m[2] !== undefined };
}

/** The SIZE the server advertised in an EHLO extension line (`SIZE 10240000`; 0 or none: no fixed limit). */
export function advertisedSize(extension: string): number | undefined {
  const m = /^SIZE(?: +(\d{1,15}))?\s*$/i.exec(extension);
  if (!m) return undefined;
  return m[1] === undefined ? 0 : Number(m[1]);
}

/** The keyword of an EHLO extension line, upper-cased (`AUTH PLAIN LOGIN` → 'AUTH'). */
export function extensionKeyword(extension: string): string {
  const sp = extension.indexOf(' ');
  return (sp < 0 ? extension : extension.slice(0, sp)).toUpperCase();
}
