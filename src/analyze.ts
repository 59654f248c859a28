/**
 * The pipeline: capture → decode → tcp → protocols → diagnose. One Analyzer per input (frame numbers
 * restart with each file, as in Wireshark); a Diagnoser shared across inputs sees them all.
 *
 * Streaming: conversations are handed on (diagnosed) as they finish, and are not kept here; the
 * caller decides whether to collect them (reports of a file) or print and forget them (live, jsonl).
 */
import { frameTime, type CaptureSecrets, type CaptureStats, type CaptureWarning, type FrameSink, type RawFrame } from './capture/frame.js';
import { pathSource, type InputSource } from './inputs.js';
import { CaptureFilter } from './capture/capture-filter.js';
import { newDecoded, type Decoded } from './decode/decoded.js';
import { createDecodeContext, decodeFrame, type DecodeContext } from './decode/decode-frame.js';
import type { DecodeStats } from './decode/decode-counters.js';
import { TcpReassembler } from './tcp/reassembler.js';
import { connectionView, PathTracker } from './connectivity/path-tracker.js';
import type { Reachability } from './connectivity/facts.js';
import { announcingStarts, type StreamFactory } from './tcp/stream.js';
import { numberingStreams, TcpStreamIndex } from './tcp/stream-index.js';
import { Dispatcher } from './protocols/dispatch.js';
import type { UndissectedSummary } from './protocols/undissected.js';
import { inputKind, type InputKind } from './logs/input-kind.js';
import { readExchangeProtocolLog, type LogReadSummary } from './logs/exchange-protocol-log.js';
import type { ContentSink } from './protocols/dissector.js';
import { makeTlsLayerFactory } from './protocols/tls/tls-layer.js';
import { mergeKeyLog, parseKeyLog, type KeyLog } from './protocols/tls/keylog.js';
import { Diagnoser } from './diagnose/diagnose.js';
import { mayRaiseLiveFinding } from './diagnose/live-trigger.js';
import type { LedgerEntry } from './diagnose/ledger.js';
import type { AuthAttempt, Conversation, Finding } from './model/conversation.js';

export const SCHEMA_VERSION = 1;

/**
 * Exchanges of one conversation up to which the live rules run while it is open
 * (incrementalFindings): each run reads the whole conversation so far, so without a bound a session
 * of thousands of commands would cost quadratic time. Beyond it, that conversation's findings come
 * when it ends, as in `read` (the failures live mode is for, a refused login, come early in a session).
 */
export const MAX_LIVE_CHECKED_EXCHANGES = 500;

/** Capture warnings kept per input for the report (the rest are counted). */
const MAX_WARNINGS_KEPT = 100;

export interface AnalyzeOptions {
  /** Extra ports to dissect (--ports). */
  extraPorts?: number[];
  /** TLS key log text (--keylog), merged with any Decryption Secrets Block in the capture. */
  keyLogText?: string;
  /**
   * A key log object to use (and merge keyLogText and capture secrets into) instead of a new one:
   * `live --keylog` passes a followed file's (KeyLogFile.keyLog), which re-reads the file when a
   * TLS session's secrets are missing.
   */
  keyLog?: KeyLog;
  /** imap.slow-response threshold in seconds. */
  slowResponseSec?: number;
  /** Memory budget of the TCP connection table in bytes (--table-budget; default TCP_LIMITS.TABLE_BUDGET_BYTES). */
  tableBudgetBytes?: number;
  /** Expected server name for TLS certificate checks. */
  serverName?: string;
  /**
   * Receives message content (IMAP literals, POP3 RETR/TOP bodies) as it streams (`mailwire extract`);
   * ContentStart.conversation is the id the conversation will have in the analysis.
   */
  content?: ContentSink;
  /** Called with each finished, diagnosed conversation (in the order they finish). */
  onConversation?(c: Conversation): void;
  /**
   * Called once with each finding of each conversation (cross-conversation findings are returned
   * by finish() instead): by default right after onConversation delivered its conversation; with
   * incrementalFindings, the findings of `live` rules (RuleMeta.live) as soon as the conversation
   * so far shows them, the others after onConversation. The conversation still carries them all.
   * `c` is the finding's conversation, possibly still open (absent from sharded reading's workers).
   */
  onFinding?(f: Finding, c?: Conversation): void;
  /** Run the `live` rules while conversations are open (`mailwire live`); `read` leaves it off. */
  incrementalFindings?: boolean;
  /**
   * Called when a connection gets a dissector, with the id its conversation will carry (unique
   * across inputs); each such id reaches onConversation exactly once, later. Lets a caller that
   * prints conversations in start order release each one as soon as no earlier one is still open.
   */
  onConversationStart?(id: number): void;
  /** Progress of file reading. */
  onProgress?(bytesRead: number, totalBytes: number | undefined): void;
  /**
   * Only frames that pass this capture filter (a tcpdump expression, `read -r FILE EXPR`) are
   * analysed; frames keep their numbers in the file and Wireshark's tcp.stream numbers stay those
   * of the whole file. Needs the native addon.
   */
  captureFilter?: string;
  /** Stop after this many frames passed the filter (tcpdump -c), across all inputs. */
  count?: number;
}

