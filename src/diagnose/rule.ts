/**
 * The shape of a diagnosis rule. A rule declares its metadata (what it means, how to fix it, where
 * to read more) next to its detection code, so the catalogue, the reports and docs/findings.md all
 * come from one place (the pattern of arethetypeswrong's `defineCheck`).
 *
 * Rules read the Conversation model and never re-parse bytes. They return drafts; the Diagnoser
 * stamps them with the rule's id, severity and the conversation id.
 */
import type { Conversation, Severity } from '../model/conversation.js';
import type { CaptureLedger } from './ledger.js';

/** Options that change what rules report. */
export interface DiagnoseOptions {
  /** A command answered slower than this many seconds raises imap.slow-response. */
  slowResponseSec: number;
  /** The server's host name, when the user knows it (used in fixes such as X509CertificateName). */
  serverName?: string;
}

export const DEFAULT_SLOW_RESPONSE_SEC = 5;

/** What a rule's check receives besides the conversation. */
export interface RuleContext {
  readonly options: DiagnoseOptions;
}

/** What a rule reports before the Diagnoser completes it into a Finding. */
export interface FindingDraft {
  /** Frames the finding points at (Wireshark numbering), most relevant first. */
  frames: number[];
  /** Dialogue events (Conversation.events indices) it points at. */
  events?: number[];
  /** One line in plain words. Must never contain a secret (see ./secret-safe.ts). */
  message: string;
  args?: Record<string, string | number | boolean>;
  /** Overrides the rule's severity for this occurrence (e.g. a reset after LOGOUT is only info). */
  severity?: Severity;
  /** For capture-level rules: the conversation the finding belongs to. */
  conversation?: number;
}

/**
 * A finding as the cause in a one-line verdict ("login failed: <cause> — fix: <fix>"). Without it
 * the verdict uses the rule's title and the first sentence of its fix.
 */
export interface VerdictMeta {
  /** The cause in a few plain words, when the title is not the best phrase for it. */
  readonly cause?: string;
  /** The fix in one short imperative phrase. */
  readonly fix?: string;
  /**
   * The finding restates the outcome (the login was refused, a BAD came back) rather than naming
   * why: a more specific finding of the same severity is the cause.
   */
  readonly generic?: boolean;
  /** A fact of the occurrence worth quoting after the cause (the server's words), from its args. */
  detail?(args: Readonly<Record<string, string | number | boolean>>): string | undefined;
}

/** Documentation of a rule: rendered into docs/findings.md and shown by the reports. */
export interface RuleMeta<Id extends string = string> {
  /** Stable id `<layer>.<kebab-case>`; never changes once shipped. */
  readonly id: Id;
  readonly severity: Severity;
  /** A short noun phrase. */
  readonly title: string;
  /** Why this matters / what is going on, a few sentences. */
  readonly explanation: string;
  /** What to do about it. */
  readonly fix: string;
  /** RFC sections, vendor documents, bug reports. */
  readonly references: readonly string[];
  /** How the finding reads in a conversation's one-line verdict (see VerdictMeta). */
  readonly verdict?: VerdictMeta;
  /**
   * The rule's verdict on a completed exchange (or a line already seen) cannot change later: it
   * may run on a conversation still in progress (live mode reports such findings as they happen).
   * Leave unset for rules that depend on the conversation's end (no LOGOUT, a missing completion,
   * TCP/TLS facts), that summarise occurrences into one finding (counts, frame lists that grow), or
   * whose wording depends on what comes after. A live rule must speak only about exchanges that
   * mayRaiseLiveFinding (./live-trigger.ts) accepts, or about authentication attempts: live mode
   * runs the live rules again only when such an exchange completes or an attempt is added.
   */
  readonly live?: boolean;
}

/** A rule that looks at one conversation at a time (called as each conversation completes). */
export interface ConversationRule<Id extends string = string> extends RuleMeta<Id> {
  readonly scope: 'conversation';
  check(conv: Conversation, ctx: RuleContext): FindingDraft[];
}

/**
 * A rule that looks across the whole capture, at its end, through the bounded summaries the
 * Diagnoser keeps (CaptureLedger).
 */
export interface CaptureRule<Id extends string = string> extends RuleMeta<Id> {
  readonly scope: 'capture';
  finish(ledger: CaptureLedger, ctx: RuleContext): FindingDraft[];
}

export type Rule<Id extends string = string> = ConversationRule<Id> | CaptureRule<Id>;

/** Declares a per-conversation rule. `const` keeps the id a literal type for the FindingId union. */
export function defineRule<const Id extends string>(rule: Omit<ConversationRule<Id>, 'scope'>): ConversationRule<Id> {
  return Object.freeze({ scope: 'conversation' as const, ...rule });
}

/** Declares a capture-level rule (runs once, in Diagnoser.finish()). */
export function defineCaptureRule<const Id extends string>(rule: Omit<CaptureRule<Id>, 'scope'>): CaptureRule<Id> {
  return Object.freeze({ scope: 'capture' as const, ...rule });
}
