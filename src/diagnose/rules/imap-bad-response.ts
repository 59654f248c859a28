import { defineRule } from '../rule.js';
import { failedReplies } from '../checks/server-replies.js';
import { firstSentence, replyText } from '../checks/describe.js';
import { clip } from '../secret-safe.js';
import { credentialWhitespaceDrafts } from '../checks/credential-whitespace.js';
import { unquotedCredentialDrafts } from './imap-unquoted-credentials.js';

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
    const explained = new Set([...unquotedCredentialDrafts(conv), ...credentialWhitespaceDrafts(conv)].flatMap((d) => d.events));
    return failedReplies(conv)
      .filter((r) => r.ctx.status === 'BAD' && !(r.exchange?.known === false && r.tagged))
      // A reply a vendor finding explains (Dovecot's `* BAD [ALERT] Plaintext authentication not
      // allowed`...) is said once, there.
      .filter((r) => r.kb?.finding === undefined)
      // A SASL exchange cancelled with "*" is answered BAD by design (imap.auth-cancelled); a login
      // line whose quoting or spacing another finding explains is said there.
      .filter((r) => !(r.tagged && r.exchange && (conv.auth.some((a) => a.exchange === r.exchange!.n && a.outcome === 'cancelled') || explained.has(r.exchange.commandEvent))))
      .map((r) => {
        const quoted = clip(replyText(r.ctx.status, r.ctx.code, r.ctx.text));
        // An untagged BAD answers no command (RFC 9051 §7.1.5): it is not pinned on the one in flight.
        const ex = r.tagged ? r.exchange : undefined;
        const about = ex ? `The server answered ${ex.command}${ex.tag !== undefined ? ` (tag ${ex.tag})` : ''} with "${quoted}"` : `The server sent an untagged "* ${quoted}", which answers no command`;
        return {
          frames: ex ? [r.frame, ex.commandFrame] : [r.frame],
          events: ex && ex.commandEvent >= 0 ? [r.event, ex.commandEvent] : [r.event],
          message: `${about}${r.kb ? `: ${firstSentence(r.kb.meaning)}` : ex ? ': it rejected the command as malformed or not allowed.' : ' (a protocol error the server saw, or a warning to the user).'}`,
          args: { command: ex?.command ?? '', reply: quoted, knowledge: r.kb?.key ?? '', meaning: r.kb?.meaning ?? '', fix: r.kb?.fix ?? '' },
        };
      });
  },
});
