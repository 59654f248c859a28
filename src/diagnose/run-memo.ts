/**
 * Derived views of a conversation (its failed replies, its login views) computed once per pass of
 * the rules instead of once per rule.
 *
 * Why a pass and not the conversation object: `live` runs the rules on a conversation that is
 * still growing (an exchange may get its status later without the event count changing), so a
 * cache keyed on the object alone could hand a later pass a stale view. A pass is synchronous and
 * sees one fixed state; the cache lives exactly that long. Outside a pass, views are computed
 * afresh each call.
 */
import type { Conversation } from '../model/conversation.js';

let pass: Map<(c: Conversation) => unknown, { conv: Conversation; value: unknown }> | undefined;

/** Runs `fn` (one pass of rules over one conversation state) with a fresh memo. */
export function inRulePass<T>(fn: () => T): T {
  const outer = pass;
  pass = new Map();
  try {
    return fn();
  } finally {
    pass = outer;
  }
}

/**
 * `view` memoised within the current pass. Callers must treat the result as read-only: every rule
 * of the pass gets the same object.
 */
export function memoInPass<R>(view: (c: Conversation) => R): (c: Conversation) => R {
  const memoised = (c: Conversation): R => {
    if (pass === undefined) return view(c);
    const hit = pass.get(memoised);
    if (hit !== undefined && hit.conv === c) return hit.value as R;
    const value = view(c);
    pass.set(memoised, { conv: c, value });
    return value;
  };
  return memoised;
}
