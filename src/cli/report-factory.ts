/** Picks the report writer for --format and fills the report options from the command line. */
import type { ReportOptions, ReportWriter, Sink } from '../report/context.js';
import { TextReport } from '../report/text.js';
import { JsonLinesReport, JsonReport } from '../report/json.js';
import { MarkdownReport } from '../report/markdown.js';
import { HtmlReport } from '../report/html.js';
import { ruleInfo } from '../report/rule-info.js';
import { type CommonOptions, parseNumber } from './options.js';

export function reportOptions(opts: CommonOptions, color: boolean, version: string, inputs: string[]): ReportOptions {
  const bodies = parseNumber('--bodies', opts.bodies, 0);
  const r: ReportOptions = {
    showSecrets: opts.showSecrets,
    color,
    minSeverity: opts.minSeverity,
    onlyProblems: opts.onlyProblems,
    ruleInfo,
    version,
    inputs,
  };
  if (bodies !== undefined) r.bodies = bodies;
  return r;
}

export function makeReport(format: CommonOptions['format'], sink: Sink, options: ReportOptions): ReportWriter {
  switch (format) {
    case 'json':
      return new JsonReport(sink, options);
    case 'jsonl':
      return new JsonLinesReport(sink, options);
    case 'markdown':
      return new MarkdownReport(sink, options);
    case 'html':
      return new HtmlReport(sink, options);
    default:
      return new TextReport(sink, options);
  }
}