export interface InputSummary {
  name: string;
  capture?: CaptureStats;
  /** Frames by what decoding made of them, error reasons, and the first undecodable frames. */
  decoded?: DecodeStats;
  warnings: CaptureWarning[];
  warningCount: number;
  /** Reassembly counters (connections, ignored, evicted, timeouts, cap drops...). */
  tcp?: Record<string, number>;
  /** Connections seen but not dissected, per server port (absent when there were none). */
  undissected?: UndissectedSummary;
  /** The input was a server log (src/logs), not a capture: what was read of it. */
  log?: LogReadSummary;
  conversations: number;
}

export interface AnalysisStats {
  inputs: InputSummary[];
  frames: number;
  bytes: number;
  conversations: number;
  byProtocol: Record<string, number>;
  logins: { ok: number; failed: number; cancelled: number; unknown: number };
  findings: { error: number; warning: number; info: number; byId: Record<string, number> };
  /**
   * The administrator's checklist per server asked for: name lookups, connection attempts and what
   * became of them (src/connectivity). Absent when the capture holds neither mail connections nor
   * mail name lookups.
   */
  reachability?: Reachability;
}

export interface AnalysisResult {
  schemaVersion: number;
  inputs: string[];
  conversations: Conversation[];
  /** Findings that belong to no single conversation (cross-conversation rules). */
  findings: Finding[];
  stats: AnalysisStats;
}

/** Counts what flows past, for the summary. */
export class StatsCollector {
  readonly stats: AnalysisStats = {
    inputs: [],
    frames: 0,
    bytes: 0,
    conversations: 0,
    byProtocol: {},
    logins: { ok: 0, failed: 0, cancelled: 0, unknown: 0 },
    findings: { error: 0, warning: 0, info: 0, byId: {} },
  };

  conversation(c: Conversation): void {
    this.stats.conversations++;
    this.stats.byProtocol[c.protocol] = (this.stats.byProtocol[c.protocol] ?? 0) + 1;
    for (const a of c.auth) this.stats.logins[a.outcome]++;
    for (const f of c.findings) this.finding(f);
  }

  /** conversation() from the facts a worker thread sends (sharded reading, src/parallel). */
  conversationFacts(protocol: string, outcomes: readonly AuthAttempt['outcome'][], findings: readonly Finding[]): void {
    this.stats.conversations++;
    this.stats.byProtocol[protocol] = (this.stats.byProtocol[protocol] ?? 0) + 1;
    for (const o of outcomes) this.stats.logins[o]++;
    for (const f of findings) this.finding(f);
  }

  finding(f: Finding): void {
    this.stats.findings[f.severity]++;
    this.stats.findings.byId[f.id] = (this.stats.findings.byId[f.id] ?? 0) + 1;
  }
}

/**
 * Analyses one input (a file, stdin, or a live interface): it is the FrameSink of a capture source.
 */
export class InputAnalyzer implements FrameSink {
  readonly summary: InputSummary;
  private readonly decoded: Decoded = newDecoded();
  private readonly decodeContext: DecodeContext = createDecodeContext();
  private readonly reassembler: TcpReassembler;
  /** Wireshark's tcp.stream numbers of this input's packets (conversations carry theirs). */
  private readonly streams = new TcpStreamIndex();
  private readonly path: PathTracker;
  private readonly keyLog: KeyLog;
  private readonly dispatcher: Dispatcher;

