/** Test helper: plays a scripted SMTP connection into the dissector (see ../pop3/feed.ts). */
import type { Conversation } from '../../../src/model/conversation.js';
import { createSmtpDissector } from '../../../src/protocols/smtp/smtp-dissector.js';
import type { ContentEnd, ContentSink, ContentStart } from '../../../src/protocols/dissector.js';
import { testConnection } from '../../helpers/connection.js';
import { feedDissector, type FeedOptions, type Step } from '../pop3/feed.js';

export { codes, transcript, type Step } from '../pop3/feed.js';

export const SMTP_INFO = testConnection({ client: { ip: '192.0.2.1', port: 40000 }, server: { ip: '192.0.2.2', port: 587 } });

export function feedSmtp(steps: readonly Step[], o: FeedOptions = {}): Conversation {
  return feedDissector(createSmtpDissector, SMTP_INFO, steps, o);
}

/** A ContentSink that keeps every message in memory (for tests). */
export function memorySink(): ContentSink & { messages: Array<{ start: ContentStart; bytes: string; end?: ContentEnd }> } {
  const messages: Array<{ start: ContentStart; bytes: string; end?: ContentEnd }> = [];
  return {
    messages,
    begin: (start) => messages.push({ start: { ...start }, bytes: '' }) - 1,
    chunk: (id, bytes) => {
      messages[id]!.bytes += Buffer.from(bytes).toString('latin1');
    },
    end: (id, end) => {
      messages[id]!.end = { ...end };
    },
  };
}
