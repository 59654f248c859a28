/** Commands the protocol does not have (imap.unknown-command, pop3.unknown-command, smtp.unknown-command). */
import type { Conversation, MailProtocol } from '../../model/conversation.js';
import type { FindingDraft } from '../rule.js';
import { lookupReply } from '../knowledge/lookup.js';
import { exchangeEvents, exchangeFrames, imapCommandOf, pop3CommandOf, replyContextOf } from '../view.js';
import { firstSentence, replyText } from './describe.js';
import { nearestCommand } from './nearest-command.js';

export function unknownCommandDrafts(conv: Conversation, protocol: MailProtocol): FindingDraft[] {
  const out: FindingDraft[] = [];
  for (const ex of conv.exchanges) {
    if (ex.known) continue;
    // The command name as sent (original case); never the arguments, which may hold a password.
    const sent = (protocol === 'imap' ? imapCommandOf(conv, ex)?.nameRaw : protocol === 'pop3' ? pop3CommandOf(conv, ex)?.command : undefined) ?? ex.command;
    const meant = nearestCommand(protocol, ex.command.toUpperCase());
    const reply = ex.status !== undefined ? replyText(ex.status, ex.responseCode, ex.responseText) : undefined;
    const ctx = replyContextOf(conv, ex);
    const kb = ctx ? lookupReply(ctx) : undefined;
    const args: Record<string, string | number | boolean> = { command: sent, suggestion: meant ?? '', reply: reply ?? '' };
    if (kb) Object.assign(args, { knowledge: kb.key, meaning: kb.meaning, fix: kb.fix });
    out.push({
      frames: exchangeFrames(ex),
      events: exchangeEvents(ex),
      message: `${protocol.toUpperCase()} has no command "${sent}"${meant ? `; ${meant} was probably meant` : ''}${reply ? `. The server answered "${reply}"` : ''}${kb ? ` (${firstSentence(kb.meaning)})` : ''}.`,
      args,
    });
  }
  return out;
}
