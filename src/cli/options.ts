/** Options shared by the commands, validated and turned into report and analysis options. */
import { systemErrorWords } from '../errors.js';
import type { Severity } from '../model/conversation.js';
import type { SessionOptions } from '../analyze.js';
import { readKeyLogText } from '../protocols/tls/keylog-file.js';
import { escapeTerminal } from '../report/escape.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** The exit statuses, as --help states them. */
export const EXIT_STATUS_HELP = `
Exit status:
  0  success (findings or not, unless --fail-on)
  1  --fail-on: a finding of that severity or worse was found
  2  bad usage, or an input that cannot be read (one line on stderr says what and where)`;

export class UsageError extends Error {}

export interface CommonOptions {
  format: 'text' | 'json' | 'jsonl' | 'markdown' | 'html';
  output?: string;
  ports?: string;
  keylog?: string;
  showSecrets: boolean;
  onlyProblems: boolean;
  minSeverity: Severity;
  failOn?: Severity;
  bodies?: string;
  slow: string;
  serverName?: string;
  /** --table-budget: the connection table's memory budget in MiB. */
  tableBudget?: string;
  color: boolean;
  /** Text report: one line per conversation. */
  brief?: boolean;
  /** Text report: wrap width in columns (0: none). */
  width?: string;
  write?: string;
  snaplen?: string;
  /** live: kernel capture buffer in KiB (-B, as tcpdump). */
  bufferSize?: string;
  duration?: string;
  count?: string;
  /** read: worker threads (--threads N|auto). */
  threads?: string;
  /** read: capture files given as tcpdump takes them (-r FILE, repeatable). */
  file?: string[];
  /** read: report filters applied after the analysis. */
  client?: string;
  server?: string;
  user?: string;
  finding?: string;
  conversation?: string;
  /** jsonl's schema version: '1' (default, the v1 lines) or '2' (event lines, docs/events.md). */
  schema?: string;
  /** The sensor's name in event lines (observer.name); live defaults to the host name. */
  sensor?: string;
  /** live: rotation of the -w and -o files (-C MB, -G seconds, -W count; rotation.ts). */
  fileSize?: string;
  rotateSeconds?: string;
  fileCount?: string;
}

/** The report to write: --format, with `--format jsonl --schema 2` being the event lines. */
export function reportFormat(opts: Pick<CommonOptions, 'format' | 'schema'>): CommonOptions['format'] | 'events' {
  if (opts.schema === undefined || opts.schema === '1') return opts.format;
  if (opts.schema !== '2') throw new UsageError(`--schema: '${opts.schema}' is not a schema version (1 or 2)`);
  if (opts.format !== 'jsonl') throw new UsageError('--schema 2 is for --format jsonl (event lines); the json document stays schema 1');
  return 'events';
}

export function parsePorts(list: string | undefined): number[] {
  if (!list) return [];
  return list.split(',').map((p) => {
    const t = p.trim();
    const n = Number(t);
    if (!/^\d+$/.test(t) || n < 1 || n > 65535) throw new UsageError(`--ports: '${t}' is not a TCP port (1-65535)`);
    return n;
  });
}

export function parseNumber(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`${name}: '${value}' is not a number >= ${min}`);
  return n;
}

/** Colour: --no-color and NO_COLOR switch it off, FORCE_COLOR on, otherwise only on a terminal. */
export function useColor(opts: CommonOptions, toTerminal: boolean, env = process.env): boolean {
  if (!opts.color) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return toTerminal;
}

/** Columns the text report wraps at when the output is not a terminal and --width is not given. */
export const DEFAULT_REPORT_WIDTH = 100;

/** --width, else the terminal's width, else DEFAULT_REPORT_WIDTH; 0 means no wrapping. */
export function reportWidth(opts: Pick<CommonOptions, 'width'>, toTerminal: boolean, columns = process.stdout.columns): number {
  const width = parseNumber('--width', opts.width, 0);
  if (width !== undefined) return Math.floor(width);
  return toTerminal && columns ? columns : DEFAULT_REPORT_WIDTH;
}

/** The key log's well-formed lines, read streamed and bounded (readKeyLogText); its warning goes to stderr. */
export function readKeyLog(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readKeyLogText(path, (message) => process.stderr.write(`mailwire: warning: ${escapeTerminal(message)}\n`));
  } catch (err) {
    throw new UsageError(`cannot read key log ${path}: ${systemErrorWords(err)}`);
  }
}

/** The analysis options every command takes (--ports, --keylog, --slow, --server-name), parsed once. */
export function analysisOptions(opts: { ports?: string; keylog?: string; slow?: string; serverName?: string; tableBudget?: string }): Pick<SessionOptions, 'extraPorts' | 'keyLogText' | 'slowResponseSec' | 'serverName' | 'tableBudgetBytes'> {
  const out: Pick<SessionOptions, 'extraPorts' | 'keyLogText' | 'slowResponseSec' | 'serverName' | 'tableBudgetBytes'> = { extraPorts: parsePorts(opts.ports) };
  const keyLogText = readKeyLog(opts.keylog);
  if (keyLogText !== undefined) out.keyLogText = keyLogText;
  const slow = parseNumber('--slow', opts.slow, 0);
  if (slow !== undefined) out.slowResponseSec = slow;
  if (opts.serverName) out.serverName = opts.serverName;
  const budget = parseNumber('--table-budget', opts.tableBudget, 1);
  if (budget !== undefined) out.tableBudgetBytes = Math.round(budget * 2 ** 20);
  return out;
}

/** Standard input can be read only once in a run. */
export function checkInputs(files: readonly string[]): void {
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
}
