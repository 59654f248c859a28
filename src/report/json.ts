/**
 * JSON reports. `json`: one document {schemaVersion, generator, inputs, secretsShown, conversations,
 * findings, summary}, written as conversations finish so memory stays flat; `jsonl`: one object per
 * line ({"type":"conversation",...}, {"type":"finding",...}, {"type":"summary",...}) as soon as each
 * is complete — what `live` writes for log pipelines. Documented in docs/json-schema.md.
 */
import type { Conversation, Finding } from '../model/conversation.js';
import type { AnalysisStats } from '../analyze.js';
import { SCHEMA_VERSION } from '../analyze.js';
import { displayFilter } from '../tcp/stream-index.js';
import { redactConversation } from '../model/redact.js';
import type { ReportOptions, ReportWriter, Sink } from './context.js';
import { outcome } from './describe.js';
import { jsonText } from './escape.js';
import { shouldShow, visibleFindings } from './filter.js';
import { LoginTable, type LoginRow } from './logins.js';

/** The summary with the capture-wide logins inventory: `logins.attempts` (rows as `mailwire logins` gives them). */
export function summaryWithLogins(stats: AnalysisStats, logins: LoginTable): AnalysisStats {
  const attempts = { attempts: logins.sorted(), ...(logins.dropped ? { attemptsDropped: logins.dropped } : {}) };
  return { ...stats, logins: { ...stats.logins, ...attempts } };
}

/** The conversation as it appears in JSON: redacted unless asked, findings filtered, outcome added. */
export function conversationForJson(c: Conversation, opts: ReportOptions): Conversation & { outcome: string; displayFilter?: string } {
  const conv = opts.showSecrets ? c : redactConversation(c);
  const out: Conversation & { outcome: string; displayFilter?: string } = { ...conv, outcome: outcome(conv), findings: visibleFindings(conv.findings, opts.minSeverity) };
  if (conv.tcpStream !== undefined) out.displayFilter = displayFilter(conv.tcpStream);
  return out;
}

/**
 * A conversation rendered away from the report (a worker thread when reading is sharded):
 * `text` is what the json (renderJson) or jsonl (renderJsonLines) report writes for it, as UTF-8,
 * undefined when --only-problems hides it; `loginRows` its rows of the logins inventory.
 */
export interface PreRendered {
  text: Uint8Array | undefined;
  loginRows: LoginRow[];
}

/** Where pre-rendered UTF-8 text goes: the report's output (a Sink given bytes), or the Sink as text. */
export type ByteSink = (bytes: Uint8Array) => void;

const utf8 = new TextDecoder();

function byteSink(out: Sink, bytes: ByteSink | undefined): ByteSink {
  return bytes ?? ((b) => out(utf8.decode(b)));
}

/** The conversation's element of the json report's "conversations" array, or undefined when not shown. */
export function renderJson(c: Conversation, opts: ReportOptions): string | undefined {
  if (!shouldShow(c, opts.onlyProblems)) return undefined;
  return jsonText(conversationForJson(c, opts));
}

/** The renderer of one conversation's text for a json or jsonl report. */
export function conversationRenderer(format: 'json' | 'jsonl'): (c: Conversation, opts: ReportOptions) => string | undefined {
  return format === 'jsonl' ? renderJsonLines : renderJson;
}

/** The conversation's jsonl lines (its line, then its findings' lines unless `withFindings` is false), or undefined when not shown. */
export function renderJsonLines(c: Conversation, opts: ReportOptions, withFindings = true): string | undefined {
  if (!shouldShow(c, opts.onlyProblems)) return undefined;
  const conv = conversationForJson(c, opts);
  let text = jsonText({ type: 'conversation', schemaVersion: SCHEMA_VERSION, secretsShown: opts.showSecrets, ...conv }) + '\n';
  if (withFindings) for (const f of conv.findings) text += jsonText({ type: 'finding', ...f }) + '\n';
  return text;
}

export class JsonReport implements ReportWriter {
  private count = 0;
  private readonly logins: LoginTable;
  private readonly outBytes: ByteSink;

  /** `bytes`: where preRendered() writes its UTF-8 text (default: decoded and given to `out`). */
  constructor(private readonly out: Sink, private readonly opts: ReportOptions, bytes?: ByteSink) {
    this.logins = new LoginTable(opts.showSecrets);
    this.outBytes = byteSink(out, bytes);
    const head = {
      schemaVersion: SCHEMA_VERSION,
      generator: { name: 'mailwire', version: opts.version },
      inputs: opts.inputs,
      secretsShown: opts.showSecrets,
    };
    const text = jsonText(head, 2);
    out(text.slice(0, text.lastIndexOf('}')).trimEnd() + ',\n  "conversations": [');
  }

  conversation(c: Conversation): void {
    this.logins.add(c);
    const text = renderJson(c, this.opts);
    if (text !== undefined) this.out(`${this.count++ === 0 ? '\n    ' : ',\n    '}${text}`);
  }

  /** A conversation rendered by renderJson (and loginRows) elsewhere: the same output as conversation(). */
  preRendered(r: PreRendered): void {
    this.logins.addRows(r.loginRows);
    if (r.text === undefined) return;
    this.out(this.count++ === 0 ? '\n    ' : ',\n    ');
    this.outBytes(r.text);
  }

  finish(findings: Finding[], stats: AnalysisStats): void {
    const tail = { findings: visibleFindings(findings, this.opts.minSeverity), summary: summaryWithLogins(stats, this.logins) };
    const text = jsonText(tail, 2);
    this.out(`${this.count ? '\n  ' : ''}],\n  ${text.slice(1, text.lastIndexOf('}')).trim()}\n}\n`);
  }
}

export class JsonLinesReport implements ReportWriter {
  private readonly logins: LoginTable;
  /**
   * Set by `live` (with AnalyzeOptions.incrementalFindings): conversation() writes only the
   * conversation's line, and each of its findings comes through finding(), once, as it happens.
   */
  incrementalFindings = false;
  private readonly outBytes: ByteSink;

  /** `bytes`: where preRendered() writes its UTF-8 text (default: decoded and given to `out`). */
  constructor(private readonly out: Sink, private readonly opts: ReportOptions, bytes?: ByteSink) {
    this.logins = new LoginTable(opts.showSecrets);
    this.outBytes = byteSink(out, bytes);
  }

  conversation(c: Conversation): void {
    this.logins.add(c);
    const text = renderJsonLines(c, this.opts, !this.incrementalFindings);
    if (text !== undefined) this.out(text);
  }

  /** A conversation rendered by renderJsonLines (and loginRows) elsewhere: the same output as conversation(). */
  preRendered(r: PreRendered): void {
    this.logins.addRows(r.loginRows);
    if (r.text !== undefined) this.outBytes(r.text);
  }

  /**
   * One conversation finding, written now (incrementalFindings). Its conversation may still be open,
   * so --only-problems cannot ask whether it will be shown: there an info finding is not written
   * (it alone does not make a problem), error and warning ones are. Messages never hold secrets.
   */
  finding(f: Finding): void {
    if (visibleFindings([f], this.opts.minSeverity).length === 0) return;
    if (this.opts.onlyProblems && f.severity === 'info') return;
    this.out(jsonText({ type: 'finding', ...f }) + '\n');
  }

  finish(findings: Finding[], stats: AnalysisStats): void {
    for (const f of visibleFindings(findings, this.opts.minSeverity)) this.out(jsonText({ type: 'finding', ...f }) + '\n');
    this.out(jsonText({ type: 'summary', schemaVersion: SCHEMA_VERSION, ...summaryWithLogins(stats, this.logins) }) + '\n');
  }
}
