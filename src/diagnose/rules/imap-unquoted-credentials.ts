import { defineRule, type FindingDraft } from '../rule.js';
import { characterClasses } from '../secret-safe.js';
import { imapCommandOf, loginViews } from '../view.js';

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
    'IMAP sends LOGIN\'s user name and password as astrings: a bare atom may not contain backslash, double quote, space, parentheses, `{`, `%`, `*` or `]`. A user name such as DOMAIN\\user sent bare is a syntax error: Exchange 2003 answers `BAD Protocol Error: "Expected SPACE not found"`, Dovecot `BAD Error in IMAP command received by server.`, and some servers silently read a different user name.',
  fix: 'Send such values as quoted strings, doubling every backslash and escaping double quotes (DOMAIN\\user → `"DOMAIN\\\\user"`), or as literals; or use the user@domain form. If the client cannot be fixed, report the quoting bug to its vendor.',
  references: ['RFC 9051 §9 (astring, atom-specials, quoted)', 'RFC 3501 §9', 'RFC 2683 §3.4.2'],
  verdict: { fix: 'send the user name and password as quoted strings (DOMAIN\\user → "DOMAIN\\\\user")' },
  live: true,
  check(conv) {
    if (conv.protocol !== 'imap') return [];
    const out: FindingDraft[] = [];
    for (const v of loginViews(conv)) {
      const cmd = imapCommandOf(conv, v.exchange);
      if (!cmd) continue;
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
  },
});
