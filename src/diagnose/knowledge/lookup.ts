/** Finds what the knowledge base knows about one server reply. */
import type { ReplyContext, ReplyKnowledge } from './reply-knowledge.js';
import { SERVER_REPLIES } from './server-replies.js';

/**
 * The first entry (in SERVER_REPLIES order: specific before generic) that matches the reply, or
 * undefined. Pure: no state, no I/O. Trailing whitespace of the text is ignored.
 */
export function lookupReply(r: ReplyContext, entries: readonly ReplyKnowledge[] = SERVER_REPLIES): ReplyKnowledge | undefined {
  const text = r.text.trim();
  for (const e of entries) {
    if (e.protocol !== 'any' && e.protocol !== r.protocol) continue;
    if (e.products !== 'any' && !e.products.includes(r.product)) continue;
    if (e.status && !e.status.test(r.status)) continue;
    if (e.code && (r.code === undefined || !e.code.test(r.code))) continue;
    if (e.text && !e.text.test(text)) continue;
    if (e.when && !e.when(r)) continue;
    return e;
  }
  return undefined;
}

export type { ReplyContext, ReplyKnowledge, VendorFindingId } from './reply-knowledge.js';
export { SERVER_REPLIES } from './server-replies.js';
