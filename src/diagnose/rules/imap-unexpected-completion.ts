import { defineRule } from '../rule.js';
import { summariseAnomalies } from '../checks/anomalies.js';

export const imapUnexpectedCompletion = defineRule({
  id: 'imap.unexpected-completion',
  severity: 'warning',
  title: 'Completion for a tag never sent',
  explanation: 'The server sent a tagged completion whose tag matches no command in flight: a server bug, a client line lost in a capture gap, or the server answering a line the client meant as literal data.',
  fix: 'Check for a gap before it (tcp.gap) and for literal handling ({n} announcements) in the client\'s preceding command.',
  references: ['RFC 9051 §2.2.2'],
  check(conv) {
    // Mid-stream captures see completions for commands sent before the capture began.
    if (conv.protocol !== 'imap' || !conv.sawSyn) return [];
    return summariseAnomalies(conv, ['unexpected-completion'], (n, a) => `${n === 1 ? 'A completion' : `${n} completions`} answered no command in flight (first at frame ${a.frame}${a.detail ? `: ${a.detail}` : ''}).`);
  },
});
