/** The client logged in without learning the server's capabilities (imap.skipped-capability, pop3.skipped-capa). */
import type { Conversation } from '../../model/conversation.js';
import type { FindingDraft } from '../rule.js';
import { capabilityKnownBefore, loginViews } from '../view.js';

export function skippedCapabilityDrafts(conv: Conversation, command: 'CAPABILITY' | 'CAPA'): FindingDraft[] {
  // Without the start of the connection we cannot know what the client asked.
  if (!conv.sawSyn || !conv.greeting) return [];
  const first = loginViews(conv)[0];
  if (!first) return [];
  const known = capabilityKnownBefore(conv, first.exchange.commandFrame);
  if (known.asked || known.inGreeting) return [];
  return [{
    frames: [first.exchange.commandFrame],
    events: first.exchange.commandEvent >= 0 ? [first.exchange.commandEvent] : [],
    message: `The client sent ${first.command} without asking ${command} first${command === 'CAPABILITY' ? ' (and the greeting carried no [CAPABILITY] code)' : ''}: it could not know which login methods the server allows.`,
    args: { command: first.command },
  }];
}
