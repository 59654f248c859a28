/**
 * IMAP lexical grammar (RFC 3501 §9, RFC 9051 §9, RFC 7888 literals, RFC 3516 literal8): character
 * predicates mirroring the ABNF and a lenient value parser over one logical line.
 *
 * A logical line is the text of a command or response without its literals' contents: `raw`
 * holds the text, and each literal announcement `{n}` ends at a position recorded in `literalAts`
 * (the literal's bytes came right after it on the wire and are described by LiteralInfo).
 * The parser never throws: problems are values ({reason, position}) or notes.
 */
import { IMAP_LIMITS } from './limits.js';
import type { ImapArgNote, ImapLiteralForm, ImapResponseCode, ImapValue } from './types.js';

const SP = 0x20;

/** CTL = %x00-1F / %x7F (RFC 5234). */
export function isCtl(c: number): boolean {
  return c < 0x20 || c === 0x7f;
}

/** atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials (RFC 9051 §9). */
export function isAtomSpecial(c: number): boolean {
  return c === 0x28 || c === 0x29 || c === 0x7b || c === SP || isCtl(c) || c === 0x25 || c === 0x2a || c === 0x22 || c === 0x5c || c === 0x5d;
}

/** ATOM-CHAR = <any CHAR except atom-specials>; CHAR is 7-bit, but UTF-8 (RFC 9051 / UTF8=ACCEPT) is accepted here. */
export function isAtomChar(c: number): boolean {
  return !isAtomSpecial(c);
}

/** ASTRING-CHAR = ATOM-CHAR / resp-specials ("]"). */
export function isAstringChar(c: number): boolean {
  return isAtomChar(c) || c === 0x5d;
}

/** tag = 1*<any ASTRING-CHAR except "+"> (RFC 9051 §9). */
export function isTag(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2b || !isAstringChar(c)) return false;
  }
  return true;
}

/** Why `word` is not a valid astring written as an atom, or undefined when it is one. */
export function astringAtomProblem(word: string): { offset: number; reason: string } | undefined {
  if (word.length === 0) return { offset: 0, reason: 'empty argument' };
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (!isAstringChar(c)) {
      const shown = c < 0x20 || c === 0x7f ? `0x${c.toString(16).padStart(2, '0')}` : `'${word[i]}'`;
      return { offset: i, reason: `${shown} at offset ${i} is an atom-special: it must be quoted (or sent as a literal)` };
    }
  }
  return undefined;
}

/** A literal announcement `{n}`, `{n+}`, `{n-}`, `~{n}` parsed from text. */
export interface LiteralAnnouncement {
  /** Position of `{` (or `~`). */
  start: number;
  /** Position right after `}`. */
  end: number;
  size: number;
  form: ImapLiteralForm;
  /** The number has more than 16 digits (not representable): size is Infinity. */
  huge: boolean;
}

/**
 * If `s` ends with a literal announcement (`{n}`, `{n+}`, `{n-}` or `~{n}`), returns it. This is how
 * the framer knows that counted bytes follow the line end (RFC 9051 §4.3).
 */
