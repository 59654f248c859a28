/** Which findings and conversations a report shows (--min-severity, --only-problems). */
import type { Conversation, Finding, Severity } from '../model/conversation.js';
import { SEVERITY_ORDER } from './describe.js';

export function visibleFindings(findings: readonly Finding[], min: Severity): Finding[] {
  return findings.filter((f) => SEVERITY_ORDER[f.severity] >= SEVERITY_ORDER[min]);
}

export function isProblem(c: Conversation): boolean {
  return c.findings.some((f) => f.severity === 'error' || f.severity === 'warning');
}

export function shouldShow(c: Conversation, onlyProblems: boolean): boolean {
  return !onlyProblems || isProblem(c);
}
