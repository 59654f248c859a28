import { defineRule } from '../rule.js';
import { failedReplies } from '../checks/server-replies.js';
import { firstSentence, replyText } from '../checks/describe.js';
import { clip } from '../secret-safe.js';

export const imapBadResponse = defineRule({
  id: 'imap.bad-response',
  severity: 'warning',
  title: 'The server answered BAD',
  explanation:
    'BAD means the server could not parse or accept the command itself (a syntax error, an unknown command, a wrong argument, a command in the wrong state), unlike NO, which refuses a valid request. Something in how the client wrote the command is wrong; the finding quotes the answer and what it means for that command.',
  fix: 'Look at the command line the finding points at: quoting of arguments, command name, extension support (CAPABILITY), session state.',
  references: ['RFC 9051 §7.1.5 (BAD response)', 'RFC 3501 §7.1.3'],
  verdict: { generic: true },
  live: true,
  check(conv) {
    if (conv.protocol !== 'imap') return [];
    return failedReplies(conv)
      .filter((r) => r.ctx.status === 'BAD' && !(r.exchange?.known === false && r.tagged))
      // Login answers are explained by imap.login-failed; a SASL exchange cancelled with "*" is
      // answered BAD by design (imap.auth-cancelled).
      .filter((r) => !(r.tagged && r.exchange && conv.auth.some((a) => a.exchange === r.exchange!.n)))
      .map((r) => {
        const quoted = clip(replyText(r.ctx.status, r.ctx.code, r.ctx.text));
        const about = r.exchange ? `${r.exchange.command}${r.exchange.tag !== undefined ? ` (tag ${r.exchange.tag})` : ''}` : 'an unsolicited line';
        return {
          frames: r.exchange ? [r.frame, r.exchange.commandFrame] : [r.frame],
          events: r.exchange && r.exchange.commandEvent >= 0 ? [r.event, r.exchange.commandEvent] : [r.event],
          message: `The server answered ${about} with "${quoted}"${r.kb ? `: ${firstSentence(r.kb.meaning)}` : ': it rejected the command as malformed or not allowed.'}`,
          args: { command: r.exchange?.command ?? '', reply: quoted, knowledge: r.kb?.key ?? '', meaning: r.kb?.meaning ?? '', fix: r.kb?.fix ?? '' },
        };
      });
  },
});
