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
import { EXIT_FINDINGS, EXIT_OK, type CommonOptions, UsageError, analysisOptions, checkInputs, parseNumber, reportFormat, useColor } from './options.js';
import { openOutput } from './output.js';
import { splitInputsAndFilter } from '../inputs.js';
import { isEmptySelection, parseAddress, selector, type Selection } from '../report/selection.js';
import { writeStream } from '../capture/stream-slice.js';
import { Progress } from './progress.js';
import { makeReport, reportOptions } from './report-factory.js';
import { StartOrder } from './start-order.js';
import { inputKind } from '../logs/input-kind.js';

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
    if (f === '-' || inputKind(f) !== 'capture') return false;
    try {
      return statSync(f).isFile();
    } catch {
      return false;
    }
  });
}

export async function runRead(args: string[], opts: CommonOptions, version: string): Promise<number> {
  const { files, filter: captureFilter } = splitInputsAndFilter(args, opts.file ?? []);
  const analysis: SessionOptions = analysisOptions(opts);
  if (captureFilter !== undefined) analysis.captureFilter = captureFilter;
  const count = parseNumber('-c', opts.count, 1);
  if (count !== undefined) analysis.count = Math.floor(count);
  const selection = readSelection(opts);
  const select = selector(selection);
  const selecting = !isEmptySelection(selection);
  if (opts.write !== undefined && selection.conversation === undefined) throw new UsageError('-w writes one conversation\'s packets: give --conversation N too');
  // Filters and selections are applied on the main thread: they read the sharded path out.
  const threads = captureFilter !== undefined || count !== undefined || selecting || opts.write !== undefined ? 1 : parseThreads(opts.threads);
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
    : new StartOrder<Conversation>((c) => {
      if (select.conversation(c)) report.conversation(c);
    });
  // --conversation N -w FILE: where conversation N came from, to cut its packets out afterwards.
  let wanted: { input: string; tcpStream: number } | undefined;
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
    if ('events' in item && selection.conversation === item.id && item.tcpStream !== undefined && item.input !== undefined) {
      wanted = { input: item.input, tcpStream: item.tcpStream };
    }
    if (renderNow && 'events' in item) {
      // A conversation the selection leaves out is held like one --only-problems hides: no text, its logins counted.
      const text = select.conversation(item) ? renderNow(item, renderOpts) : undefined;
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
  report.finish(selecting ? cross.filter(select.finding) : cross, stats);
  output.close();
  if (opts.write !== undefined) {
    if (wanted === undefined) throw new UsageError(`--conversation ${selection.conversation}: no such conversation in ${files.join(', ')}`);
    const written = await writeStream(wanted.input, wanted.tcpStream, opts.write);
    process.stderr.write(`mailwire: wrote ${written} packets of conversation #${selection.conversation} (tcp.stream eq ${wanted.tcpStream} of ${wanted.input}) to ${opts.write}\n`);
  }
  return triggered ? EXIT_FINDINGS : EXIT_OK;
}

/** --client, --server, --user, --finding, --conversation, checked. */
function readSelection(opts: CommonOptions): Selection {
  const s: Selection = {};
  for (const side of ['client', 'server'] as const) {
    const v = opts[side];
    if (v === undefined) continue;
    if (parseAddress(v) === undefined) throw new UsageError(`--${side}: '${v}' is not an address (10.0.0.1, 10.0.0.1:143, 2001:db8::1 or [2001:db8::1]:993)`);
    s[side] = v;
  }
  if (opts.user !== undefined) s.user = opts.user;
  if (opts.finding !== undefined) s.finding = opts.finding;
  if (opts.conversation !== undefined) {
    if (!/^\d+$/.test(opts.conversation) || Number(opts.conversation) < 1) throw new UsageError(`--conversation: '${opts.conversation}' is not a conversation number (#N in the report)`);
    s.conversation = Number(opts.conversation);
  }
  return s;
}
