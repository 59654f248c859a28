import { defineRule, type FindingDraft } from '../rule.js';
import { failedReplies } from '../checks/server-replies.js';
import { firstSentence, replyText } from '../checks/describe.js';
import { clip } from '../secret-safe.js';

export const imapServerBye = defineRule({
  id: 'imap.server-bye',
  severity: 'error',
  title: 'The server dropped the client (BYE)',
  explanation:
    'The server sent an untagged BYE that did not answer LOGOUT: it is closing the connection on its own, because of too many bad commands (`* BYE Too many invalid IMAP commands.`), an idle timeout, a shutdown, a fatal error, or a session it could not set up (Exchange: `* BYE Connection closed. 14`).',
  fix: 'Read the BYE text and the commands just before it: fix the client\'s syntax if the server counted bad commands, keep the session alive with IDLE/NOOP for timeouts, check the server for errors.',
  references: ['RFC 9051 §7.1.5 (BYE)', 'RFC 3501 §7.1.5'],
  check(conv) {
    if (conv.protocol !== 'imap') return [];
    const out: FindingDraft[] = [];
    for (const r of failedReplies(conv)) {
      if (r.tagged || r.ctx.status !== 'BYE') continue;
      // A BYE while LOGOUT is in flight is the normal goodbye.
      const logout = conv.exchanges.some((x) => x.command === 'LOGOUT' && x.commandEvent < r.event && (x.completionEvent === undefined || x.completionEvent > r.event));
      if (logout) continue;
      const quoted = clip(replyText('BYE', r.ctx.code, r.ctx.text));
      out.push({
        frames: [r.frame],
        events: [r.event],
        message: `The server ended the session with "* ${quoted}"${r.kb ? `: ${firstSentence(r.kb.meaning)}` : '.'}`,
        args: { reply: quoted, knowledge: r.kb?.key ?? '', meaning: r.kb?.meaning ?? '', fix: r.kb?.fix ?? '' },
      });
    }
    return out.slice(0, 1);
  },
});
