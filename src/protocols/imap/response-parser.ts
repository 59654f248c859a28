/**
 * Parses one logical server line (RFC 9051 §7): continuation request, untagged response or tagged
 * completion. Never throws: what does not fit the grammar comes back as ImapMalformed.
 */
import { idParams, isTag, parseRespText, parseValues, type LiteralRef } from './grammar.js';
import type { ImapParsed, ImapUntagged } from './types.js';

/** Untagged responses whose rest is resp-text (RFC 9051 §7.1). */
const STATUS_NAMES = new Set(['OK', 'NO', 'BAD', 'BYE', 'PREAUTH']);
/** `* n NAME` message-data / mailbox-data with a number first (RFC 9051 §7.3, §7.4). */
const NUMBERED = new Set(['EXISTS', 'RECENT', 'EXPUNGE', 'FETCH']);

/** Parses a server line. `raw` has no line end; `literals` are the literals announced inside it. */
export function parseServerLine(raw: string, literals: readonly LiteralRef[]): ImapParsed {
  if (raw.length === 0) return { type: 'malformed', reason: 'empty line', position: 0 };
  if (raw.charCodeAt(0) === 0x2b) {
    // continue-req = "+" SP (resp-text / base64) CRLF; a bare "+" is common and tolerated.
    const rt = parseRespText(raw, raw.charCodeAt(1) === 0x20 ? 2 : 1);
    return rt.code ? { type: 'continuation', code: rt.code, text: rt.text } : { type: 'continuation', text: rt.text };
  }
  const sp = raw.indexOf(' ');
  const tag = sp < 0 ? raw : raw.slice(0, sp);
  if (tag === '*') return parseUntagged(raw, sp + 1, literals);
  if (sp < 0) return { type: 'malformed', reason: 'response without status', position: raw.length };
  if (!isTag(tag)) return { type: 'malformed', reason: 'invalid tag in response', position: 0 };
  const sp2 = raw.indexOf(' ', sp + 1);
  const status = (sp2 < 0 ? raw.slice(sp + 1) : raw.slice(sp + 1, sp2)).toUpperCase();
  if (status !== 'OK' && status !== 'NO' && status !== 'BAD') return { type: 'malformed', reason: `unknown completion status '${status.slice(0, 20)}'`, position: sp + 1 };
  const rt = parseRespText(raw, sp2 < 0 ? raw.length : sp2 + 1);
  const out: ImapParsed = { type: 'completion', tag, status, text: rt.text };
  if (rt.code) out.code = rt.code;
  return out;
}

function parseUntagged(raw: string, pos: number, literals: readonly LiteralRef[]): ImapParsed {
  if (pos <= 0 || pos >= raw.length) return { type: 'malformed', reason: 'untagged response without content', position: raw.length };
  let sp = raw.indexOf(' ', pos);
  let word = sp < 0 ? raw.slice(pos) : raw.slice(pos, sp);
  let num: number | undefined;
  if (/^\d+$/.test(word)) {
    num = Number(word);
    if (sp < 0) return { type: 'malformed', reason: 'number without response name', position: raw.length };
    pos = sp + 1;
    sp = raw.indexOf(' ', pos);
    word = sp < 0 ? raw.slice(pos) : raw.slice(pos, sp);
  }
  const name = word.toUpperCase();
  const rest = sp < 0 ? raw.length : sp + 1;
  if (num !== undefined) {
    if (!NUMBERED.has(name) && !/^[A-Z][A-Z0-9.=-]*$/.test(name)) return { type: 'malformed', reason: `unknown numbered response '${word.slice(0, 20)}'`, position: pos };
    const out: ImapUntagged = { type: 'untagged', name, number: num };
    if (rest < raw.length) {
      const r = parseValues(raw, rest, literals);
      if (r.error) return { type: 'malformed', reason: r.error.reason, position: r.error.position };
      out.values = r.values;
      if (r.nestingCapped !== undefined) out.nestingCapped = r.nestingCapped;
    } else if (name === 'FETCH') {
      return { type: 'malformed', reason: 'FETCH without data', position: raw.length };
    }
    return out;
  }
  if (STATUS_NAMES.has(name)) {
    const rt = parseRespText(raw, rest);
    const out: ImapUntagged = { type: 'untagged', name, text: rt.text };
    if (rt.code) out.code = rt.code;
    return out;
  }
  if (name === 'CAPABILITY' || name === 'ENABLED') {
    const caps = raw.slice(rest).split(' ').filter((c) => c.length > 0);
    return { type: 'untagged', name, capabilities: sp < 0 ? [] : caps };
  }
  if (!/^[A-Za-z][A-Za-z0-9.=_-]*$/.test(word)) return { type: 'malformed', reason: `invalid response name '${word.slice(0, 20)}'`, position: pos };
  const out: ImapUntagged = { type: 'untagged', name };
  if (rest < raw.length) {
    const r = parseValues(raw, rest, literals);
    if (r.error) return { type: 'malformed', reason: r.error.reason, position: r.error.position };
    out.values = r.values;
    if (r.nestingCapped !== undefined) out.nestingCapped = r.nestingCapped;
    if (name === 'ID') {
      const id = idParams(r.values[0]);
      if (id !== undefined) out.id = id;
    }
  }
  return out;
}
