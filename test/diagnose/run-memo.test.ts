/**
 * The per-pass memo of derived views: one computation per pass of the rules, never a stale view
 * across passes (live runs the rules on a conversation that is still changing).
 */
import { describe, expect, it } from 'vitest';
import { failedReplies } from '../../src/diagnose/checks/server-replies.js';
import { loginViews } from '../../src/diagnose/view.js';
import { inRulePass } from '../../src/diagnose/run-memo.js';
import { Diagnoser } from '../../src/diagnose/diagnose.js';
import { imap } from './helpers.js';

const dialogue = (): ReturnType<typeof imap> => imap([
  ['S', '* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Microsoft Exchange Server IMAP4 service is ready.'],
  ['C', 'a1 LOGIN "user@example.com" "secret1"'],
  ['S', 'a1 NO LOGIN failed.'],
  ['C', 'a2 LOGIN "user@example.com" "secret2"'],
  ['S', 'a2 OK LOGIN completed.'],
]);

describe('memoInPass', () => {
  it('computes a view once per pass and per conversation', () => {
    const a = dialogue();
    const b = dialogue();
    inRulePass(() => {
      expect(failedReplies(a)).toBe(failedReplies(a));
      expect(loginViews(a)).toBe(loginViews(a));
      // Another conversation in the same pass is computed for itself.
      expect(loginViews(b)).not.toBe(loginViews(a));
      expect(loginViews(b)).toEqual(loginViews(a));
    });
  });

  it('outside a pass computes afresh, and a later pass sees the conversation as it is then', () => {
    const c = dialogue();
    expect(failedReplies(c)).not.toBe(failedReplies(c));
    const before = inRulePass(() => loginViews(c).map((v) => v.outcome));
    expect(before).toEqual(['failed', 'ok']);
    // The conversation changes between passes without growing (as an exchange's status may while live).
    c.exchanges[c.auth[1]!.exchange]!.status = 'NO';
    c.auth[1]!.outcome = 'failed';
    const after = inRulePass(() => loginViews(c).map((v) => v.outcome));
    expect(after).toEqual(['failed', 'failed']);
  });

  it('gives the diagnosis the same findings as computing each view per rule', () => {
    const c = dialogue();
    const memoised = new Diagnoser().conversation(c).map((f) => f.id);
    expect(memoised).toContain('imap.login-failed');
    // A second pass over the same, unchanged conversation finds the same again.
    const again = new Diagnoser().conversation(dialogue()).map((f) => f.id);
    expect(again).toEqual(memoised);
  });
});
