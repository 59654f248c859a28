/**
 * Every non-OK server status the conversation holds (tagged completions and untagged NO/BAD/BYE;
 * POP3 -ERR answers; SMTP 4xx/5xx replies), each with its ReplyContext and knowledge-base entry. Shared by the vendor
 * rules and imap.bad-response / imap.server-bye.
 */
import type { Conversation, Exchange } from '../../model/conversation.js';
import { lookupReply, type ReplyContext, type ReplyKnowledge } from '../knowledge/lookup.js';
import { imapParsed, replyContextOf, succeeded } from '../view.js';
import { memoInPass } from '../run-memo.js';

export interface ServerReply {
  /** The status event (completion or untagged line). */
  event: number;
  frame: number;
  /** The exchange it belongs to (answers, or arrived while it was in flight). */
  exchange?: Exchange;
  tagged: boolean;
  ctx: ReplyContext;
  kb?: ReplyKnowledge;
}

const UNTAGGED_STATUS = new Set(['NO', 'BAD', 'BYE']);

/** The conversation's failed replies (read-only: memoised within a pass of the rules). */
export const failedReplies: (conv: Conversation) => readonly ServerReply[] = memoInPass(collectFailedReplies);

function collectFailedReplies(conv: Conversation): ServerReply[] {
  const out: ServerReply[] = [];
  for (const ex of conv.exchanges) {
    if (ex.status === undefined || succeeded(conv, ex.status) || ex.completionEvent === undefined) continue;
    const ctx = replyContextOf(conv, ex);
    if (!ctx) continue;
    const r: ServerReply = { event: ex.completionEvent, frame: ex.completionFrame ?? ex.commandFrame, exchange: ex, tagged: true, ctx };
    const kb = lookupReply(ctx);
    if (kb) r.kb = kb;
    out.push(r);
  }
  if (conv.protocol === 'imap') {
    for (const ev of conv.events) {
      if (ev.side !== 'S' || ev.kind !== 'line') continue;
      const p = imapParsed(ev);
      if (p?.type !== 'untagged' || !UNTAGGED_STATUS.has(p.name)) continue;
      if (conv.greeting?.event === ev.n) continue;
      const ex = ev.exchange !== undefined ? conv.exchanges[ev.exchange] : undefined;
      const base = ex ? replyContextOf(conv, ex) : undefined;
      const ctx: ReplyContext = {
        ...(base ?? { product: 'unknown', protocol: 'imap', serverPort: conv.server.port, encrypted: false }),
        status: p.name,
        text: p.text ?? '',
      } as ReplyContext;
      if (p.code) ctx.code = p.code.raw;
      else delete ctx.code;
      const r: ServerReply = { event: ev.n, frame: ev.frame, tagged: false, ctx };
      if (ex) r.exchange = ex;
      const kb = lookupReply(ctx);
      if (kb) r.kb = kb;
      out.push(r);
    }
  }
  return out.sort((a, b) => a.event - b.event);
}
