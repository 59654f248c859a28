import type { Conversation } from '../../model/conversation.js';
import type { ImapCommand } from '../../protocols/imap/types.js';
import { defineRule, type FindingDraft } from '../rule.js';
import { characterClasses, REDACTED } from '../secret-safe.js';
import { imapCommandOf, loginViews, type LoginView } from '../view.js';

/** Characters an IMAP atom may not hold (RFC 9051 §9 atom-specials, minus CTL and SP which cannot appear in a word). */
export const ATOM_SPECIALS: readonly string[] = ['\\', '"', '(', ')', '{', '%', '*', ']', ' '];

/** The astring written as a correct quoted string (RFC 9051 §9 quoted: `\` and `"` escaped). */
export function quoteAstring(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export const imapUnquotedCredentials = defineRule({
  id: 'imap.unquoted-credentials',
  severity: 'error',
  title: 'Credentials with special characters sent unquoted',
  explanation:
    'IMAP sends LOGIN\'s user name and password as astrings: a bare atom may not contain backslash, double quote, space, parentheses, `{`, `%`, `*` or `]`. A user name such as DOMAIN\\user sent bare is a syntax error: Exchange 2003 answers `BAD Protocol Error: "Expected SPACE not found"`, Dovecot `BAD Error in IMAP command received by server.`, and some servers silently read a different user name. A user name or password with a space sent bare gives LOGIN more than its two arguments (Python\'s imaplib, and so getmail6, quotes the password but not the user name: `LOGIN john smith "pass word"`): the server answers BAD, a syntax error, never a judgement of the password.',
  fix: 'Send such values as quoted strings, doubling every backslash and escaping double quotes (DOMAIN\\user → `"DOMAIN\\\\user"`), or as literals; or use the user@domain form. If the client cannot be fixed, report the quoting bug to its vendor.',
  references: ['RFC 9051 §9 (astring, atom-specials, quoted)', 'RFC 3501 §9', 'RFC 2683 §3.4.2'],
  verdict: { fix: 'send the user name and password as quoted strings (DOMAIN\\user → "DOMAIN\\\\user")' },
  live: true,
  check: (conv) => unquotedCredentialDrafts(conv),
});

/** The findings, one per login line; also read by imap.bad-response (a BAD they explain is said once). */
export function unquotedCredentialDrafts(conv: Conversation): FindingDraft[] {
  if (conv.protocol !== 'imap') return [];
  const out: FindingDraft[] = [];
  for (const v of loginViews(conv)) {
    const cmd = imapCommandOf(conv, v.exchange);
    if (!cmd) continue;
    const extra = extraArgumentsDraft(v, cmd);
    if (extra) {
      out.push(extra);
      continue;
    }
    let user: string | undefined;
    let userChars: string[] = [];
    let passwordClasses: string[] = [];
    if (cmd.login) {
      if (cmd.login.user.form === 'invalid') {
        user = cmd.login.user.value;
        userChars = characterClasses(user, ATOM_SPECIALS);
      }
      if (cmd.login.password.form === 'invalid' || v.attempt?.details?.['passwordInvalid']) passwordClasses = ['a character an atom may not hold'];
    } else if (!v.attempt) {
      // A would-be login with a wrong command (`AUTH DOMAIN\user pass`): its words were atoms.
      const words = cmd.args.flatMap((a) => (a.t === 'atom' ? [a.v] : a.t === 'invalid' ? [a.raw] : []));
      const first = words[0];
      if (first !== undefined && characterClasses(first, ATOM_SPECIALS).length) {
        user = first;
        userChars = characterClasses(first, ATOM_SPECIALS);
      }
      const rest = words.slice(1).join('');
      passwordClasses = characterClasses(rest, ATOM_SPECIALS);
    }
    if (userChars.length === 0 && passwordClasses.length === 0) continue;
    const parts: string[] = [];
    if (user !== undefined && userChars.length) parts.push(`the user name ${user} contains ${userChars.join(' and ')} and must be sent quoted as ${quoteAstring(user)}`);
    if (passwordClasses.length) parts.push(`the password contains ${passwordClasses.join(' and ')} and must be quoted or sent as a literal`);
    out.push({
      frames: v.frames.slice(0, 2),
      events: v.exchange.commandEvent >= 0 ? [v.exchange.commandEvent] : [],
      message: `${cmd.nameRaw.toUpperCase()} sent its arguments unquoted: ${parts.join('; ')}.`,
      args: { command: cmd.name, user: user ?? '', quoted: user !== undefined ? quoteAstring(user) : '', userCharacters: userChars.join(', '), passwordCharacters: passwordClasses.join(', ') },
    });
  }
  return out;
}

/**
 * LOGIN with more than its two arguments (`LOGIN john smith "pass word"`, as Python's imaplib
 * sends a user name with a space): a user name or password holding a space went bare. Every word
 * after the first may be password, so none is shown; the quoted forms show where the words go.
 * When the client quoted the last argument, it quoted the password and left the user name bare.
 */
function extraArgumentsDraft(v: LoginView, cmd: ImapCommand): FindingDraft | undefined {
  const extra = cmd.login?.extra;
  if (!extra || !cmd.login) return undefined;
  const first = cmd.login.user.value;
  const more = extra.count - 2;
  const hidden = Array.from({ length: more }, () => REDACTED).join(' ');
  const userWithSpace = `LOGIN ${quoteAstring(`${first} ${hidden}`)} "${REDACTED}"`;
  const passwordWithSpace = `LOGIN ${quoteAstring(first)} "${REDACTED} ${hidden}"`;
  const passwordQuoted = extra.lastForm === 'quoted' || extra.lastForm === 'literal';
  const bad = v.exchange.status === 'BAD';
  const answer = bad ? ' The server answered BAD: a syntax error, not a wrong password.' : v.outcome === 'failed' ? ' The server refused it; it read the words differently from what was meant.' : '';
  const cause = passwordQuoted
    ? `the client quoted the password but sent the user name bare, so a user name with a space ("${first}" and ${more} more word${more > 1 ? 's' : ''}) became ${more + 1} arguments. Quoted, the command is ${userWithSpace}.`
    : `a user name or password with a space was sent bare (the words after "${first}" are not shown: they may be the password). Quoted, the command is ${userWithSpace} if the user name has the space, or ${passwordWithSpace} if the password has it.`;
  return {
    frames: v.frames.slice(0, 2),
    events: v.exchange.commandEvent >= 0 ? [v.exchange.commandEvent] : [],
    message: `LOGIN was sent with ${extra.count} arguments where it takes 2 (user name, password): ${cause}${answer}`,
    args: { command: 'LOGIN', user: first, arguments: extra.count, quoted: passwordQuoted ? userWithSpace : `${userWithSpace} | ${passwordWithSpace}`, userCharacters: 'space', passwordCharacters: passwordQuoted ? '' : 'space' },
  };
}
