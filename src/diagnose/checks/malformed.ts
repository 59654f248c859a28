/** Lines the parser could not understand (imap.malformed, pop3.malformed). */
import type { Conversation } from '../../model/conversation.js';
import type { FindingDraft } from '../rule.js';
import { MAX_FRAMES_LISTED } from './anomalies.js';

export function malformedDrafts(conv: Conversation): FindingDraft[] {
  const bad = conv.events.filter((e) => e.kind === 'malformed');
  if (bad.length === 0) return [];
  const first = bad[0]!;
  const bySide = { C: bad.filter((e) => e.side === 'C').length, S: bad.filter((e) => e.side === 'S').length };
  const who = bySide.C && bySide.S ? `${bySide.C} from the client and ${bySide.S} from the server` : bySide.C ? 'from the client' : 'from the server';
  return [{
    frames: [...new Set(bad.map((e) => e.frame))].slice(0, MAX_FRAMES_LISTED),
    events: bad.slice(0, MAX_FRAMES_LISTED).map((e) => e.n),
    message: `${bad.length === 1 ? 'One line' : `${bad.length} lines`} ${bad.length === 1 ? '' : `(${who}) `}could not be parsed${bad.length === 1 ? ` (${who})` : ''}; the first, at frame ${first.frame}: ${first.note ?? 'malformed'}.`,
    args: { count: bad.length, client: bySide.C, server: bySide.S, reason: first.note ?? '' },
  }];
}
