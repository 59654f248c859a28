/** A refused login, explained with the knowledge base (imap.login-failed, pop3.login-failed). */
import type { Conversation } from '../../model/conversation.js';
import type { FindingDraft } from '../rule.js';
import { lookupReply } from '../knowledge/lookup.js';
import { loginViews, replyContextOf } from '../view.js';
import { firstSentence, forUser, methodName, replyText, withSecret } from './describe.js';

export function loginFailedDrafts(conv: Conversation): FindingDraft[] {
  const out: FindingDraft[] = [];
  for (const v of loginViews(conv)) {
    // Only logins the server understood as logins; a wrong command is the unknown-command finding.
    if (v.outcome !== 'failed' || !v.attempt) continue;
    const ex = v.exchange;
    // BAD is a syntax error (RFC 9051 §7.1.3): the credentials were not judged. imap.unquoted-credentials,
    // imap.credential-whitespace or imap.bad-response say what was wrong with the line.
    if (ex.status === 'BAD') continue;
    const ctx = replyContextOf(conv, ex);
    const kb = ctx ? lookupReply(ctx) : undefined;
    const reply = replyText(ex.status, ex.responseCode, ex.responseText);
    const args: Record<string, string | number | boolean> = {
      method: v.command,
      mechanism: v.mechanism ?? '',
      user: v.user ?? '',
      status: ex.status ?? '',
      responseCode: ex.responseCode ?? '',
      responseText: ex.responseText ?? '',
    };
    if (kb) Object.assign(args, { knowledge: kb.key, meaning: kb.meaning, fix: kb.fix });
    out.push({
      frames: v.frames.slice(-1).concat(v.frames.slice(0, -1)).slice(0, 4),
      events: [ex.completionEvent ?? -1, ex.commandEvent].filter((e) => e >= 0),
      message: `The server refused ${methodName(v)}${forUser(v)}${withSecret(v)}: "${reply}"${kb ? ` — ${firstSentence(kb.meaning)}` : ''}`,
      args,
    });
  }
  return out;
}
