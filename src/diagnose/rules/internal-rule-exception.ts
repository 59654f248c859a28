import { defineRule } from '../rule.js';

/**
 * A diagnosis rule threw. The Diagnoser raises it itself (check never reports it), so one broken
 * rule costs one finding, not the analysis.
 */
export const internalRuleException = defineRule({
  id: 'internal.rule-exception',
  severity: 'warning',
  title: 'A diagnosis rule failed',
  explanation: 'One of mailwire\'s diagnosis rules hit an internal error on this connection (a bug in mailwire). The other rules ran; this one\'s findings are missing.',
  fix: 'Please report it with the capture so it can be fixed.',
  references: ['docs/findings.md'],
  check() {
    return [];
  },
});
