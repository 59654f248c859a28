/** The client left without LOGOUT / QUIT (imap.no-logout, pop3.no-quit). */
import type { Conversation } from '../../model/conversation.js';
import type { FindingDraft } from '../rule.js';

export function noFarewellDrafts(conv: Conversation, command: 'LOGOUT' | 'QUIT'): FindingDraft[] {
  const t = conv.tcp;
  if (!t || !conv.greeting) return [];
  if (conv.exchanges.some((x) => x.command === command)) return [];
  // Only when the client is the one who went away; a server that hung up is another finding.
  const clientLeft = t.resetBy === 'client' || (t.resetBy === undefined && t.finBy === 'client');
  if (!clientLeft) return [];
  return [{
    frames: [t.resetFrame ?? t.lastFrame],
    message: `The client closed the connection without ${command}${t.resetBy === 'client' ? ' (it reset the connection)' : ''}.`,
    args: { by: t.resetBy ? 'reset' : 'fin' },
  }];
}
