/**
 * Which message a piece of streamed content is, from the protocol text around it: an IMAP FETCH
 * item (`* 12 FETCH (UID 7 BODY[] {2345}`), an APPEND message literal, or a POP3 RETR/TOP body.
 * Pure functions over the ContentStart/ContentEnd texts; the IMAP value grammar is the dissector's.
 */
import { parseValues, type LiteralRef } from '../protocols/imap/grammar.js';
import type { ImapValue } from '../protocols/imap/types.js';
import type { ContentStart } from '../protocols/dissector.js';

export interface MessageIdentity {
  /** 'message': a whole message; 'part': a partial fetch (BODY[HEADER], <0.1024>, RFC822.TEXT, TOP). */
  kind: 'message' | 'part';
  /** 'FETCH' | 'APPEND' | 'RETR' | 'TOP' | 'DATA' | 'BDAT'. */
  command: string;
  /** The FETCH item as the server named it (`BODY[]`, `BINARY[]`, `RFC822`, `BODY[HEADER]`...). */
  item?: string;
  /** IMAP message sequence number (FETCH responses). */
  sequence?: number;
  /** POP3 message number (RETR/TOP). */
  pop3Number?: number;
}

/** FETCH items that hold a whole message (BODY.PEEK[] is answered as BODY[]). RFC 9051 §7.5.2, RFC 3516. */
const WHOLE_ITEMS = new Set(['BODY[]', 'BINARY[]', 'RFC822']);
/** Items that hold part of a message. */
const PART_ITEM = /^(BODY|BINARY)\[[^\]]*\](<\d+>)?$|^RFC822\.(HEADER|TEXT)$|^BODY\[\]<\d+>$/;

/** Every literal announcement in a line text, as the grammar parser wants them (quoted strings may produce extras: harmless). */
function literalRefs(text: string): LiteralRef[] {
  const refs: LiteralRef[] = [];
  for (const m of text.matchAll(/~?\{(\d+)([+-]?)\}/g)) {
    refs.push({ at: m.index + m[0].length, size: Number(m[1]), form: m[0].startsWith('~') ? 'literal8' : m[2] === '+' ? 'nonsync-plus' : m[2] === '-' ? 'nonsync-minus' : 'sync' });
  }
  return refs;
}

/** The top-level values of a parenthesised list that starts at text[0], closing what the context leaves open. */
function listValues(text: string): ImapValue[] | undefined {
  const r = parseValues(text + ')', 0, literalRefs(text));
  if (r.error) return undefined;
  const list = r.values[0];
  return list?.t === 'list' ? list.v : undefined;
}

const FETCH_HEAD = /^\* (\d+) FETCH \(/i;

/** What an IMAP literal is, from its ContentStart (undefined: not message content, e.g. a LOGIN literal or a nested string). */
export function imapIdentity(start: Pick<ContentStart, 'side' | 'context'>): MessageIdentity | undefined {
  if (start.side === 'S') {
    const m = FETCH_HEAD.exec(start.context);
    if (!m) return undefined;
    const values = listValues(start.context.slice(m[0].length - 1));
    // The literal must be a top-level item value: `NAME {n}` (not inside BODYSTRUCTURE or ENVELOPE).
    if (!values || values.length < 2 || values[values.length - 1]!.t !== 'literal') return undefined;
    const name = values[values.length - 2]!;
    if (name.t !== 'atom') return undefined;
    const item = name.v.toUpperCase();
    const base = { command: 'FETCH', item: name.v, sequence: Number(m[1]) };
    if (WHOLE_ITEMS.has(item)) return { kind: 'message', ...base };
    if (PART_ITEM.test(item)) return { kind: 'part', ...base };
    return undefined;
  }
  const m = /^\S+ +APPEND +/i.exec(start.context);
  if (!m) return undefined;
  // The arguments as a list: mailbox, then per message [flags] [date-time] literal (RFC 3502 MULTIAPPEND).
  const values = listValues('(' + start.context.slice(m[0].length));
  if (values && values.length >= 2 && values[values.length - 1]!.t === 'literal') return { kind: 'message', command: 'APPEND' };
  // RFC 6855: `UTF8 (~{n}` — the message literal inside a list after the atom UTF8.
  const nested = listValues('(' + start.context.slice(m[0].length) + ')');
  const last = nested?.[nested.length - 1];
  const before = nested?.[nested.length - 2];
  if (last?.t === 'list' && before?.t === 'atom' && before.v.toUpperCase() === 'UTF8' && last.v.length === 1 && last.v[0]!.t === 'literal') {
    return { kind: 'message', command: 'APPEND' };
  }
  return undefined;
}

/** The UID of a FETCH response line (the whole logical line, items after the literal included). */
export function fetchUid(line: string): number | undefined {
  const m = FETCH_HEAD.exec(line);
  if (!m) return undefined;
  const text = line.slice(m[0].length - 1);
  const r = parseValues(text, 0, literalRefs(text));
  const list = r.values[0];
  const values = list?.t === 'list' ? list.v : undefined;
  if (!values) {
    // A line cut short (or unparseable): the UID may still come before the cut.
    const u = /[( ]UID (\d+)\b/i.exec(text);
    return u ? Number(u[1]) : undefined;
  }
  for (let i = 0; i + 1 < values.length; i++) {
    const k = values[i]!;
    const v = values[i + 1]!;
    if (k.t === 'atom' && k.v.toUpperCase() === 'UID' && v.t === 'atom' && /^\d+$/.test(v.v)) return Number(v.v);
  }
  return undefined;
}

/** What a POP3 body is, from its command (`RETR 3`, `TOP 3 10`). */
/** An SMTP message (DATA content or BDAT chunks): always a whole message, sent by the client. */
export function smtpIdentity(context: string): MessageIdentity | undefined {
  return context === 'DATA' || context === 'BDAT' ? { kind: 'message', command: context } : undefined;
}

export function pop3Identity(context: string): MessageIdentity | undefined {
  const m = /^(RETR|TOP) +(\d+)\b/i.exec(context);
  if (!m) return undefined;
  const command = m[1]!.toUpperCase();
  return { kind: command === 'RETR' ? 'message' : 'part', command, pop3Number: Number(m[2]) };
}
