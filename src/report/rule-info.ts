/** The report's view of the rule catalogue: explanation and fix for a finding id. */
import { ruleMeta } from '../diagnose/catalogue.js';
import type { RuleInfo } from './context.js';

export function ruleInfo(id: string): RuleInfo | undefined {
  return ruleMeta(id);
}
