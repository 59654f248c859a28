import { defineRule } from '../rule.js';

/** The anomaly code the dispatcher records when a dissector throws (src/protocols/dispatch.ts). */
export const DISSECTOR_EXCEPTION_ANOMALY = 'dissector-exception';

/** A dissector threw on this connection: the dialogue after that point was not analysed. */
export const internalDissectorException = defineRule({
  id: 'internal.dissector-exception',
  severity: 'warning',
  title: 'mailwire failed on this connection',
  explanation:
    'The protocol dissector hit an internal error on this connection (a bug in mailwire, not in the traffic). The dialogue stops at that point; the rest of the capture was analysed normally.',
  fix: 'Please report it with the capture (or the frames of this connection) so it can be fixed; the error text is in the finding.',
  references: ['docs/findings.md'],
  check(conv) {
    return conv.anomalies
      .filter((a) => a.code === DISSECTOR_EXCEPTION_ANOMALY)
      .slice(0, 1)
      .map((a) => ({
        frames: [a.frame],
        ...(a.event !== undefined ? { events: [a.event] } : {}),
        message: `mailwire's dissector failed at frame ${a.frame}${a.detail ? ` (${a.detail.split('\n')[0]})` : ''}; the dialogue after it is not analysed.`,
        args: { detail: a.detail ?? '' },
      }));
  },
});
