/** STARTTLS / STLS refused by the server (imap.starttls-failed, pop3.starttls-failed, smtp.starttls-failed). */
import type { Conversation } from '../../model/conversation.js';
import type { FindingDraft } from '../rule.js';
import { exchangeEvents, exchangeFrames, loginViews, succeeded } from '../view.js';
import { replyText } from './describe.js';

export function starttlsFailedDrafts(conv: Conversation, command: 'STARTTLS' | 'STLS'): FindingDraft[] {
  const out: FindingDraft[] = [];
  for (const ex of conv.exchanges) {
    if (ex.command !== command || ex.status === undefined || succeeded(conv, ex.status)) continue;
    const later = loginViews(conv).some((v) => v.exchange.n > ex.n && !v.encrypted);
    out.push({
      frames: exchangeFrames(ex),
      events: exchangeEvents(ex),
      message: `The server refused ${command}: "${replyText(ex.status, ex.responseCode, ex.responseText)}"${later ? '; the client then logged in without encryption' : ''}.`,
      args: { status: ex.status, responseText: ex.responseText ?? '', cleartextAfter: later },
    });
  }
  return out;
}
