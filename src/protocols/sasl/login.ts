/**
 * LOGIN (draft-murchison-sasl-login): the server prompts "Username:" then "Password:" (base64, or
 * an empty '+'), the client answers each in base64. With SASL-IR the username is the initial
 * response. Some client/server pairs (corpus protolens/imap_fetch.pcap) exchange the prompts and
 * replies as raw text instead of base64; that is detected and the raw text is used.
 */
import { bytesToText, decodeBase64, isPrintableText } from './codec.js';
import { messagesOf, newResult, type SaslMessage } from './exchange.js';
import type { SaslExchange, SaslResult } from './index.js';

type Role = 'user' | 'password' | undefined;

/** Decodes a LOGIN exchange: user and password (cleartext), whatever the encoding used. */
export function decodeLogin(x: SaslExchange): SaslResult {
  const r = newResult(x);
  const msgs = messagesOf(x, r.errors);
  const prompts = msgs.filter((m) => m.side === 'S' && m.text.trim() !== '');
  // A prompt that is not base64 of text means this server speaks raw text: so does its client.
  const rawPrompts = prompts.some((m) => m.bytes === undefined || !isPrintableText(m.bytes));
  if (rawPrompts) r.details.promptEncoding = 'raw text (not base64)';
  let lastPrompt: Role;
  let position = 0;
  let rawReplies = 0;
  for (const m of msgs) {
    if (m.side === 'S') {
      lastPrompt = roleOfPrompt(m, rawPrompts);
      continue;
    }
    const { text, raw } = replyText(m, rawPrompts);
    if (raw) rawReplies++;
    const role: Role = lastPrompt ?? (position === 0 ? 'user' : position === 1 ? 'password' : undefined);
    position++;
    lastPrompt = undefined;
    if (role === 'user' && r.user === undefined) r.user = text;
    else if (role === 'password' && r.secret === undefined) {
      r.secret = { kind: 'password', value: text };
      r.cleartextSecret = true;
    } else r.errors.push(`LOGIN: unexpected client message #${position}`);
  }
  if (rawReplies > 0) r.details.replyEncoding = 'raw text (not base64)';
  if (r.user === undefined && !x.cancelled) r.errors.push('LOGIN: no username sent');
  return r;
}

function roleOfPrompt(m: SaslMessage, raw: boolean): Role {
  const text = raw || m.bytes === undefined ? m.text : bytesToText(m.bytes);
  if (/pass/i.test(text)) return 'password';
  if (/user|name|login/i.test(text)) return 'user';
  return undefined;
}

/**
 * The reply as typed by the user. Base64 is trusted only when the server speaks base64 and the
 * decoded bytes are printable text: a raw username like "aaaatremely…" is valid base64 too, but
 * decodes to binary noise.
 */
function replyText(m: SaslMessage, rawPrompts: boolean): { text: string; raw: boolean } {
  if (!rawPrompts) {
    const d = m.bytes !== undefined ? { ok: true as const, bytes: m.bytes } : decodeBase64(m.text);
    if (d.ok && isPrintableText(d.bytes)) return { text: bytesToText(d.bytes), raw: false };
  }
  return { text: m.text, raw: m.text !== '' };
}