  constructor(name: string, private readonly session: AnalysisSession) {
    this.summary = { name, warnings: [], warningCount: 0, conversations: 0 };
    this.keyLog = session.keyLog;
    const content = session.options.content;
    const path = new PathTracker((port) => dispatcher.isMailPort(port));
    this.path = path;
    const keyLog = this.keyLog;
    const dispatcher = new Dispatcher({
      extraPorts: session.options.extraPorts ?? [],
      tls: makeTlsLayerFactory({ keyLog }),
      hasKeys: (random) => keyLog.entries.has(random),
      // Content is numbered like the conversations it belongs to (unique across inputs).
      ...(content ? { content: renumberedContent(content, session, name) } : {}),
      onConversation: (c) => {
        this.summary.conversations++;
        const facts = path.attach(connectionView(c));
        if (facts) c.path = facts;
        session.conversation(c, name);
      },
      ...(session.options.incrementalFindings ? { onProgress: (c: Conversation) => session.progress(c) } : {}),
    });
    this.dispatcher = dispatcher;
    const started = session.options.onConversationStart;
    const numbered = numberingStreams(dispatcher, this.streams);
    const factory: StreamFactory = started === undefined ? numbered
      : announcingStarts(numbered, (conn) => started(conn.id + session.conversationIdBase));
    const budget = session.options.tableBudgetBytes;
    this.reassembler = new TcpReassembler(factory, { isMailPort: dispatcher.isMailPort, ...(budget !== undefined ? { tableBudgetBytes: budget } : {}) });
  }

  frame(f: RawFrame): void {
    const session = this.session;
    if (session.countReached) return;
    const d = decodeFrame(f, this.decoded, this.decodeContext);
    // Numbered before filtering: tcp.stream refers to the file as Wireshark opens it.
    if (d.kind === 'tcp') this.streams.packet(d);
    const filter = session.captureFilter;
    if (filter !== undefined && !filter.matches(f)) return;
    if (session.counting) session.countFrame();
    if (d.kind === 'tcp') this.reassembler.packet(f, d);
    else if (PathTracker.wants(d)) this.path.packet(f.index, frameTime(f), d);
  }

  /** -c COUNT reached: the reader may stop. */
  done(): boolean {
    return this.session.countReached;
  }

  warning(w: CaptureWarning): void {
    this.summary.warningCount++;
    if (this.summary.warnings.length < MAX_WARNINGS_KEPT) this.summary.warnings.push(w);
    this.session.options.onWarning?.(this.summary.name, w);
  }

  secrets(s: CaptureSecrets): void {
    mergeKeyLog(this.keyLog, s.text);
  }

  /** The input is over: flush reassembly (conversations still open are finished now). */
  finish(capture?: CaptureStats): InputSummary {
    this.decodeContext.fragments?.finish();
    this.reassembler.finish();
    // Failed connection attempts counted instead of reported (tcp.attempts-folded, at the end of the run).
    for (const r of this.reassembler.foldedAttempts()) this.session.diagnoser.ledger.foldedAttempts.push({ ...r, input: this.summary.name });
    this.summary.decoded = this.decodeContext.counters!.snapshot();
    if (capture) this.summary.capture = capture;
    this.summary.tcp = { ...this.reassembler.stats() } as unknown as Record<string, number>;
    this.session.pathsDone(this.path);
    const undissected = this.dispatcher.undissected.summary();
    if (undissected) this.summary.undissected = undissected;
    this.session.inputDone(this.summary);
    return this.summary;
  }
}

export interface SessionOptions extends AnalyzeOptions {
  onWarning?(input: string, w: CaptureWarning): void;
  /** Called when an input has been read completely. */
  onInputDone?(summary: InputSummary): void;
}

/** The sink as the dissectors see it: their connection ids become the analysis' conversation ids. */
function renumberedContent(content: ContentSink, session: AnalysisSession, input: string): ContentSink {
  return {
    begin: (s) => content.begin({ ...s, conversation: s.conversation + session.conversationIdBase, input }),
    chunk: (id, bytes) => content.chunk(id, bytes),
    end: (id, end) => content.end(id, end),
  };
}

/** What makes two findings of one conversation the same: the rule and what it points at. */
function findingKey(f: Finding): string {
  return `${f.id} ${f.frames.join(',')} ${f.events.join(',')}`;
}

