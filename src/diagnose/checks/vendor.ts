/** Vendor findings raised by knowledge-base entries (exchange.*, m365.*, gmail.*, dovecot.*...). */
import type { Conversation } from '../../model/conversation.js';
import type { FindingDraft, RuleContext } from '../rule.js';
import type { VendorFindingId } from '../knowledge/reply-knowledge.js';
import { serverProduct } from '../knowledge/products.js';
import { clip } from '../secret-safe.js';
import { failedReplies } from './server-replies.js';
import { firstSentence, replyText } from './describe.js';

/** One finding per conversation for `id`, pointing at every reply that raised it. */
export function vendorDrafts(conv: Conversation, id: VendorFindingId, ctx: RuleContext): FindingDraft[] {
  const hits = failedReplies(conv).filter((r) => r.kb?.finding === id);
  if (hits.length === 0) return [];
  const first = hits[0]!;
  const kb = first.kb!;
  const quoted = clip(replyText(first.ctx.status, first.ctx.code, first.ctx.text));
  const product = serverProduct(conv);
  // The fix may name the server: fill in what the user told us (--server-name).
  const fix = ctx.options.serverName ? kb.fix.replaceAll('<server FQDN>', ctx.options.serverName) : kb.fix;
  return [{
    frames: hits.map((h) => h.frame).slice(0, 8),
    events: hits.flatMap((h) => (h.exchange && h.exchange.commandEvent >= 0 ? [h.exchange.commandEvent, h.event] : [h.event])).slice(0, 8),
    message: `${product.key === 'unknown' ? 'The server' : product.name} answered${first.exchange ? ` ${first.exchange.command}` : ''} with "${quoted}": ${firstSentence(kb.meaning)}`,
    args: { knowledge: kb.key, reply: quoted, meaning: kb.meaning, fix, count: hits.length },
  }];
}
