/** The client cancelled a SASL exchange with `*` (imap.auth-cancelled, pop3.auth-cancelled). */
import type { Conversation } from '../../model/conversation.js';
import type { FindingDraft } from '../rule.js';
import { exchangeEvents, exchangeFrames } from '../view.js';

export function authCancelledDrafts(conv: Conversation): FindingDraft[] {
  return conv.auth
    .filter((a) => a.outcome === 'cancelled')
    .map((a) => {
      const ex = conv.exchanges[a.exchange];
      return {
        frames: ex ? exchangeFrames(ex) : a.frames.slice(0, 2),
        events: ex ? exchangeEvents(ex) : [],
        message: `The client cancelled ${a.method}${a.mechanism ? ` ${a.mechanism}` : ''} (it answered the server's challenge with "*").`,
        args: { mechanism: a.mechanism ?? '' },
      };
    });
}