/** State shared by all inputs of one run: diagnosis, statistics, conversation numbering. */
export class AnalysisSession {
  readonly keyLog: KeyLog;
  readonly diagnoser: Diagnoser;
  readonly stats = new StatsCollector();
  private idBase = 0;
  private maxIdThisInput = 0;
  /**
   * Keys (id, frames, events) of the findings already passed to onFinding, per open conversation
   * (by connection id), with incrementalFindings. Bounded by the open-connection table times the
   * findings the live rules may raise on one conversation (MAX_FINDINGS_PER_RULE_PER_CONVERSATION
   * each); an entry goes when its conversation ends.
   */
  private readonly emitted = new Map<number, Set<string>>();
  /**
   * Per open conversation (by connection id), with incrementalFindings: the first exchange that was
   * still unanswered at the last progress() and the number of authentication attempts then, so that
   * the live rules run again only when something they speak about has happened (see live-trigger.ts).
   */
  private readonly looked = new Map<number, { exchange: number; auth: number }>();

  /** The compiled --capture filter, when one was given. */
  readonly captureFilter: CaptureFilter | undefined;
  private passed = 0;

  constructor(readonly options: SessionOptions = {}) {
    this.captureFilter = options.captureFilter !== undefined && options.captureFilter.trim() !== '' ? new CaptureFilter(options.captureFilter) : undefined;
    this.keyLog = options.keyLog ? mergeKeyLog(options.keyLog, options.keyLogText ?? '') : parseKeyLog(options.keyLogText ?? '');
    this.diagnoser = new Diagnoser(options);
  }

  /** Whether frames are counted (options.count). */
  get counting(): boolean {
    return this.options.count !== undefined;
  }

  /** @internal One more frame passed the filter. */
  countFrame(): void {
    this.passed++;
  }

  /** options.count frames have passed: the rest of the input (and the other inputs) are skipped. */
  get countReached(): boolean {
    return this.options.count !== undefined && this.passed >= this.options.count;
  }

  /** Added to the reassembler's connection ids of the input being read (conversation ids are unique across inputs). */
  get conversationIdBase(): number {
    return this.idBase;
  }

  input(name: string): InputAnalyzer {
    return new InputAnalyzer(name, this);
  }

  /** @internal */
  conversation(c: Conversation, input: string): void {
    // Conversation ids are unique across inputs (each input's reassembler counts from 1).
    this.maxIdThisInput = Math.max(this.maxIdThisInput, c.id);
    const early = this.emitted.get(c.id);
    this.emitted.delete(c.id);
    this.looked.delete(c.id);
    c.id += this.idBase;
    c.input = input;
    this.diagnoser.conversation(c);
    // From a log, a finding's frames are the log's lines: say so as file:line (every format shows it).
    const log = c.log;
    if (log) for (const f of c.findings) f.lines = f.frames.map((l) => `${log.file}:${l}`);
    this.stats.conversation(c);
    this.options.onConversation?.(c);
    const onFinding = this.options.onFinding;
    if (!onFinding) return;
    for (const f of c.findings) if (!early?.has(findingKey(f))) onFinding(f, c);
  }

  /**
   * @internal Sharded reading (src/parallel): a conversation a worker thread diagnosed (rules) and
   * rendered, in the order conversation() would have seen it: its ledger entry and statistics.
   */
  renderedConversation(r: { id: number; protocol: string; outcomes: readonly AuthAttempt['outcome'][]; findings: readonly Finding[]; ledger: LedgerEntry | undefined }): void {
    this.maxIdThisInput = Math.max(this.maxIdThisInput, r.id - this.idBase);
    if (r.ledger) this.diagnoser.record(r.ledger);
    this.stats.conversationFacts(r.protocol, r.outcomes, r.findings);
  }

  /**
   * @internal A conversation still open has completed an exchange: its new `live` findings go to
   * onFinding now (each once), numbered as the conversation will be.
   */
  progress(c: Conversation): void {
    const onFinding = this.options.onFinding;
    if (!onFinding || c.exchanges.length > MAX_LIVE_CHECKED_EXCHANGES || !this.liveFindingsDue(c)) return;
    let seen = this.emitted.get(c.id);
    for (const f of this.diagnoser.progress(c, c.id + this.idBase)) {
      const key = findingKey(f);
      if (seen?.has(key)) continue;
      if (!seen) this.emitted.set(c.id, (seen = new Set()));
      seen.add(key);
      onFinding(f, c);
    }
  }

