/** `mailwire read FILE...` */
import { readFileSync } from 'node:fs';
import { analyzeInputs, type AnalysisStats } from '../analyze.js';
import { SEVERITY_ORDER } from '../report/describe.js';
import type { Conversation, Finding, Severity } from '../model/conversation.js';
import { EXIT_FINDINGS, EXIT_OK, type CommonOptions, UsageError, parseNumber, parsePorts, useColor } from './options.js';
import { openOutput } from './output.js';
import { Progress } from './progress.js';
import { makeReport, reportOptions } from './report-factory.js';

export function readKeyLog(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'latin1');
  } catch (err) {
    throw new UsageError(`cannot read key log ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Whether --fail-on is triggered by these findings. */
export function failOnTriggered(level: Severity | undefined, findings: Iterable<Finding>): boolean {
  if (!level) return false;
  for (const f of findings) if (SEVERITY_ORDER[f.severity] >= SEVERITY_ORDER[level]) return true;
  return false;
}

export async function runRead(files: string[], opts: CommonOptions, version: string): Promise<number> {
  const extraPorts = parsePorts(opts.ports);
  const slow = parseNumber('--slow', opts.slow, 0);
  const keyLogText = readKeyLog(opts.keylog);
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
  const output = openOutput(opts.output);
  const progress = new Progress(Boolean(process.stderr.isTTY), 'reading');
  // The progress line is cleared before report text goes to the same terminal.
  const sink = (t: string): void => {
    progress.done();
    output.write(t);
  };
  const report = makeReport(opts.format, sink, reportOptions(opts, useColor(opts, output.isTerminal), version, files));
  const all: Finding[] = [];
  // File reports want conversations in the order they started: hold each until all earlier ones
  // finished, within a bounded window (then in the order they finished), so memory stays flat.
  const pending = new Map<number, Conversation>();
  let nextId = 1;
  const flush = (force: boolean): void => {
    for (;;) {
      const c = pending.get(nextId);
      if (c) {
        pending.delete(nextId);
        report.conversation(c);
        nextId++;
        continue;
      }
      if ((force || pending.size > 1000) && pending.size > 0) {
        nextId = Math.min(...pending.keys());
        continue;
      }
      return;
    }
  };
  let cross: Finding[];
  let stats: AnalysisStats;
  try {
    ({ findings: cross, stats } = await analyzeInputs(files, {
      extraPorts,
      ...(keyLogText !== undefined ? { keyLogText } : {}),
      ...(slow !== undefined ? { slowResponseSec: slow } : {}),
      ...(opts.serverName ? { serverName: opts.serverName } : {}),
      onConversation: (c) => {
        all.push(...c.findings);
        pending.set(c.id, c);
        flush(false);
      },
      onInputDone: () => flush(true),
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
  flush(true);
  all.push(...cross);
  report.finish(cross, stats);
  output.close();
  return failOnTriggered(opts.failOn, all) ? EXIT_FINDINGS : EXIT_OK;
}
