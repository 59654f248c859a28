import type { Conversation } from '../../model/conversation.js';
import { defineRule, type FindingDraft } from '../rule.js';
import { anomaliesOf } from '../checks/anomalies.js';
import { replyText } from '../checks/describe.js';
import { exchangeEvents, exchangeFrames } from '../view.js';

/** 552 (exceeded storage allocation) or enhanced codes X.3.4 (message too big for system) / X.2.3 (exceeds mailbox size). */
const TOO_LARGE = (status: string | undefined, code: string | undefined): boolean => status === '552' || code === '5.3.4' || code === '5.2.3' || code === '4.3.4';

export const smtpMessageTooLarge = defineRule({
  id: 'smtp.message-too-large',
  severity: 'error',
  title: 'Message larger than the server accepts',
  explanation:
    'The server advertises the largest message it accepts in its EHLO reply (`SIZE 10240000`, RFC 1870), and this message (or the SIZE the client declared in MAIL FROM) was larger, or the server refused it as too big (`552 5.3.4 Message size exceeds fixed limit`). Attachments grow by a third in base64, so a 10 MB file needs a limit above 13.5 MB.',
  fix: 'Send a smaller message (share large files by link), or raise the limit on the server (Postfix message_size_limit; Exchange Online allows up to 150 MB, set per mailbox).',
  references: ['RFC 1870 §6', 'RFC 3463 §3.4 (X.3.4) and §3.3', 'https://www.postfix.org/postconf.5.html#message_size_limit'],
  check: (conv) => (conv.protocol === 'smtp' ? tooLargeDrafts(conv) : []),
});

function tooLargeDrafts(conv: Conversation): FindingDraft[] {
  const refused = conv.exchanges.filter((x) => TOO_LARGE(x.status, x.responseCode));
  const over = anomaliesOf(conv, ['size-exceeded']);
  if (refused.length === 0 && over.length === 0) return [];
  const first = refused[0];
  const reply = first ? replyText(first.status, first.responseCode, first.responseText) : undefined;
  const parts: string[] = [];
  if (over.length > 0) parts.push(over.map((a) => a.detail).filter(Boolean).join('; '));
  if (reply) parts.push(`the server answered ${first!.command} with "${reply}"`);
  return [{
    frames: [...new Set([...over.map((a) => a.frame), ...refused.flatMap(exchangeFrames)])].slice(0, 8),
    events: [...new Set([...over.flatMap((a) => (a.event !== undefined && a.event >= 0 ? [a.event] : [])), ...refused.flatMap(exchangeEvents)])].slice(0, 8),
    message: `The message was too large for the server: ${parts.join('; ')}.`,
    args: { refused: refused.length, overAdvertised: over.length, reply: reply ?? '' },
  }];
}
