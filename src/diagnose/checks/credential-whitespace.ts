/** Leading/trailing spaces in credentials, or doubled spaces between arguments. */
import type { Conversation } from '../../model/conversation.js';
import type { FindingDraft } from '../rule.js';
import { imapCommandOf, loginViews } from '../view.js';

export function credentialWhitespaceDrafts(conv: Conversation): FindingDraft[] {
  const out: FindingDraft[] = [];
  for (const v of loginViews(conv)) {
    const problems: string[] = [];
    const user = v.attempt?.user ?? v.user;
    if (user !== undefined && /^\s/.test(user)) problems.push('the user name starts with a space');
    if (user !== undefined && /\s$/.test(user)) problems.push('the user name ends with a space');
    const s = v.secret;
    if (s && s.kind !== 'hash') {
      if (s.leadingSpace) problems.push('the password starts with a space');
      if (s.trailingSpace) problems.push('the password ends with a space');
    }
    const credentialProblems = problems.length;
    const cmd = imapCommandOf(conv, v.exchange);
    if (cmd?.notes?.some((n) => n.code === 'double-space')) problems.push('two spaces separate the arguments');
    if (cmd?.notes?.some((n) => n.code === 'trailing-space')) problems.push('the line ends with a space');
    if (problems.length === 0) continue;
    // Who put the spaces there is not on the wire: a person entering the credentials, or the client
    // writing the line (mutt's `AUTHENTICATE CRAM-MD5 ` with a trailing space is a client's own).
    const origin = credentialProblems > 0
      ? 'Either a person entered these spaces with the credentials (a paste, a typo) or the client added them'
      : 'The client wrote the command line that way (no credential typed by a person ends up there): a bug of the client';
    const effect = v.outcome === 'ok' ? 'the server accepted the login as sent' : v.outcome === 'failed' ? 'the server refused the login' : 'the server did not answer it';
    out.push({
      frames: v.frames.slice(0, 2),
      events: v.exchange.commandEvent >= 0 ? [v.exchange.commandEvent] : [],
      message: `${v.command}${user !== undefined ? ` for "${user.trim()}"` : ''} was sent with extra spaces: ${problems.join(', ')}. ${origin}; ${effect}.`,
      args: { problems: problems.join('; '), outcome: v.outcome },
      // The login worked, so the spaces are really part of the credentials: worth knowing, no more.
      ...(v.outcome === 'ok' ? { severity: 'info' as const } : {}),
    });
  }
  return out;
}
