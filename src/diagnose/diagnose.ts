/**
 * Runs the rules of the catalogue over each conversation as it completes (streaming), and the
 * capture-level rules once at the end.
 */
import type { Conversation, Finding, Severity } from '../model/conversation.js';
import { CATALOGUE, type FindingId } from './catalogue.js';
import { CaptureLedger, type LedgerEntry } from './ledger.js';
import { DEFAULT_SLOW_RESPONSE_SEC, type CaptureRule, type ConversationRule, type FindingDraft, type Rule, type RuleContext } from './rule.js';
import { REDACTED } from './secret-safe.js';
import { inRulePass } from './run-memo.js';

/** Findings one rule may raise on one conversation; the rest are dropped (a count is kept in args of the last). */
export const MAX_FINDINGS_PER_RULE_PER_CONVERSATION = 50;
/** Secrets shorter than this are not scrubbed from messages (too many false hits on 1-2 letters). */
const MIN_SCRUB_CHARS = 3;

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export interface DiagnoserOptions {
  /** imap.slow-response threshold in seconds (default DEFAULT_SLOW_RESPONSE_SEC). */
  slowResponseSec?: number | undefined;
  /** The server's FQDN as the user knows it (used in fixes). */
  serverName?: string | undefined;
}

export class Diagnoser {
  private readonly ctx: RuleContext;
  private readonly conversationRules: ConversationRule<FindingId>[];
  private readonly captureRules: CaptureRule<FindingId>[];
  /** The conversation rules marked `live` (see RuleMeta.live). */
  private readonly liveRules: ConversationRule<FindingId>[];
  /** Cross-conversation summaries, bounded (see ledger.ts caps). */
  readonly ledger = new CaptureLedger();

  constructor(opts: DiagnoserOptions = {}) {
    const options: RuleContext['options'] = { slowResponseSec: opts.slowResponseSec ?? DEFAULT_SLOW_RESPONSE_SEC };
    if (opts.serverName !== undefined) options.serverName = opts.serverName;
    this.ctx = { options };
    const all: readonly Rule<FindingId>[] = CATALOGUE;
    this.conversationRules = all.filter((r): r is ConversationRule<FindingId> => r.scope === 'conversation');
    this.captureRules = all.filter((r): r is CaptureRule<FindingId> => r.scope === 'capture');
    this.liveRules = this.conversationRules.filter((r) => r.live === true);
  }

  /**
   * Diagnoses one finished conversation: appends its findings to `c.findings` (ordered by severity,
   * then first frame) and returns them. Never throws: a rule that throws becomes an
   * `internal.rule-exception` finding.
   */
  conversation(c: Conversation): Finding[] {
    const found = this.check(c);
    this.ledger.record(c);
    return found;
  }

  /**
   * The rules part of conversation(): appends the findings to `c.findings` and returns them, without
   * touching the ledger (sharded reading runs it in a worker thread; the ledger entry,
   * summariseLogins(c), is applied in the main thread through record()).
   */
  check(c: Conversation): Finding[] {
    const found = this.run(this.conversationRules, c, c.id, true);
    c.findings.push(...found);
    return found;
  }

  /** Records a conversation's ledger entry (see check()), in the order conversations finish. */
  record(entry: LedgerEntry): void {
    this.ledger.apply(entry);
  }

  /**
   * Runs the `live` rules on a conversation still in progress and returns their findings, numbered
   * `id` (the id the conversation will carry), without touching `c.findings` or the ledger. Only
   * settled findings are returned: those whose events all belong to answered exchanges (or to no
   * exchange), so what a finding points at no longer grows. A rule that throws is skipped here (the
   * end-of-conversation diagnosis reports it). Never throws.
   */
  progress(c: Conversation, id: number): Finding[] {
    return this.run(this.liveRules, c, id, false).filter((f) => settled(c, f));
  }

  /** The rules' findings on `c`, secrets scrubbed, most important first. */
  private run(rules: readonly ConversationRule<FindingId>[], c: Conversation, id: number, reportExceptions: boolean): Finding[] {
    return inRulePass(() => this.runPass(rules, c, id, reportExceptions));
  }

  private runPass(rules: readonly ConversationRule<FindingId>[], c: Conversation, id: number, reportExceptions: boolean): Finding[] {
    const found: Finding[] = [];
    for (const rule of rules) {
      let drafts: FindingDraft[];
      try {
        drafts = rule.check(c, this.ctx);
      } catch (err) {
        drafts = [];
        if (reportExceptions) {
          found.push(complete('internal.rule-exception', 'warning', id, {
            frames: [c.firstFrame],
            message: `The rule ${rule.id} failed on this connection (${errorText(err)}); its findings are missing.`,
            args: { rule: rule.id },
          }));
        }
      }
      for (const d of drafts.slice(0, MAX_FINDINGS_PER_RULE_PER_CONVERSATION)) {
        const f = complete(rule.id, d.severity ?? rule.severity, d.conversation ?? id, d);
        f.message = scrubSecrets(f.message, c);
        found.push(f);
      }
    }
    return found.sort(byImportance);
  }

  /** The capture is over: findings across conversations (repeated failures, contrast). Call once. */
  finish(): Finding[] {
    const out: Finding[] = [];
    for (const rule of this.captureRules) {
      let drafts: FindingDraft[];
      try {
        drafts = rule.finish(this.ledger, this.ctx);
      } catch (err) {
        out.push(complete('internal.rule-exception', 'warning', 0, { frames: [], message: `The rule ${rule.id} failed (${errorText(err)}); its findings are missing.`, args: { rule: rule.id } }));
        continue;
      }
      for (const d of drafts) out.push(complete(rule.id, d.severity ?? rule.severity, d.conversation ?? 0, d));
    }
    return out.sort(byImportance);
  }
}

/** Builds a Finding from a draft (also for the pipeline, e.g. findings it raises itself). */
export function complete(id: FindingId, severity: Severity, conversation: number, d: FindingDraft): Finding {
  return { id, severity, conversation, frames: d.frames, events: d.events ?? [], message: d.message, args: d.args ?? {} };
}

/** Every event the finding points at is outside any exchange or in one the server has answered. */
function settled(c: Conversation, f: Finding): boolean {
  for (const e of f.events) {
    const x = c.events[e]?.exchange;
    if (x !== undefined && c.exchanges[x]?.status === undefined) return false;
  }
  return true;
}

function byImportance(a: Finding, b: Finding): number {
  return SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.frames[0] ?? 0) - (b.frames[0] ?? 0);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}

/**
 * Defence in depth: rules never put a secret in a message, but if one slipped through (a password
 * that equals a word of a server reply...) it is replaced here, before any report sees it.
 */
function scrubSecrets(message: string, c: Conversation): string {
  let out = message;
  for (const a of c.auth) {
    const v = a.secret?.value;
    if (v && v.length >= MIN_SCRUB_CHARS && out.includes(v)) out = out.split(v).join(REDACTED);
  }
  for (const ev of c.events) {
    for (const s of ev.secrets ?? []) {
      const v = ev.raw.slice(s.start, s.end);
      if (v.length >= MIN_SCRUB_CHARS && out.includes(v)) out = out.split(v).join(REDACTED);
    }
    for (const l of ev.literals ?? []) {
      if (l.secret && l.text && l.text.length >= MIN_SCRUB_CHARS && out.includes(l.text)) out = out.split(l.text).join(REDACTED);
    }
  }
  return out;
}
