/** Small phrases that several rules use to name things in messages, consistently. */
import type { LoginView } from '../view.js';
import { describeSecret } from '../secret-safe.js';

/** "LOGIN", "AUTHENTICATE PLAIN", "USER/PASS", "AUTH (unknown command)"... */
export function methodName(v: LoginView): string {
  const base = v.mechanism ? `${v.command} ${v.mechanism}` : v.command;
  return v.attempt ? base : `${base} (not a login command)`;
}

/** ` for user "bob"` or '' when the user is unknown. User names are not secrets. */
export function forUser(v: LoginView): string {
  if (v.user === undefined) return '';
  // LOGIN with too many arguments: the first word may be only the start of the user name.
  return v.attempt?.details?.['argumentCount'] !== undefined ? ` for a user name starting "${v.user}"` : ` for user "${v.user}"`;
}

/** ` and a 9-character password` or '' when the attempt has no secret. */
export function withSecret(v: LoginView): string {
  const s = v.secret;
  if (!s) return '';
  const noun = s.kind === 'token' ? 'token' : s.kind === 'hash' ? 'digest' : s.kind === 'response' ? 'SASL response' : 'password';
  return ` with ${describeSecret(s, noun)}`;
}

/** The first sentence of a longer text (knowledge-base meanings), for one-line messages. */
export function firstSentence(text: string): string {
  const m = /^(.+?[.!?])(\s|$)/.exec(text);
  return m ? m[1]! : text;
}

/**
 * Status, code and text of a reply as the server sent it: `NO [AUTHENTICATIONFAILED] Authentication
 * failed.`; an SMTP reply code is followed by its enhanced code without brackets: `535 5.7.8 Error: ...`.
 */
export function replyText(status: string | undefined, code: string | undefined, text: string | undefined): string {
  const smtp = status !== undefined && /^\d{3}$/.test(status);
  return [status ?? '', code === undefined ? '' : smtp ? code : `[${code}]`, text ?? ''].filter(Boolean).join(' ');
}
