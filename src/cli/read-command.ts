/** `mailwire read FILE...` */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { analyzeInputs, type AnalysisStats, type SessionOptions } from '../analyze.js';
import { analyzeInputsSharded } from '../parallel/sharded-read.js';
import type { RenderedConversation, RenderSettings } from '../parallel/protocol.js';
import { conversationRenderer, type JsonLinesReport, type JsonReport, type PreRendered } from '../report/json.js';
import { loginRows } from '../report/logins.js';
import { SEVERITY_ORDER } from '../report/describe.js';
import type { Conversation, Finding, Severity } from '../model/conversation.js';
import { EventLinesReport } from '../report/events/event-lines.js';
import { EXIT_FINDINGS, EXIT_OK, type CommonOptions, UsageError, analysisOptions, checkInputs, reportFormat, useColor } from './options.js';
import { openOutput } from './output.js';
import { Progress } from './progress.js';
import { makeReport, reportOptions } from './report-factory.js';
import { StartOrder } from './start-order.js';

/** A conversation waiting in StartOrder as its rendered text (json, jsonl). */
type Held = PreRendered & { id: number };

/** Whether --fail-on is triggered by these findings. */
export function failOnTriggered(level: Severity | undefined, findings: Iterable<Finding>): boolean {
  if (!level) return false;
  for (const f of findings) if (SEVERITY_ORDER[f.severity] >= SEVERITY_ORDER[level]) return true;
  return false;
}

/**
 * --threads: a number >= 1, or `auto`. On two cores the sharded path was measured slower than one
 * thread (docs/performance.md, "A second core": V8's collector already uses the second core), so
 * `auto` shards only from three cores up, with at most four threads.
 */
export function parseThreads(value: string | undefined, cores = availableParallelism()): number {
  if (value === undefined) return 1;
  if (value === 'auto') return cores >= 3 ? Math.min(4, cores) : 1;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 64) throw new UsageError(`--threads: '${value}' is not a number of threads (1-64) or auto`);
  return n;
}

/**
 * Whether reading goes through worker threads (src/parallel): more than one thread asked, a json or
 * jsonl report, and only regular files (standard input, FIFOs and the other formats stay on one thread).
 */
function shardable(files: readonly string[], format: ReturnType<typeof reportFormat>, threads: number): boolean {
  if (threads < 2 || (format !== 'json' && format !== 'jsonl')) return false;
  return files.every((f) => {
    if (f === '-') return false;
    try {
      return statSync(f).isFile();
    } catch {
      return false;
    }
  });
}

export async function runRead(files: string[], opts: CommonOptions, version: string): Promise<number> {
  const analysis = analysisOptions(opts);
  const threads = parseThreads(opts.threads);
  const format = reportFormat(opts);
  checkInputs(files);
  const output = openOutput(opts.output, { ownerOnly: opts.showSecrets });
  const progress = new Progress(Boolean(process.stderr.isTTY), 'reading');
  // The progress line is cleared before report text goes to the same terminal.
  const sink = (t: string): void => {
    progress.done();
    output.write(t);
  };
  const bytes = (b: Uint8Array): void => {
    progress.done();
    output.writeBytes(b);
  };
  const report = makeReport(format, sink, reportOptions(opts, useColor(opts, output.isTerminal), version, files, output.isTerminal), bytes);
  // --fail-on needs only whether some finding reached the level, not the findings themselves.
  let triggered = false;
  // File reports want conversations in the order they started: each is held only until every
  // conversation that started before it has finished (bounded: see StartOrder), so memory stays flat.
  const sharded = shardable(files, format, threads);
  // A json/jsonl report is rendered when a conversation finishes, not when StartOrder releases it:
  // what waits in the window is then its text (~25 KB), not its object graph (several times that),
  // which keeps the heap, and so the peak RSS, flat (docs/performance.md, "Memory").
  // Event lines (not sharded) are rendered by their report, which remembers each conversation's
  // endpoints for the cross-conversation findings at the end.
  const renderNow = report instanceof EventLinesReport ? (c: Conversation) => report.render(c)
    : !sharded && (format === 'json' || format === 'jsonl') ? conversationRenderer(format) : undefined;
  const renderOpts = reportOptions(opts, false, version, files);
  const order = sharded || renderNow
    ? new StartOrder<Held>((r) => (report as JsonReport | JsonLinesReport | EventLinesReport).preRendered(r))
    : new StartOrder<Conversation>((c) => report.conversation(c));
  const common: SessionOptions = {
    ...analysis,
    onConversationStart: (id) => order.start(id),
    onInputDone: () => order.flush(),
    onWarning: (_input, w) => {
      progress.done();
      // The capture layer's message already starts with the input's name.
      process.stderr.write(`mailwire: warning: ${w.message}\n`);
    },
    onProgress: (r, t) => progress.update(r, t),
  };
  const finished = (item: Conversation | RenderedConversation): void => {
    if (!triggered && failOnTriggered(opts.failOn, item.findings)) triggered = true;
    if (renderNow && 'events' in item) {
      const text = renderNow(item, renderOpts);
      const held: Held = { id: item.id, text: text === undefined ? undefined : Buffer.from(text), loginRows: loginRows(item, opts.showSecrets) };
      (order as StartOrder<Held>).finish(held);
      return;
    }
    (order as StartOrder<typeof item>).finish(item);
  };
  let cross: Finding[];
  let stats: AnalysisStats;
  try {
    if (sharded) {
      const render: RenderSettings = {
        format: opts.format as 'json' | 'jsonl',
        showSecrets: opts.showSecrets,
        minSeverity: opts.minSeverity,
        onlyProblems: opts.onlyProblems,
        version,
        inputs: files,
      };
      const bodies = reportOptions(opts, false, version, files).bodies;
      if (bodies !== undefined) render.bodies = bodies;
      ({ findings: cross, stats } = await analyzeInputsSharded(files, { ...common, threads, render, onRendered: finished }));
    } else {
      ({ findings: cross, stats } = await analyzeInputs(files, { ...common, onConversation: finished }));
    }
  } finally {
    progress.done();
  }
  order.flush();
  if (failOnTriggered(opts.failOn, cross)) triggered = true;
  report.finish(cross, stats);
  output.close();
  return triggered ? EXIT_FINDINGS : EXIT_OK;
}
