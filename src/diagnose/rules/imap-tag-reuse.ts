import { defineRule } from '../rule.js';
import { summariseAnomalies } from '../checks/anomalies.js';

export const imapTagReuse = defineRule({
  id: 'imap.tag-reuse',
  severity: 'warning',
  title: 'Tag reused while in flight',
  explanation: 'The client sent a command with the same tag as one still waiting for its completion. The server\'s answers can then not be matched to the right command; results and errors may be attributed wrongly.',
  fix: 'A client bug: every command in flight needs a distinct tag (most clients use a counter).',
  references: ['RFC 9051 §2.2.1 (tags)'],
  check: (conv) => (conv.protocol === 'imap' ? summariseAnomalies(conv, ['tag-reuse'], (n, a) => `${n === 1 ? 'A tag was' : `${n} tags were`} reused while still in flight (first at frame ${a.frame}${a.detail ? `: ${a.detail}` : ''}).`) : []),
});
