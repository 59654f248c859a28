/**
 * The client sent a cleartext login the server had said it would not accept (IMAP LOGINDISABLED;
 * POP3 a CAPA without USER, or an earlier refusal of cleartext), so the password crossed the wire
 * for nothing.
 */
import type { Conversation } from '../../model/conversation.js';
import type { FindingDraft } from '../rule.js';
import { lookupReply } from '../knowledge/lookup.js';
import type { VendorFindingId } from '../knowledge/reply-knowledge.js';
import { capabilitiesAt, loginViews, replyContextOf } from '../view.js';

/** Knowledge-base findings that mean "this server refuses cleartext login here". */
const CLEARTEXT_REFUSALS: ReadonlySet<VendorFindingId> = new Set([
  'exchange.plaintext-login-disabled',
  'dovecot.plaintext-disallowed',
  'cyrus.plaintext-disallowed',
  'courier.tls-required',
]);

export function loginDisabledIgnoredDrafts(conv: Conversation): FindingDraft[] {
  const out: FindingDraft[] = [];
  let refusedAt: number | undefined;
  for (const v of loginViews(conv)) {
    const cleartextCommand = conv.protocol === 'imap' ? v.command === 'LOGIN' : v.command === 'USER/PASS';
    if (cleartextCommand && !v.encrypted) {
      const caps = capabilitiesAt(conv, v.exchange.commandFrame);
      const advertisedOff = caps !== undefined && (conv.protocol === 'imap' ? caps.list.has('LOGINDISABLED') : ![...caps.list].some((c) => c === 'USER' || c.startsWith('USER ')));
      if (advertisedOff || refusedAt !== undefined) {
        const why = advertisedOff
          ? conv.protocol === 'imap'
            ? `the server advertised LOGINDISABLED at frame ${caps!.frame}`
            : `the server's CAPA at frame ${caps!.frame} did not offer USER`
          : `the server had already refused cleartext login at frame ${refusedAt}`;
        out.push({
          frames: v.frames.slice(0, 2),
          events: v.exchange.commandEvent >= 0 ? [v.exchange.commandEvent] : [],
          message: `The client sent ${v.command}${v.user !== undefined ? ` for "${v.user}"` : ''} in cleartext although ${why}.`,
          args: { method: v.command, reason: advertisedOff ? 'advertised' : 'refused-before' },
        });
      }
    }
    if (v.outcome === 'failed' && refusedAt === undefined) {
      const ctx = replyContextOf(conv, v.exchange);
      const kb = ctx ? lookupReply(ctx) : undefined;
      if (kb?.finding && CLEARTEXT_REFUSALS.has(kb.finding)) refusedAt = v.exchange.completionFrame;
    }
  }
  return out;
}