  /**
   * Whether an exchange answered since the last look, or a new authentication attempt, may give the
   * live rules something to report (mayRaiseLiveFinding). Exchanges from the first one still
   * unanswered at the last look are looked at again: pipelined commands are answered in any order.
   */
  private liveFindingsDue(c: Conversation): boolean {
    const last = this.looked.get(c.id);
    let due = last === undefined || c.auth.length !== last.auth;
    let firstOpen = c.exchanges.length;
    for (let i = last?.exchange ?? 0; i < c.exchanges.length; i++) {
      const x = c.exchanges[i]!;
      if (x.status === undefined) firstOpen = Math.min(firstOpen, i);
      else if (mayRaiseLiveFinding(x)) due = true;
    }
    this.looked.set(c.id, { exchange: firstOpen, auth: c.auth.length });
    return due;
  }

  /** @internal An input's connectivity facts: for the capture rules and the reachability summary. */
  pathsDone(path: PathTracker): void {
    const r = path.reachability();
    this.diagnoser.ledger.paths.push({ lookups: path.allLookups(), starts: path.starts, reachability: r.servers });
    if (r.servers.length === 0 && !r.dropped && !r.dnsErrors) return;
    const all = (this.stats.stats.reachability ??= { servers: [] });
    all.servers.push(...r.servers);
    for (const [from, to] of [[r.dropped, 'dropped'], [r.dnsErrors, 'dnsErrors']] as const) {
      if (!from) continue;
      const counts = (all[to] ??= {});
      for (const [k, n] of Object.entries(from)) counts[k] = (counts[k] ?? 0) + n;
    }
  }

  /**
   * Reads a server log (an input whose inputKind is not 'capture'): its sessions become
   * conversations, numbered and diagnosed like a capture's.
   */
  async readLog(path: string, kind: Exclude<InputKind, 'capture'>): Promise<InputSummary> {
    const summary: InputSummary = { name: path, warnings: [], warningCount: 0, conversations: 0 };
    switch (kind) {
      case 'exchange-protocol-log':
        summary.log = await readExchangeProtocolLog(path, (c) => {
          summary.conversations++;
          this.conversation(c, path);
        });
        break;
    }
    this.inputDone(summary);
    return summary;
  }

  /** @internal */
  inputDone(summary: InputSummary): void {
    this.idBase += this.maxIdThisInput;
    this.maxIdThisInput = 0;
    this.stats.stats.inputs.push(summary);
    this.stats.stats.frames += summary.capture?.frames ?? 0;
    this.stats.stats.bytes += summary.capture?.bytesRead ?? 0;
  }

  /** All inputs are done: cross-conversation findings. */
  finish(): Finding[] {
    const findings = this.diagnoser.finish();
    for (const f of findings) this.stats.finding(f);
    return findings;
  }
}

/**
 * Reads and analyses inputs (paths, '-' for stdin, or InputSources: src/inputs.ts) one after the other, streaming: each
 * conversation goes to options.onConversation as it finishes and is not kept. Returns the
 * cross-conversation findings and the totals. Errors that leave an input unreadable are thrown
 * (MailwireError); damage inside a file is a warning.
 */
export async function analyzeInputs(inputs: readonly (string | InputSource)[], options: SessionOptions = {}): Promise<{ findings: Finding[]; stats: AnalysisStats }> {
  const session = new AnalysisSession(options);
  for (const i of inputs) {
    // A server log given by path is told by its content; everything else is a capture.
    const kind = typeof i === 'string' ? inputKind(i) : 'capture';
    if (typeof i === 'string' && kind !== 'capture') {
      // Not inside `onInputDone?.(...)`: an optional call does not evaluate its argument when absent.
      const summary = await session.readLog(i, kind);
      options.onInputDone?.(summary);
      continue;
    }
    const source = typeof i === 'string' ? pathSource(i) : i;
    const input = session.input(source.name);
    const capture = await source.read(input, { onProgress: options.onProgress });
    input.finish(capture);
    options.onInputDone?.(input.summary);
  }
  const findings = session.finish();
  return { findings, stats: session.stats.stats };
}

/** analyzeInputs, collecting every conversation (sorted by id): the library's one-call API. */
export async function analyzeFiles(paths: string[], options: SessionOptions = {}): Promise<AnalysisResult> {
  const conversations: Conversation[] = [];
  const { findings, stats } = await analyzeInputs(paths, {
    ...options,
    onConversation: (c) => {
      conversations.push(c);
      options.onConversation?.(c);
    },
  });
  conversations.sort((a, b) => a.id - b.id);
  return { schemaVersion: SCHEMA_VERSION, inputs: paths, conversations, findings, stats };
}
