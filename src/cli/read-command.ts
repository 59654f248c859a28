/** `mailwire read FILE...` */
import { analyzeInputs, type AnalysisStats } from '../analyze.js';
import { SEVERITY_ORDER } from '../report/describe.js';
import type { Conversation, Finding, Severity } from '../model/conversation.js';
import { EXIT_FINDINGS, EXIT_OK, type CommonOptions, analysisOptions, checkInputs, useColor } from './options.js';
import { openOutput } from './output.js';
import { Progress } from './progress.js';
import { makeReport, reportOptions } from './report-factory.js';
import { StartOrder } from './start-order.js';

/** Whether --fail-on is triggered by these findings. */
export function failOnTriggered(level: Severity | undefined, findings: Iterable<Finding>): boolean {
  if (!level) return false;
  for (const f of findings) if (SEVERITY_ORDER[f.severity] >= SEVERITY_ORDER[level]) return true;
  return false;
}

export async function runRead(files: string[], opts: CommonOptions, version: string): Promise<number> {
  const analysis = analysisOptions(opts);
  checkInputs(files);
  const output = openOutput(opts.output, { ownerOnly: opts.showSecrets });
  const progress = new Progress(Boolean(process.stderr.isTTY), 'reading');
  // The progress line is cleared before report text goes to the same terminal.
  const sink = (t: string): void => {
    progress.done();
    output.write(t);
  };
  const report = makeReport(opts.format, sink, reportOptions(opts, useColor(opts, output.isTerminal), version, files));
  // --fail-on needs only whether some finding reached the level, not the findings themselves.
  let triggered = false;
  // File reports want conversations in the order they started: each is held only until every
  // conversation that started before it has finished (bounded: see StartOrder), so memory stays flat.
  const order = new StartOrder<Conversation>((c) => report.conversation(c));
  let cross: Finding[];
  let stats: AnalysisStats;
  try {
    ({ findings: cross, stats } = await analyzeInputs(files, {
      ...analysis,
      onConversationStart: (id) => order.start(id),
      onConversation: (c) => {
        if (!triggered && failOnTriggered(opts.failOn, c.findings)) triggered = true;
        order.finish(c);
      },
      onInputDone: () => order.flush(),
      onWarning: (_input, w) => {
        progress.done();
        // The capture layer's message already starts with the input's name.
        process.stderr.write(`mailwire: warning: ${w.message}\n`);
      },
      onProgress: (r, t) => progress.update(r, t),
    }));
  } finally {
    progress.done();
  }
  order.flush();
  if (failOnTriggered(opts.failOn, cross)) triggered = true;
  report.finish(cross, stats);
  output.close();
  return triggered ? EXIT_FINDINGS : EXIT_OK;
}
