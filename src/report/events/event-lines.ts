/**
 * The event-lines report (`--format jsonl --schema 2`): one JSON record per line, each standing
 * alone (records.ts). For a conversation: its summary record, then one record per dialogue event,
 * per login attempt and per finding; cross-conversation findings and a summary record at the end.
 */
import type { Conversation, Finding } from '../../model/conversation.js';
import type { AnalysisStats } from '../../analyze.js';
import { redactConversation } from '../../model/redact.js';
import type { ReportOptions, ReportWriter, Sink } from '../context.js';
import { jsonText } from '../escape.js';
import { shouldShow, visibleFindings } from '../filter.js';
import type { ByteSink, PreRendered } from '../json.js';
import {
  type ConversationHeader, type EventRecord, type RecordSource,
  conversationHeader, conversationRecord, dialogueRecord, findingRecord, findingTime, loginRecord, summaryRecord,
} from './records.js';

/**
 * Conversations whose header a cross-conversation finding at the end may still need (it names one
 * conversation by its run-local id). Bounded: a finding about an older one keeps only its own fields.
 */
const REMEMBERED_HEADERS = 50_000;

interface Remembered {
  header: ConversationHeader;
  ts: number;
}

const utf8 = new TextDecoder();

export class EventLinesReport implements ReportWriter {
  /** Set by `live`: conversation() leaves the findings out, they come through finding() as they happen. */
  incrementalFindings = false;
  private readonly src: RecordSource;
  private readonly headers = new Map<number, Remembered>();
  private latestTs = Number.NEGATIVE_INFINITY;
  private readonly outBytes: ByteSink;

  constructor(private readonly out: Sink, private readonly opts: ReportOptions, bytes?: ByteSink) {
    this.src = { version: opts.version, ...(opts.sensor !== undefined ? { sensor: opts.sensor } : {}) };
    this.outBytes = bytes ?? ((b) => out(utf8.decode(b)));
  }

  /** The lines of one finished conversation, or undefined when --only-problems hides it. */
  render(c: Conversation): string | undefined {
    this.latestTs = Math.max(this.latestTs, c.endTs);
    const header = conversationHeader(c, undefined);
    this.remember(c.id, header, c.startTs);
    if (!shouldShow(c, this.opts.onlyProblems)) return undefined;
    const conv = this.opts.showSecrets ? c : redactConversation(c);
    const lines = [conversationRecord(conv, header, this.src)];
    for (const e of conv.events) lines.push(dialogueRecord(conv, e, header, this.src));
    for (const a of conv.auth) lines.push(loginRecord(conv, a, header, this.src, this.opts.showSecrets));
    if (!this.incrementalFindings) {
      for (const f of visibleFindings(conv.findings, this.opts.minSeverity)) lines.push(this.findingOf(f, conv, header));
    }
    return lines.map(line).join('');
  }

  conversation(c: Conversation): void {
    const text = this.render(c);
    if (text !== undefined) this.out(text);
  }

  /** Lines rendered by render() and held while earlier conversations finish (read's start order). */
  preRendered(r: PreRendered): void {
    if (r.text !== undefined) this.outBytes(r.text);
  }

  /**
   * A finding of a conversation, written now (live): `c` is its conversation, possibly still open.
   * As in the v1 lines, --only-problems writes no info finding here (the conversation may stay clean).
   */
  finding(f: Finding, c: Conversation | undefined): void {
    if (!c) throw new Error('event lines: a finding without its conversation');
    if (visibleFindings([f], this.opts.minSeverity).length === 0) return;
    if (this.opts.onlyProblems && f.severity === 'info') return;
    const input = c.input ?? (this.opts.inputs.length === 1 ? this.opts.inputs[0] : undefined);
    this.out(line(this.findingOf(f, c, conversationHeader({ ...c, id: f.conversation }, input))));
  }

  finish(findings: Finding[], stats: AnalysisStats): void {
    for (const f of visibleFindings(findings, this.opts.minSeverity)) {
      const known = this.headers.get(f.conversation);
      const ts = known?.ts ?? (Number.isFinite(this.latestTs) ? this.latestTs : Date.now() / 1000);
      this.out(line(findingRecord(f, ts, known?.header, this.src, this.opts.ruleInfo(f.id)?.title, 'capture')));
    }
    const ts = Number.isFinite(this.latestTs) ? this.latestTs : Date.now() / 1000;
    this.out(line(summaryRecord(stats, ts, this.src, this.opts.inputs)));
  }

  private findingOf(f: Finding, c: Conversation, header: ConversationHeader): EventRecord {
    return findingRecord(f, findingTime(f, c), header, this.src, this.opts.ruleInfo(f.id)?.title, 'conversation');
  }

  private remember(id: number, header: ConversationHeader, ts: number): void {
    this.headers.set(id, { header, ts });
    if (this.headers.size > REMEMBERED_HEADERS) this.headers.delete(this.headers.keys().next().value!);
  }
}

/** One event line; controls and bidi overrides as \uXXXX (escapeJsonControls, shared by every JSON writer). */
function line(r: EventRecord): string {
  return jsonText(r) + '\n';
}