export function trailingLiteral(s: string): LiteralAnnouncement | undefined {
  const end = s.length;
  if (end < 3 || s.charCodeAt(end - 1) !== 0x7d) return undefined;
  let i = end - 2;
  let form: ImapLiteralForm = 'sync';
  const m = s.charCodeAt(i);
  if (m === 0x2b) {
    form = 'nonsync-plus';
    i--;
  } else if (m === 0x2d) {
    form = 'nonsync-minus';
    i--;
  }
  const digitsEnd = i + 1;
  while (i >= 0 && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i--;
  const digitsStart = i + 1;
  if (digitsStart === digitsEnd || i < 0 || s.charCodeAt(i) !== 0x7b) return undefined;
  let start = i;
  if (i > 0 && s.charCodeAt(i - 1) === 0x7e) {
    if (form !== 'sync') return undefined;
    form = 'literal8';
    start = i - 1;
  }
  const digits = s.slice(digitsStart, digitsEnd);
  const huge = digits.length > 16;
  return { start, end, size: huge ? Infinity : Number(digits), form, huge };
}

/** A literal as the value parser sees it: where its announcement ends and what it contained. */
export interface LiteralRef {
  at: number;
  size: number;
  form: ImapLiteralForm;
  /** Kept content (small literals), undefined for big or secret ones. */
  text?: string;
}

export interface ParseError {
  reason: string;
  position: number;
}

export interface ValuesResult {
  values: ImapValue[];
  /** Spacing notes (double/trailing SP, bad escapes), with `arg` = index of the following top-level value. */
  notes: ImapArgNote[];
  error?: ParseError;
  /** Position where parsing stopped (raw.length when it consumed everything). */
  end: number;
  /** Position of the '(' beyond IMAP_LIMITS.MAX_LIST_DEPTH: from there the line is one `invalid` value holding the text. */
  nestingCapped?: number;
}

/**
 * Parses space-separated values from `raw[start..stop)`: atoms (with `[section]` parts and `<partial>`),
 * quoted strings, literals (must end at a recorded literal position), NIL and nested lists.
 * Lenient on spacing (notes it), strict on structure (unbalanced parentheses, unterminated quoted
 * strings and misplaced literal announcements are errors).
 */
export function parseValues(raw: string, start: number, literals: readonly LiteralRef[], stop = raw.length): ValuesResult {
  const notes: ImapArgNote[] = [];
  const top: ImapValue[] = [];
  const stack: Array<{ list: ImapValue[]; pos: number }> = [];
  let cur = top;
  let pos = start;
  let needSep = false;
  while (pos < stop) {
    const c = raw.charCodeAt(pos);
    if (c === SP) {
      let n = pos;
      while (n < stop && raw.charCodeAt(n) === SP) n++;
      if (n - pos > 1) notes.push({ arg: top.length, pos, code: 'double-space', detail: `${n - pos} spaces between arguments` });
      else if (n === stop) notes.push({ arg: top.length, pos, code: 'trailing-space', detail: 'space at the end of the line' });
      pos = n;
      needSep = false;
      continue;
    }
    if (c === 0x29) {
      const open = stack.pop();
      if (!open) return { values: top, notes, error: { reason: "')' without '('", position: pos }, end: pos };
      const list: ImapValue = { t: 'list', v: cur, pos: open.pos };
      cur = open.list;
      cur.push(list);
      pos++;
      needSep = true;
      continue;
    }
    if (needSep && stack.length === 0) {
      // Top-level values must be separated by SP (e.g. `A1 LOGIN "a""b"`).
      return { values: top, notes, error: { reason: 'expected SP between arguments', position: pos }, end: pos };
    }
    if (c === 0x28 && stack.length >= IMAP_LIMITS.MAX_LIST_DEPTH) {
      // Deeper than any real response: the rest is kept as text, so no reader or renderer recurses without bound.
      cur.push({ t: 'invalid', raw: raw.slice(pos, stop), atom: '', reason: `lists nested deeper than ${IMAP_LIMITS.MAX_LIST_DEPTH}: kept as text`, pos });
      while (stack.length > 0) {
        const open = stack.pop()!;
        open.list.push({ t: 'list', v: cur, pos: open.pos });
        cur = open.list;
      }
      return { values: top, notes, end: stop, nestingCapped: pos };
    }
    if (c === 0x28) {
      stack.push({ list: cur, pos });
      cur = [];
      pos++;
      needSep = false;
      continue;
    }
    if (c === 0x22) {
      const q = readQuoted(raw, pos, stop, top.length, notes);
      if ('reason' in q) return { values: top, notes, error: q, end: q.position };
      cur.push(q.value);
      pos = q.end;
      needSep = true;
      continue;
    }
    if (c === 0x7b || (c === 0x7e && raw.charCodeAt(pos + 1) === 0x7b)) {
      const lit = readLiteral(raw, pos, stop, literals);
      if ('reason' in lit) return { values: top, notes, error: lit, end: lit.position };
      cur.push(lit.value);
      pos = lit.end;
      needSep = true;
      continue;
    }
    const wEnd = wordEnd(raw, pos, stop);
    if (wEnd < 0) {
      const error = wordError(raw, pos, wEnd);
      return { values: top, notes, error, end: error.position };
    }
    const word = raw.slice(pos, wEnd);
    cur.push(wEnd - pos === 3 && word.toUpperCase() === 'NIL' ? { t: 'nil', pos } : { t: 'atom', v: word, pos });
    pos = wEnd;
    needSep = true;
  }
  if (stack.length > 0) return { values: top, notes, error: { reason: "'(' not closed", position: stack[stack.length - 1]!.pos }, end: pos };
  return { values: top, notes, end: pos };
}

/** Reads a quoted string at raw[pos] === '"'. Only `\"` and `\\` are escapes (RFC 9051 §9 quoted-specials). */
export function readQuoted(raw: string, pos: number, stop: number, arg: number, notes: ImapArgNote[]): { value: ImapValue & { t: 'quoted' }; end: number } | ParseError {
  let out = '';
  let i = pos + 1;
  let from = i;
  while (i < stop) {
    const c = raw.charCodeAt(i);
    if (c === 0x22) {
      out += raw.slice(from, i);
      return { value: { t: 'quoted', v: out, raw: raw.slice(pos, i + 1), pos }, end: i + 1 };
    }
    if (c === 0x5c) {
      const n = raw.charCodeAt(i + 1);
      out += raw.slice(from, i);
      if (n === 0x22 || n === 0x5c) {
        out += raw[i + 1];
      } else {
        notes.push({ arg, pos: i, code: 'bad-escape', detail: `'\\${raw[i + 1] ?? ''}' is not a valid escape in a quoted string (only \\" and \\\\ are)` });
        out += raw.slice(i, i + 2);
      }
      i += 2;
      from = i;
      continue;
    }
    i++;
  }
  return { reason: 'quoted string not terminated', position: pos };
}

function readLiteral(raw: string, pos: number, stop: number, literals: readonly LiteralRef[]): { value: ImapValue & { t: 'literal' }; end: number } | ParseError {
  const close = raw.indexOf('}', pos);
  if (close < 0 || close >= stop) return { reason: 'literal announcement not terminated', position: pos };
  const ann = trailingLiteral(raw.slice(0, close + 1));
  if (!ann || ann.start !== pos) return { reason: 'invalid literal announcement', position: pos };
  const i = literals.findIndex((l) => l.at === close + 1);
  if (i < 0) return { reason: 'literal announcement not at the end of a line', position: pos };
  const l = literals[i]!;
  const value: ImapValue & { t: 'literal' } = { t: 'literal', i, size: l.size, form: l.form, pos };
  if (l.text !== undefined) value.v = l.text;
  return { value, end: close + 1 };
}

/** wordEnd's answer for a '[' that is not closed (a control character at i gives -(i + 2)). */
const WORD_UNCLOSED = -1;

/**
 * Reads an atom-like word: up to SP, '(' , ')' or the end; a '[' opens a section that runs to its
 * matching ']' and may hold spaces and parentheses (`BODY[HEADER.FIELDS (FROM TO)]<0.100>`).
 * Returns where it ends, or a negative number when it is not a valid word (wordError says why): a
 * number, not an object, as this runs for every atom of every line.
 */
function wordEnd(raw: string, pos: number, stop: number): number {
  let i = pos;
  let depth = 0;
  while (i < stop) {
    const c = raw.charCodeAt(i);
    if (c === 0x5b) depth++;
    else if (c === 0x5d && depth > 0) depth--;
    else if (depth === 0 && (c === SP || c === 0x28 || c === 0x29)) break;
    else if (c === 0x0d || c === 0x0a || c === 0) return -(i + 2);
    i++;
  }
  return depth > 0 ? WORD_UNCLOSED : i;
}

/** Why the word at `pos` is not valid, from wordEnd's negative answer `end`. */
function wordError(raw: string, pos: number, end: number): ParseError {
  if (end === WORD_UNCLOSED) return { reason: "'[' not closed", position: pos };
  const i = -end - 2;
  return { reason: `control character 0x${raw.charCodeAt(i).toString(16).padStart(2, '0')} in an atom`, position: i };
}

/** resp-text = ["[" resp-text-code "]" SP] text (RFC 9051 §9), parsed from raw[pos..]. */
export function parseRespText(raw: string, pos: number): { code?: ImapResponseCode; text: string } {
  if (raw.charCodeAt(pos) === 0x5b) {
    const close = raw.indexOf(']', pos + 1);
    if (close > 0) {
      const inner = raw.slice(pos + 1, close);
      const sp = inner.indexOf(' ');
      const code: ImapResponseCode = { name: (sp < 0 ? inner : inner.slice(0, sp)).toUpperCase(), raw: inner };
      const args = sp < 0 ? '' : inner.slice(sp + 1).trim();
      if (args) code.args = args;
      let t = close + 1;
      if (raw.charCodeAt(t) === SP) t++;
      return { code, text: raw.slice(t) };
    }
  }
  return { text: raw.slice(pos) };
}

/** Text of a string-ish value (atom, quoted, literal content, NIL = null). */
export function valueText(v: ImapValue | undefined): string | null | undefined {
  if (!v) return undefined;
  switch (v.t) {
    case 'atom':
      return v.v;
    case 'quoted':
      return v.v;
    case 'literal':
      return v.v;
    case 'nil':
      return null;
    case 'invalid':
      return v.raw;
    default:
      return undefined;
  }
}

/** `("name" "value" ...)` or NIL (RFC 2971 ID parameters) → record with lower-cased names. */
export function idParams(v: ImapValue | undefined): Record<string, string | null> | null | undefined {
  if (!v) return undefined;
  if (v.t === 'nil') return null;
  if (v.t !== 'list') return undefined;
  const out: Record<string, string | null> = {};
  for (let i = 0; i + 1 < v.v.length; i += 2) {
    const k = valueText(v.v[i]);
    if (typeof k !== 'string') continue;
    const val = valueText(v.v[i + 1]);
    out[k.toLowerCase()] = val === undefined ? null : val;
  }
  return out;
}
