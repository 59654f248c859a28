/** Credentials sent on an unencrypted connection (imap.cleartext-login, pop3.cleartext-login). */
import type { Conversation } from '../../model/conversation.js';
import type { FindingDraft } from '../rule.js';
import { loginViews, type LoginView } from '../view.js';
import { forUser, methodName, withSecret } from './describe.js';

/** SASL mechanisms whose exchange carries the password or bearer token itself (RFC 4616, 7628...). */
export const CLEARTEXT_MECHANISMS: ReadonlySet<string> = new Set(['PLAIN', 'LOGIN', 'XOAUTH2', 'OAUTHBEARER', 'XOAUTH']);

/** The attempt put a reusable credential on the wire in the clear. */
export function exposesCredential(v: LoginView): boolean {
  if (v.encrypted) return false;
  if (v.command === 'LOGIN' || v.command === 'USER/PASS') return true;
  if ((v.command === 'AUTHENTICATE' || v.command === 'AUTH') && v.attempt) return v.mechanism !== undefined && CLEARTEXT_MECHANISMS.has(v.mechanism);
  // A would-be login with a wrong command (`AUTH user pass`) still carried the password.
  return !v.attempt && v.user !== undefined;
}

export function cleartextLoginDrafts(conv: Conversation): FindingDraft[] {
  const out: FindingDraft[] = [];
  for (const v of loginViews(conv)) {
    if (!exposesCredential(v) || v.outcome === 'cancelled') continue;
    const what = v.attempt?.secret?.kind === 'token' ? 'bearer token' : 'password';
    out.push({
      frames: v.frames.slice(0, 4),
      events: v.exchange.commandEvent >= 0 ? [v.exchange.commandEvent] : [],
      message: `${methodName(v)}${forUser(v)}${withSecret(v)} was sent without encryption: the ${what} was readable on the wire.`,
      args: { method: v.command, mechanism: v.mechanism ?? '', user: v.user ?? '', outcome: v.outcome },
    });
  }
  return out;
}
