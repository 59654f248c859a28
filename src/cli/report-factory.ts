/** Picks the report writer for --format and fills the report options from the command line. */
import type { ReportOptions, ReportWriter, Sink } from '../report/context.js';
import { TextReport } from '../report/text.js';
import { JsonLinesReport, JsonReport, type ByteSink } from '../report/json.js';
import { MarkdownReport } from '../report/markdown.js';
import { HtmlReport } from '../report/html.js';
import { EventLinesReport } from '../report/events/event-lines.js';
import { ruleInfo } from '../report/rule-info.js';
import { type CommonOptions, parseNumber, reportWidth } from './options.js';

/** `toTerminal`: the report goes to a terminal (colour is decided by the caller, the width here). */
export function reportOptions(opts: CommonOptions, color: boolean, version: string, inputs: string[], toTerminal = false): ReportOptions {
  const bodies = parseNumber('--bodies', opts.bodies, 0);
  const r: ReportOptions = {
    showSecrets: opts.showSecrets,
    color,
    width: reportWidth(opts, toTerminal),
    brief: Boolean(opts.brief),
    minSeverity: opts.minSeverity,
    onlyProblems: opts.onlyProblems,
    ruleInfo,
    version,
    inputs,
  };
  if (bodies !== undefined) r.bodies = bodies;
  if (opts.sensor !== undefined) r.sensor = opts.sensor;
  return r;
}

/** `bytes`: where json and jsonl reports write pre-rendered UTF-8 text (sharded reading). */
export function makeReport(format: CommonOptions['format'] | 'events', sink: Sink, options: ReportOptions, bytes?: ByteSink): ReportWriter {
  switch (format) {
    case 'json':
      return new JsonReport(sink, options, bytes);
    case 'jsonl':
      return new JsonLinesReport(sink, options, bytes);
    case 'events':
      return new EventLinesReport(sink, options, bytes);
    case 'markdown':
      return new MarkdownReport(sink, options);
    case 'html':
      return new HtmlReport(sink, options);
    default:
      return new TextReport(sink, options);
  }
}
