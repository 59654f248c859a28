/**
 * When the `live` rules can have something new to say about a conversation still in progress
 * (AnalysisSession.progress runs them on the whole conversation so far, so each run costs in
 * proportion to its length). Every live rule (RuleMeta.live) speaks about a login or SASL exchange,
 * a STARTTLS/STLS exchange, an unknown command, or a command the server refused or could not parse:
 * after an exchange that is none of these (a FETCH, SELECT, RETR... answered OK) and no new
 * authentication attempt, running them again would find nothing new. test/pipeline/live-findings.test.ts
 * holds the list of live rules this was written for: a new live rule has to be checked against it.
 */
import type { Exchange } from '../model/conversation.js';

/** Commands whose exchange a live rule may speak about even when the server said OK (IMAP and POP3). */
const LIVE_RULE_COMMANDS: ReadonlySet<string> = new Set([
  'LOGIN', 'AUTHENTICATE', 'STARTTLS', // IMAP
  'USER', 'PASS', 'APOP', 'AUTH', 'STLS', // POP3 (AUTH and STARTTLS: SMTP too)
]);

/** Whether a completed exchange may give a live rule something to report (SMTP: AUTH, or a 4xx/5xx reply). */
export function mayRaiseLiveFinding(x: Exchange): boolean {
  const ok = x.status === 'OK' || x.status === '+OK' || (x.status !== undefined && /^[23]\d\d$/.test(x.status));
  return !x.known || !ok || LIVE_RULE_COMMANDS.has(x.command);
}
