/**
 * The library's one-call entry point: `analyze(inputs, options)` reads captures (paths, bytes or
 * streams) and returns the model the JSON report documents (docs/json-schema.md), redacted unless
 * the caller asks for secrets: what `mailwire read --format json` prints, as an object.
 *
 * Errors are MailwireErrors with a stable `code` (ERR_...); their messages name the input (its
 * path, or "input 2 (buffer)") and never contain its bytes.
 */
import { analyzeInputs, SCHEMA_VERSION, type AnalysisStats } from './analyze.js';
import { MailwireError } from './errors.js';
import { toSource, type CaptureInput, type InputSource } from './inputs.js';
import type { Conversation, Finding, Severity } from './model/conversation.js';
import { conversationForJson, summaryWithLogins } from './report/json.js';
import { LoginTable, type LoginRow } from './report/logins.js';
import type { ReportOptions } from './report/context.js';
import { ruleInfo } from './report/rule-info.js';
import { visibleFindings } from './report/filter.js';
import { SEVERITY_ORDER } from './report/describe.js';
import { packageVersion } from './version.js';

export interface AnalyzeOptions {
  /** Return passwords, tokens and SASL responses in clear. Default false: they are redacted, as in every report. */
  showSecrets?: boolean;
  /** TLS key log (SSLKEYLOGFILE format) as text or bytes, to decrypt 993/995 and STARTTLS/STLS. */
  keyLog?: string | Uint8Array;
  /** Extra TCP ports to dissect (traffic that greets like IMAP/POP3 is found on any port anyway). */
  ports?: number[];
  /** Response time in seconds counted as slow (imap.slow-response); default 5. */
  slowResponseSec?: number;
  /** The name clients use for the server (TLS certificate check). */
  serverName?: string;
  /** Findings below this severity are left out (default 'info': all). */
  minSeverity?: Severity;
  /** Names for the inputs, by position (default: the path, or "input N (buffer)" / "input N (stream)"). */
  names?: string[];
}

/** A conversation as the JSON report has it: redacted unless showSecrets, with its outcome in words. */
export type ReportConversation = Conversation & {
  outcome: string;
  /** Wireshark's display filter for the conversation's packets in its input file (`tcp.stream eq 7`). */
  displayFilter?: string;
};

/** The summary as the JSON report has it: totals, and every login attempt (`logins.attempts`). */
export type ReportSummary = Omit<AnalysisStats, 'logins'> & {
  logins: AnalysisStats['logins'] & { attempts: LoginRow[]; attemptsDropped?: number };
};

/** What analyze() returns: the JSON report's document (docs/json-schema.md), as an object. */
export interface Report {
  schemaVersion: number;
  generator: { name: 'mailwire'; version: string };
  /** The inputs' names, in the order given. */
  inputs: string[];
  /** Whether secrets were left in (showSecrets). */
  secretsShown: boolean;
  /** Every conversation, in the order they started. */
  conversations: ReportConversation[];
  /** Findings about several conversations together (e.g. repeated login failures). */
  findings: Finding[];
  summary: ReportSummary;
}

/**
 * Analyses one or more captures as `mailwire read --format json` does and returns its document.
 * `inputs`: a path, a Buffer/Uint8Array holding a capture (pcap, pcapng, gzip), a readable stream
 * (any AsyncIterable of bytes), or an array of them (read one after the other, conversations
 * numbered across them). Throws a MailwireError (ERR_INVALID_INPUT, ERR_INPUT_NOT_FOUND,
 * ERR_CAPTURE_BAD_MAGIC...) when an input cannot be read at all; damage inside a capture is a
 * warning in `summary.inputs[].warnings`.
 */
export async function analyze(inputs: CaptureInput | readonly CaptureInput[], options: AnalyzeOptions = {}): Promise<Report> {
  const list: readonly CaptureInput[] = Array.isArray(inputs) ? inputs : [inputs as CaptureInput];
  if (list.length === 0) throw new MailwireError('ERR_INVALID_INPUT', 'no input given: pass a file path, a Buffer or Uint8Array, or a readable stream');
  const sources: InputSource[] = list.map((input, i) => toSource(input, i + 1, options.names?.[i]));
  const showSecrets = options.showSecrets === true;
  const minSeverity = checkedSeverity(options.minSeverity);
  const version = packageVersion();
  const names = sources.map((s) => s.name);
  const reportOpts: ReportOptions = { showSecrets, color: false, minSeverity, onlyProblems: false, ruleInfo, version, inputs: names };
  const conversations: Conversation[] = [];
  const logins = new LoginTable(showSecrets);
  let result: Awaited<ReturnType<typeof analyzeInputs>>;
  try {
    result = await analyzeInputs(sources, {
      extraPorts: options.ports ?? [],
      ...(options.keyLog !== undefined ? { keyLogText: keyLogText(options.keyLog) } : {}),
      ...(options.slowResponseSec !== undefined ? { slowResponseSec: options.slowResponseSec } : {}),
      ...(options.serverName !== undefined ? { serverName: options.serverName } : {}),
      onConversation: (c) => conversations.push(c),
    });
  } catch (err) {
    throw asMailwireError(err);
  }
  // Reports list conversations in the order they started (ids are given in that order).
  conversations.sort((a, b) => a.id - b.id);
  const shown = conversations.map((c) => {
    logins.add(c);
    return conversationForJson(c, reportOpts);
  });
  return {
    schemaVersion: SCHEMA_VERSION,
    generator: { name: 'mailwire', version },
    inputs: names,
    secretsShown: showSecrets,
    conversations: shown,
    findings: visibleFindings(result.findings, minSeverity),
    summary: summaryWithLogins(result.stats, logins) as ReportSummary,
  };
}

function keyLogText(k: string | Uint8Array): string {
  if (typeof k === 'string') return k;
  if (k instanceof Uint8Array) return Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString('latin1');
  throw new MailwireError('ERR_INVALID_INPUT', `options.keyLog is ${typeof k}: pass the key log's text or bytes`);
}

function checkedSeverity(s: Severity | undefined): Severity {
  if (s === undefined) return 'info';
  if (Object.prototype.hasOwnProperty.call(SEVERITY_ORDER, s)) return s;
  throw new MailwireError('ERR_INVALID_INPUT', 'options.minSeverity must be info, warning or error');
}

/**
 * Anything else thrown while reading becomes ERR_INTERNAL with a message of our own: a foreign
 * error's message might quote what it was parsing. The original stays reachable as `cause`.
 */
function asMailwireError(err: unknown): MailwireError {
  if (err instanceof MailwireError) return err;
  const e = new MailwireError('ERR_INTERNAL', `internal error while analysing (${err instanceof Error ? err.name : typeof err}); please report it`);
  (e as Error & { cause?: unknown }).cause = err;
  return e;
}
