/** Findings that come from anomalies the dissector recorded (Conversation.anomalies). */
import type { Anomaly, Conversation } from '../../model/conversation.js';
import type { FindingDraft } from '../rule.js';

/** Frames listed in one summarising finding. */
export const MAX_FRAMES_LISTED = 8;

export function anomaliesOf(conv: Conversation, codes: readonly string[]): Anomaly[] {
  return conv.anomalies.filter((a) => codes.includes(a.code));
}

/**
 * One finding summarising every anomaly of the given codes: the count, the first frames, and the
 * first detail. `describe` words the message from them.
 */
export function summariseAnomalies(conv: Conversation, codes: readonly string[], describe: (count: number, first: Anomaly) => string): FindingDraft[] {
  const list = anomaliesOf(conv, codes);
  if (list.length === 0) return [];
  const first = list[0]!;
  return [{
    frames: uniq(list.map((a) => a.frame)).slice(0, MAX_FRAMES_LISTED),
    events: uniq(list.flatMap((a) => (a.event !== undefined ? [a.event] : []))).slice(0, MAX_FRAMES_LISTED),
    message: describe(list.length, first),
    args: { count: list.length, detail: first.detail ?? '' },
  }];
}

/** One finding per anomaly (for rare, individually meaningful ones), at most `max`. */
export function eachAnomaly(conv: Conversation, codes: readonly string[], describe: (a: Anomaly) => string, max = MAX_FRAMES_LISTED): FindingDraft[] {
  return anomaliesOf(conv, codes).slice(0, max).map((a) => ({
    frames: [a.frame],
    events: a.event !== undefined ? [a.event] : [],
    message: describe(a),
    args: { detail: a.detail ?? '' },
  }));
}

function uniq(xs: number[]): number[] {
  return [...new Set(xs)];
}
