/**
 * Every diagnosis rule, in the order they run and are documented. Adding a rule = one file in
 * rules/, its test, and one line here. `FindingId` is derived from this list, so a finding id that
 * is not in the catalogue does not type-check.
 *
 * TLS rules (tls-*.ts) are added by the TLS layer's owner, one line each.
 */
import type { Rule, RuleMeta } from './rule.js';
import { tcpNoAnswer } from './rules/tcp-no-answer.js';
import { tcpRefused } from './rules/tcp-refused.js';
import { tcpReset } from './rules/tcp-reset.js';
import { tcpNoGreeting } from './rules/tcp-no-greeting.js';
import { tcpGap } from './rules/tcp-gap.js';
import { tcpMidstream } from './rules/tcp-midstream.js';
import { tcpRetransmissionMismatch } from './rules/tcp-retransmission-mismatch.js';
import { pop3CleartextLogin } from './rules/pop3-cleartext-login.js';
import { pop3LoginDisabledIgnored } from './rules/pop3-login-disabled-ignored.js';
import { pop3LoginFailed } from './rules/pop3-login-failed.js';
import { pop3UnknownCommand } from './rules/pop3-unknown-command.js';
import { pop3SkippedCapa } from './rules/pop3-skipped-capa.js';
import { pop3ApopMd5 } from './rules/pop3-apop-md5.js';
import { pop3Malformed } from './rules/pop3-malformed.js';
import { pop3RepeatedLoginFailure } from './rules/pop3-repeated-login-failure.js';
import { pop3CredentialWhitespace } from './rules/pop3-credential-whitespace.js';
import { pop3TruncatedResponse } from './rules/pop3-truncated-response.js';
import { pop3StarttlsFailed } from './rules/pop3-starttls-failed.js';
import { pop3StarttlsInjection } from './rules/pop3-starttls-injection.js';
import { pop3AuthCancelled } from './rules/pop3-auth-cancelled.js';
import { pop3NoQuit } from './rules/pop3-no-quit.js';
import { imapRepeatedLoginFailure } from './rules/imap-repeated-login-failure.js';
import { authContrastWithWorkingSession } from './rules/auth-contrast-with-working-session.js';
import { internalDissectorException } from './rules/internal-dissector-exception.js';
import { internalRuleException } from './rules/internal-rule-exception.js';

export const CATALOGUE = [
  // TCP and connectivity
  tcpNoAnswer,
  tcpRefused,
  tcpReset,
  tcpNoGreeting,
  tcpGap,
  tcpMidstream,
  tcpRetransmissionMismatch,
  // IMAP
  imapRepeatedLoginFailure,
  // POP3
  pop3CleartextLogin,
  pop3LoginDisabledIgnored,
  pop3LoginFailed,
  pop3UnknownCommand,
  pop3SkippedCapa,
  pop3ApopMd5,
  pop3Malformed,
  pop3RepeatedLoginFailure,
  pop3CredentialWhitespace,
  pop3TruncatedResponse,
  pop3StarttlsFailed,
  pop3StarttlsInjection,
  pop3AuthCancelled,
  pop3NoQuit,
  // Across connections
  authContrastWithWorkingSession,
  // mailwire itself
  internalDissectorException,
  internalRuleException,
] as const;

/** Every finding id mailwire can raise. */
export type FindingId = (typeof CATALOGUE)[number]['id'];

/** Rule metadata by id (for reports: title, explanation, fix, references). */
export const RULES_BY_ID: Readonly<Record<FindingId, Rule<FindingId>>> = Object.fromEntries(CATALOGUE.map((r) => [r.id, r])) as Record<FindingId, Rule<FindingId>>;

/** The catalogue entry of a finding id, or undefined for an id this version does not know. */
export function ruleMeta(id: string): RuleMeta | undefined {
  return (RULES_BY_ID as Record<string, Rule>)[id];
}
