/** The parts of an exchange every mechanism needs: messages in order, decoded, and a blank result. */
import { decodeBase64, displayText } from './codec.js';
import { SASL_LIMITS } from './limits.js';
import type { SaslExchange, SaslResult } from './index.js';

/** One SASL message as decoded from its line. */
export interface SaslMessage {
  side: 'C' | 'S';
  /** The line as sent (client: whole line; server: text after '+ '; initial response included). */
  text: string;
  /** Decoded payload; undefined when the text is not base64 (see `error`) or too long. */
  bytes?: Uint8Array;
  /** Why `bytes` is missing. */
  error?: string;
}

/**
 * The exchange as a list of messages in wire order: the initial response first (as a client
 * message; '=' is the empty response), then the steps. The client's '*' (cancel) is dropped: it is
 * not a SASL message. At most MAX_STEPS are kept; longer steps than MAX_STEP_CHARS are not decoded.
 */
export function messagesOf(x: SaslExchange, errors: string[]): SaslMessage[] {
  const raw: Array<{ side: 'C' | 'S'; text: string; initial: boolean }> = [];
  if (x.initialResponse !== undefined) raw.push({ side: 'C', text: x.initialResponse, initial: true });
  for (const s of x.steps) raw.push({ side: s.side, text: s.text, initial: false });
  if (raw.length > SASL_LIMITS.MAX_STEPS) {
    errors.push(`exchange has ${raw.length} steps; only the first ${SASL_LIMITS.MAX_STEPS} (MAX_STEPS) were decoded`);
    raw.length = SASL_LIMITS.MAX_STEPS;
  }
  const out: SaslMessage[] = [];
  for (const r of raw) {
    const text = r.text;
    if (r.side === 'C' && text.trim() === '*') continue;
    if (text.length > SASL_LIMITS.MAX_STEP_CHARS) {
      out.push({ side: r.side, text, error: `${text.length} characters, over MAX_STEP_CHARS (${SASL_LIMITS.MAX_STEP_CHARS}): not decoded` });
      continue;
    }
    if (r.initial && text === '=') {
      out.push({ side: r.side, text, bytes: new Uint8Array(0) });
      continue;
    }
    const d = decodeBase64(text);
    out.push(d.ok ? { side: r.side, text, bytes: d.bytes } : { side: r.side, text, error: d.error });
  }
  return out;
}

/** The decoded bytes of a message, or undefined with an error recorded naming the message. */
export function payload(m: SaslMessage | undefined, what: string, errors: string[]): Uint8Array | undefined {
  if (m === undefined) return undefined;
  if (m.bytes === undefined) {
    errors.push(`${what}: ${m.error ?? 'not decoded'}`);
    return undefined;
  }
  return m.bytes;
}

/** A result with nothing learnt yet. */
export function newResult(x: SaslExchange): SaslResult {
  const r: SaslResult = { mechanism: x.mechanism.toUpperCase(), cleartextSecret: false, details: {}, errors: [] };
  if (x.cancelled) r.details.cancelled = 'client cancelled with *';
  return r;
}

/** Records a non-secret fact, display-safe and length-capped (MAX_DETAIL_CHARS). */
export function setDetail(r: SaslResult, key: string, value: string): void {
  r.details[key] = displayText(value, SASL_LIMITS.MAX_DETAIL_CHARS);
}
