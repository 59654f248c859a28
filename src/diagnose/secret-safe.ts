/**
 * Helpers that let findings talk about lines and credentials without ever showing a secret.
 * Every finding message that quotes a client line goes through `safeLine`.
 */
import type { DialogueEvent, SecretFacts } from '../model/conversation.js';
import { REDACTED, redactLine } from '../model/redact.js';

export { REDACTED };
/** Longest quotation a one-line message carries; longer lines are cut with an ellipsis. */
export const MAX_QUOTE_CHARS = 160;

/**
 * The event's raw line with every secret span replaced by REDACTED, cut to MAX_QUOTE_CHARS.
 * Client lines that belong to a SASL exchange (base64 responses) are fully replaced when the
 * dissector marked them, and anything after a redacted span on a line is kept.
 */
export function safeLine(ev: DialogueEvent | undefined): string {
  if (!ev) return '';
  return clip(redactLine(ev.raw, ev.secrets));
}

/** Cuts text to MAX_QUOTE_CHARS characters, adding an ellipsis. */
export function clip(text: string, max = MAX_QUOTE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Facts about a password that can be said aloud: "an 11-character password with a trailing space". */
export function describeSecret(s: SecretFacts, noun = 'password'): string {
  const traits: string[] = [];
  if (s.leadingSpace) traits.push('a leading space');
  if (s.trailingSpace) traits.push('a trailing space');
  if (s.nonAscii) traits.push('non-ASCII characters');
  const head = `${article(s.length)} ${s.length}-character ${noun}`;
  return traits.length ? `${head} with ${traits.join(' and ')}` : head;
}

/** 'an' before numbers read with a leading vowel sound (8, 11, 18, 80-89, 800...), else 'a'. */
function article(n: number): string {
  const t = String(n);
  return t.startsWith('8') || n === 11 || n === 18 || /^1[18]\d{3}$/.test(t) ? 'an' : 'a';
}

/** The classes of characters in a value, named without showing it (for a password). */
export function characterClasses(value: string, chars: readonly string[]): string[] {
  const names: string[] = [];
  for (const c of chars) if (value.includes(c)) names.push(charName(c));
  return names;
}

const CHAR_NAMES: Record<string, string> = {
  '\\': 'backslash',
  '"': 'double quote',
  ' ': 'space',
  '(': 'opening parenthesis',
  ')': 'closing parenthesis',
  '{': 'opening brace',
  '%': 'percent sign',
  '*': 'asterisk',
  ']': 'closing bracket',
};

/** A character's name in words (`\` → 'backslash'); control characters as 'control character'. */
export function charName(c: string): string {
  const n = CHAR_NAMES[c];
  if (n) return n;
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return 'control character';
  if (code > 0x7f) return 'non-ASCII character';
  return `'${c}'`;
}
