/** What every renderer needs besides the data. */
import type { Conversation, Finding, Severity } from '../model/conversation.js';
import type { AnalysisStats } from '../analyze.js';
import type { VerdictMeta } from '../diagnose/rule.js';

export interface RuleInfo {
  title: string;
  explanation: string;
  fix: string;
  references: readonly string[];
  verdict?: VerdictMeta;
}

export interface ReportOptions {
  /** Secrets are shown (the report says so). */
  showSecrets: boolean;
  /** Colour (text report only). */
  color: boolean;
  /** Bytes of literal / body content to show; undefined or 0: a one-line summary. */
  bodies?: number;
  /** Only findings at or above this severity are shown. */
  minSeverity: Severity;
  /** Only conversations with a warning or error are shown. */
  onlyProblems: boolean;
  /** Catalogue lookup for explanations and fixes. */
  ruleInfo(id: string): RuleInfo | undefined;
  version: string;
  /**
   * Text report: columns to wrap lines at (wrapped lines are indented under their field);
   * undefined or 0: no wrapping.
   */
  width?: number;
  /** Text report: one line per conversation (its verdict) and the summary, no transcripts. */
  brief?: boolean;
  /** The inputs, as named on the command line. */
  inputs: string[];
  /** The sensor's name (--sensor; event lines' observer.name). */
  sensor?: string;
}

/** A report is written as the analysis goes: conversations as they finish, then the summary. */
export interface ReportWriter {
  conversation(c: Conversation): void;
  /** The analysis is over: cross-conversation findings and the totals. */
  finish(findings: Finding[], stats: AnalysisStats): void;
}

export type Sink = (text: string) => void;
