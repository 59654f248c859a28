/**
 * The one place secrets leave the model. Every report renders a conversation only after it went
 * through redactConversation (unless the user asked for secrets with --show-secrets).
 */
import type { AuthAttempt, Conversation, DialogueEvent } from './conversation.js';

export const REDACTED = '<redacted>';

/** Replaces the secret spans of a line with a marker; spans may come in any order. */
export function redactLine(raw: string, spans: DialogueEvent['secrets']): string {
  if (!spans || spans.length === 0) return raw;
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let out = '';
  let pos = 0;
  for (const s of sorted) {
    const start = Math.max(pos, Math.min(s.start, raw.length));
    const end = Math.max(start, Math.min(s.end, raw.length));
    out += raw.slice(pos, start);
    if (end > start || s.end > s.start) out += REDACTED;
    pos = Math.max(pos, end);
  }
  return out + raw.slice(pos);
}

function redactEvent(e: DialogueEvent): DialogueEvent {
  const secretLiteral = e.literals?.some((l) => l.secret);
  // Nothing secret: the event itself (a copy would be identical; most events are like this).
  if (!e.secrets?.length && !secretLiteral) return e;
  const copy: DialogueEvent = { ...e };
  if (e.secrets?.length) copy.raw = redactLine(e.raw, e.secrets);
  if (secretLiteral) {
    copy.literals = e.literals!.map((l) => {
      if (!l.secret) return l;
      const { text: _text, ...rest } = l;
      return { ...rest, head: REDACTED };
    });
  }
  // Parsed forms repeat the arguments; a secret may hide in them, so they go when anything is secret.
  if (e.secrets?.length || secretLiteral) delete copy.parsed;
  return copy;
}

function redactAuth(a: AuthAttempt): AuthAttempt {
  const copy: AuthAttempt = { ...a };
  if (a.secret) {
    const { value: _value, ...facts } = a.secret;
    copy.secret = facts;
  }
  if (a.crackable) copy.crackable = { format: a.crackable.format };
  return copy;
}

/** A copy of the conversation with every marked secret removed (the original is not changed). */
export function redactConversation(c: Conversation): Conversation {
  return {
    ...c,
    events: c.events.map(redactEvent),
    auth: c.auth.map(redactAuth),
  };
}
