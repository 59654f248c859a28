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
import { tcpEvicted } from './rules/tcp-evicted.js';
import { tcpAttemptsFolded } from './rules/tcp-attempts-folded.js';
import { tcpRetransmissionMismatch } from './rules/tcp-retransmission-mismatch.js';
import { pathAdminProhibited, pathHostUnreachable, pathNetUnreachable, pathPortUnreachable, pathTimeExceeded, pathUnreachable } from './rules/path-icmp.js';
import { dnsLookupFailed, dnsNameNotFound, dnsNoResponse } from './rules/dns-lookups.js';
import { pathFamilyFailed } from './rules/path-family-failed.js';
import { tlsHandshakeFailed } from './rules/tls-handshake-failed.js';
import { tlsAlert } from './rules/tls-alert.js';
import { tlsCertNameMismatch } from './rules/tls-cert-name-mismatch.js';
import { tlsCertExpired } from './rules/tls-cert-expired.js';
import { tlsCertNotYetValid } from './rules/tls-cert-not-yet-valid.js';
import { tlsSelfSigned } from './rules/tls-self-signed.js';
import { tlsOldVersion } from './rules/tls-old-version.js';
import { tlsWeakCipher } from './rules/tls-weak-cipher.js';
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
import { smtpCleartextLogin } from './rules/smtp-cleartext-login.js';
import { smtpLoginFailed } from './rules/smtp-login-failed.js';
import { smtpStarttlsRequired } from './rules/smtp-starttls-required.js';
import { smtpAuthRequired } from './rules/smtp-auth-required.js';
import { smtpRelayDenied } from './rules/smtp-relay-denied.js';
import { smtpSenderNotOwned } from './rules/smtp-sender-not-owned.js';
import { smtpMessageTooLarge } from './rules/smtp-message-too-large.js';
import { smtpRepeatedLoginFailure } from './rules/smtp-repeated-login-failure.js';
import { smtpStarttlsFailed } from './rules/smtp-starttls-failed.js';
import { smtpStarttlsInjection } from './rules/smtp-starttls-injection.js';
import { smtpEarlyTalker } from './rules/smtp-early-talker.js';
import { smtpPipeliningWithoutCapability } from './rules/smtp-pipelining-without-capability.js';
import { smtpSlowGreeting } from './rules/smtp-slow-greeting.js';
import { smtpPort25Blocked } from './rules/smtp-port25-blocked.js';
import { smtpUnknownCommand } from './rules/smtp-unknown-command.js';
import { smtpMalformed } from './rules/smtp-malformed.js';
import { smtpNoQuit } from './rules/smtp-no-quit.js';
import { authContrastWithWorkingSession } from './rules/auth-contrast-with-working-session.js';
import { tlsFailingClientFingerprint } from './rules/tls-failing-client-fingerprint.js';
import { imapUnquotedCredentials } from './rules/imap-unquoted-credentials.js';
import { imapUnknownCommand } from './rules/imap-unknown-command.js';
import { imapBadResponse } from './rules/imap-bad-response.js';
import { imapSkippedCapability } from './rules/imap-skipped-capability.js';
import { imapCleartextLogin } from './rules/imap-cleartext-login.js';
import { imapLoginDisabledIgnored } from './rules/imap-login-disabled-ignored.js';
import { imapMechanismNotAdvertised } from './rules/imap-mechanism-not-advertised.js';
import { imapLoginDespiteAuthList } from './rules/imap-login-despite-auth-list.js';
import { imapLoginFailed } from './rules/imap-login-failed.js';
import { imapRepeatedLoginFailure } from './rules/imap-repeated-login-failure.js';
import { imapCredentialWhitespace } from './rules/imap-credential-whitespace.js';
import { imapServerBye } from './rules/imap-server-bye.js';
import { imapTruncatedResponse } from './rules/imap-truncated-response.js';
import { imapStarttlsFailed } from './rules/imap-starttls-failed.js';
import { imapStarttlsInjection } from './rules/imap-starttls-injection.js';
import { imapTagReuse } from './rules/imap-tag-reuse.js';
import { imapMissingCompletion } from './rules/imap-missing-completion.js';
import { imapUnexpectedCompletion } from './rules/imap-unexpected-completion.js';
import { imapInvalidTag } from './rules/imap-invalid-tag.js';
import { imapCommandInWrongState } from './rules/imap-command-in-wrong-state.js';
import { imapMalformed } from './rules/imap-malformed.js';
import { imapBareLf } from './rules/imap-bare-lf.js';
import { imapSlowResponse } from './rules/imap-slow-response.js';
import { imapAuthCancelled } from './rules/imap-auth-cancelled.js';
import { imapNoLogout } from './rules/imap-no-logout.js';
import { imapGaveUpWithoutTls } from './rules/imap-gave-up-without-tls.js';
import { pop3GaveUpWithoutTls } from './rules/pop3-gave-up-without-tls.js';
import { exchangeProxyNotAuthenticated } from './rules/exchange-proxy-not-authenticated.js';
import { exchangePlaintextLoginDisabled } from './rules/exchange-plaintext-login-disabled.js';
import { exchangeAuthenticatedNotConnected } from './rules/exchange-authenticated-not-connected.js';
import { m365BasicAuthDisabled } from './rules/m365-basic-auth-disabled.js';
import { gmailAppPasswordRequired } from './rules/gmail-app-password-required.js';
import { gmailWebLoginRequired } from './rules/gmail-web-login-required.js';
import { gmailTooManyConnections } from './rules/gmail-too-many-connections.js';
import { dovecotPlaintextDisallowed } from './rules/dovecot-plaintext-disallowed.js';
import { dovecotPasswordExposed } from './rules/dovecot-password-exposed.js';
import { dovecotConnectionLimit } from './rules/dovecot-connection-limit.js';
import { cyrusPlaintextDisallowed } from './rules/cyrus-plaintext-disallowed.js';
import { courierTlsRequired } from './rules/courier-tls-required.js';
import { m365SmtpAuthDisabled } from './rules/m365-smtp-auth-disabled.js';
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
  tcpEvicted,
  tcpAttemptsFolded,
  tcpRetransmissionMismatch,
  pathAdminProhibited,
  pathPortUnreachable,
  pathHostUnreachable,
  pathNetUnreachable,
  pathTimeExceeded,
  pathUnreachable,
  pathFamilyFailed,
  dnsNameNotFound,
  dnsLookupFailed,
  dnsNoResponse,
  // TLS
  tlsHandshakeFailed,
  tlsAlert,
  tlsCertNameMismatch,
  tlsCertExpired,
  tlsCertNotYetValid,
  tlsSelfSigned,
  tlsOldVersion,
  tlsWeakCipher,
  // IMAP
  imapUnquotedCredentials,
  imapUnknownCommand,
  imapBadResponse,
  imapSkippedCapability,
  imapCleartextLogin,
  imapLoginDisabledIgnored,
  imapGaveUpWithoutTls,
  imapMechanismNotAdvertised,
  imapLoginDespiteAuthList,
  imapLoginFailed,
  imapRepeatedLoginFailure,
  imapCredentialWhitespace,
  imapServerBye,
  imapTruncatedResponse,
  imapStarttlsFailed,
  imapStarttlsInjection,
  imapTagReuse,
  imapMissingCompletion,
  imapUnexpectedCompletion,
  imapInvalidTag,
  imapCommandInWrongState,
  imapMalformed,
  imapBareLf,
  imapSlowResponse,
  imapAuthCancelled,
  imapNoLogout,
  // POP3
  pop3CleartextLogin,
  pop3LoginDisabledIgnored,
  pop3GaveUpWithoutTls,
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
  // SMTP
  smtpCleartextLogin,
  smtpLoginFailed,
  smtpStarttlsRequired,
  smtpAuthRequired,
  smtpRelayDenied,
  smtpSenderNotOwned,
  smtpMessageTooLarge,
  smtpRepeatedLoginFailure,
  smtpStarttlsFailed,
  smtpStarttlsInjection,
  smtpEarlyTalker,
  smtpPipeliningWithoutCapability,
  smtpSlowGreeting,
  smtpPort25Blocked,
  smtpUnknownCommand,
  smtpMalformed,
  smtpNoQuit,
  // Server products (knowledge base)
  exchangeProxyNotAuthenticated,
  exchangePlaintextLoginDisabled,
  exchangeAuthenticatedNotConnected,
  m365BasicAuthDisabled,
  gmailAppPasswordRequired,
  gmailWebLoginRequired,
  gmailTooManyConnections,
  dovecotPlaintextDisallowed,
  dovecotPasswordExposed,
  dovecotConnectionLimit,
  cyrusPlaintextDisallowed,
  courierTlsRequired,
  m365SmtpAuthDisabled,
  // Across connections
  authContrastWithWorkingSession,
  tlsFailingClientFingerprint,
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
