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
