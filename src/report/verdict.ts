/**
 * Verdicts: what an administrator reads first. A conversation's verdict is one line, "<outcome>:
 * <cause> — fix: <fix>", taken from the finding that best names the cause; the capture's verdicts
 * group the conversations that share a cause, worst first. Shared by the text, Markdown and HTML
 * reports so they say the same thing.
 */
import type { Conversation, Finding, Severity } from '../model/conversation.js';
import type { RuleInfo } from './context.js';
import { SEVERITY_ORDER, outcome, worstSeverity } from './describe.js';

export interface Verdict {
  /** The worst severity among the conversation's findings; undefined when it has none. */
  severity?: Severity;
  /** What happened, in a few words ("login failed", "login ok", "refused (nothing listening)"). */
  outcome: string;
  /** The finding chosen as the cause (warnings and errors only). */
  finding?: Finding;
  /** The cause in plain words; undefined when nothing is wrong. */
  cause?: string;
  fix?: string;
  /** The whole line. */
  text: string;
}

/** Causes listed in a capture's verdicts (text, Markdown, HTML); the rest are counted. */
export const MAX_CAPTURE_VERDICTS = 5;

/** Characters of a fix taken from the catalogue's first sentence before it is cut. */
const MAX_FIX_CHARS = 110;

/**
 * The first sentence of a catalogue fix (a full stop before a capital or the end: "e.g." does not
 * end one), without Markdown backticks, without a parenthesis it leaves open, cut at a word.
 */
export function shortFix(fix: string): string {
  const plain = fix.replace(/`/g, '');
  const end = plain.search(/\.(?=\s+[A-Z]|\s*$)/);
  let s = end > 0 ? plain.slice(0, end) : plain;
  const open = s.lastIndexOf('(');
  if (open > 0 && s.indexOf(')', open) < 0) s = s.slice(0, open).trimEnd();
  if (s.length > MAX_FIX_CHARS) s = s.slice(0, s.lastIndexOf(' ', MAX_FIX_CHARS - 1)) + ' …';
  return s.replace(/[:,]$/, '');
}

/**
 * The finding that best names a conversation's problem: the worst severity; among equals a specific
 * finding before one that restates the outcome (RuleMeta.verdict.generic); then the earliest.
 */
export function causeFinding(findings: readonly Finding[], ruleInfo: (id: string) => RuleInfo | undefined): Finding | undefined {
  let best: Finding | undefined;
  let bestKey = -1;
  for (const f of findings) {
    if (f.severity === 'info') continue;
    const key = SEVERITY_ORDER[f.severity] * 2 + (ruleInfo(f.id)?.verdict?.generic ? 0 : 1);
    if (key > bestKey) {
      best = f;
      bestKey = key;
    }
  }
  return best;
}

export function conversationVerdict(conv: Conversation, findings: readonly Finding[], ruleInfo: (id: string) => RuleInfo | undefined): Verdict {
  const what = outcome(conv);
  const severity = worstSeverity(findings);
  const finding = causeFinding(findings, ruleInfo);
  if (!finding) {
    const notes = findings.length ? ` (${findings.length} note${findings.length > 1 ? 's' : ''})` : '';
    return { ...(severity ? { severity } : {}), outcome: what, text: `${what}, no problems found${notes}` };
  }
  const info = ruleInfo(finding.id);
  const detail = info?.verdict?.detail?.(finding.args);
  const cause = `${capitalised(info?.verdict?.cause ?? info?.title ?? finding.id)}${detail ? `: ${detail}` : ''}`;
  const fix = capitalised(info?.verdict?.fix ?? (info ? shortFix(info.fix) : ''));
  const others = findings.filter((f) => f.severity !== 'info' && f.id !== finding.id);
  const more = new Set(others.map((f) => f.id)).size;
  const tail = more ? ` (+${more} more problem${more > 1 ? 's' : ''})` : '';
  return { severity: severity!, outcome: what, finding, cause, ...(fix ? { fix } : {}), text: `${what}: ${cause}${tail}${fix ? ` — fix: ${fix}` : ''}` };
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Conversations that share a cause. */
export interface VerdictGroup {
  severity: Severity;
  /** The cause finding's id. */
  id: string;
  cause: string;
  fix?: string;
  conversations: number[];
}

/** Collects conversations' verdicts into groups, worst and most frequent first. */
export class VerdictTally {
  private readonly groups = new Map<string, VerdictGroup>();
  clean = 0;
  total = 0;

  add(conversation: number, v: Verdict): void {
    this.total++;
    if (!v.finding || !v.cause) {
      this.clean++;
      return;
    }
    // One group per cause as worded: the same rule with other server words is another cause.
    const key = `${v.finding.id}\n${v.cause}`;
    let g = this.groups.get(key);
    if (!g) {
      g = { severity: v.finding.severity, id: v.finding.id, cause: v.cause, ...(v.fix ? { fix: v.fix } : {}), conversations: [] };
      this.groups.set(key, g);
    }
    g.conversations.push(conversation);
  }

  /** The groups that matter, worst first, then the most conversations first. */
  top(limit: number): VerdictGroup[] {
    return [...this.groups.values()]
      .sort((a, b) => SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity] || b.conversations.length - a.conversations.length || a.id.localeCompare(b.id))
      .slice(0, limit);
  }

  get size(): number {
    return this.groups.size;
  }
}

/** "#1, #2, #3" for up to `max` conversations, then "… and N more". */
export function conversationList(ids: readonly number[], max = 8): string {
  const shown = ids.slice(0, max).map((n) => `#${n}`).join(', ');
  return ids.length > max ? `${shown} … and ${ids.length - max} more` : shown;
}
