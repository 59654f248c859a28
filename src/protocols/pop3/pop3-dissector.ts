/**
 * The POP3 dissector: a StreamHandler for one connection that rebuilds the dialogue (RFC 1939,
 * 2449, 2595, 3206, 5034, 6856) into a Conversation.
 *
 * Contract: push parser, bytes in capture order per direction; the same events at any chunking;
 * never throws on bad bytes (malformed lines become 'malformed' events and anomalies, and parsing
 * resumes at the next line). Responses carry no tags, so each +OK/-ERR answers the oldest
 * unanswered command (pipelining is paired in order). Bodies of RETR/TOP are streamed: only their
 * size, first bytes and frames are kept (LiteralInfo form 'body' on the +OK event).
 */
import type { Anomaly, AuthAttempt, DialogueEvent, Exchange, SecretSpan, Side } from '../../model/conversation.js';
import { secretFacts } from '../../model/secrets.js';
import { CONTROL_CHARACTER, loginShape } from '../login-shape.js';
import { couldStartTls } from '../tls/record-header.js';
import type { ConnectionInfo, ConnectionSummary, Direction, EndReason, SegmentMeta } from '../../tcp/stream.js';
import { ConversationBuilder, decodeText } from '../conversation-builder.js';
import type { ContentSink, ContentStart, DissectorFactory, DissectorOptions, PlaintextSink, ProtocolDissector, TlsLayer } from '../dissector.js';
import { crlfScanner } from '../framing/crlf-scan.js';
import { LineFramer, type LineInfo } from '../framing/line-framer.js';
import { LIMITS } from '../limits.js';
import { applySasl } from '../sasl/attempt.js';
import { BodyAccumulator } from '../framing/body-accumulator.js';
import { apopTimestamp, isApopDigest, looksLikeStatus, parseChallenge, parseCommand, parseListLine, parseStatus, statusFacts, type ParsedCommand } from './grammar.js';
import { POP3_LIMITS } from './limits.js';
import { softwareFromGreeting, softwareFromImplementation } from './server-software.js';
import type { Pop3Parsed, Pop3State, Pop3Status } from './types.js';

/** An AUTH exchange in progress: what the SASL decoder will need. */
interface SaslProgress {
  mechanism: string;
  initialResponse?: string;
  steps: Array<{ side: 'C' | 'S'; text: string }>;
  cancelled: boolean;
  /** Challenges the client has not answered yet. */
  outstanding: number;
  /** Time of the client's last SASL line (response time excludes the user's think time). */
  lastClientTs: number;
  /** A client line of the exchange was longer than kept: the secret decoded is only its start. */
  cut?: boolean;
}

/** A command waiting for its answer. */
interface Pending {
  ex: Exchange;
  cmd: ParsedCommand;
  auth?: AuthAttempt;
  sasl?: SaslProgress;
  /** Sent before an earlier command was answered (RFC 2449 pipelining): its state is judged once those are (judgeState). */
  stateDeferred?: boolean;
}

/** A multi-line answer being read. */
interface MultiLine {
  pending: Pending;
  statusEvent: number;
  kind: 'body' | 'list';
  lines: number;
  notKept: number;
  body?: BodyAccumulator;
  capa?: string[];
  capaDropped: number;
  /** Bytes were lost inside it (gap): it cannot be complete. */
  damaged: boolean;
  /** Command events the client sent while it was being read (pipelined, unless it lacked its terminator). */
  sentDuring: number[];
}

const SIDE: readonly Side[] = ['C', 'S'];

/** Creates the POP3 dissector for one connection (see DissectorFactory). */
export const createPop3Dissector: DissectorFactory = (info, opts) => new Pop3Dissector(info, opts, true);

/**
 * The same dissector without the bulk path for message bodies (every body line through onLine):
 * the reference the bulk path is tested against (test/protocols/pop3/body-bulk.test.ts).
 */
export const createPop3DissectorLineByLine: DissectorFactory = (info, opts) => new Pop3Dissector(info, opts, false);

class Pop3Dissector implements ProtocolDissector {
  private readonly b: ConversationBuilder;
  private readonly framers: [LineFramer, LineFramer];
  private state: Pop3State = 'AUTHORIZATION';
  private greetingSeen = false;
  private apopStamp: string | undefined;
  private readonly pending: Pending[] = [];
  private multi: MultiLine | undefined;
  private lastUser: { user: string; frame: number } | undefined;
  private pipeliningAdvertised = false;
  private pipeliningReported = false;
  private tlsPhase = false;
  private authenticated = false;
  /** Lines arriving now come out of the TLS layer (decrypted) or implicit TLS. */
  private decryptedInput: boolean;
  /** After STLS +OK: raw bytes of both directions go to TLS. */
  private tlsSwitched = false;
  private tlsSwitchFrame = -1;
  /** A TLS record began after the STLS +OK (until then the switch can be undone: see tlsNotStarted). */
  private tlsSeen = false;
  private tls: TlsLayer | undefined;
  private readonly encrypted: [number, number] = [0, 0];
  /** Anomaly index and byte count of server bytes that shared the STLS +OK's segment. */
  private serverInjection: Anomaly | undefined;
  private serverInjectionBytes = 0;
  /** Resynchronising after a gap: skip lines until one parses, counting them. */
  private readonly resync: [number, number] = [-1, -1];
  private readonly bareLfCount: [number, number] = [0, 0];
  private readonly bareLfAnomaly: [Anomaly | undefined, Anomaly | undefined] = [undefined, undefined];
  /** close() ran: nothing more is accepted. */
  private closed = false;

  constructor(private readonly info: ConnectionInfo, private readonly opts: DissectorOptions, private readonly bulk: boolean) {
    this.b = new ConversationBuilder(info, 'pop3', opts.security);
    this.b.conv.state = this.state;
    this.decryptedInput = opts.security === 'implicit-tls';
    if (this.decryptedInput) {
      this.b.conv.transport.decrypted = true;
      this.tlsPhase = true;
    }
    this.framers = [this.makeFramer(0), this.makeFramer(1)];
  }

  private makeFramer(dir: Direction): LineFramer {
    return new LineFramer({
      line: (bytes, li) => this.onLine(dir, bytes, li, false),
      // POP3 never asks for raw mode.
      raw: () => undefined,
      // Message bodies are most of the bytes: their lines are taken in bulk (see bodyBulk).
      ...(dir === 1 && this.bulk ? { bulk: (buf: Uint8Array, start: number, end: number, li: LineInfo, max: number) => this.bodyBulk(buf, start, end, li, max) } : {}),
    });
  }

  // ---- StreamHandler -------------------------------------------------------------------------

  data(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void {
    if (this.closed || bytes.length === 0) return;
    if (this.tlsSwitched) this.tlsData(dir, bytes, meta);
    else this.feedPlain(dir, bytes, meta);
    this.b.reportProgress(this.opts.onProgress);
  }

  gap(dir: Direction, length: number, meta: SegmentMeta): void {
    if (this.closed) return;
    if (this.tlsSwitched) {
      if (this.tls) this.tls.gap(dir, length, meta);
      else this.encrypted[dir] += length;
      this.gapEvent(dir, length, meta, 'inside TLS');
    } else {
      this.plainGap(dir, length, meta);
    }
    this.b.reportProgress(this.opts.onProgress);
  }

  end(dir: Direction, reason: EndReason, meta: SegmentMeta): void {
    if (this.closed) return;
    if (this.tlsSwitched && this.tls) this.tls.end(dir, reason, meta);
    this.flushPartial(dir);
  }

  close(summary: ConnectionSummary): void {
    if (this.closed) return;
    this.flushPartial(0);
    this.flushPartial(1);
    this.closed = true;
    const conv = this.b.conv;
    if (this.multi) this.endMulti(false, summary.lastFrame, summary.endTs, 'the connection ended inside the multi-line answer');
    for (const p of this.pending) this.settleAuth(p, undefined);
    if (this.tls) {
      conv.tls = this.tls.facts();
      conv.transport.encryptedBytes = this.tls.encryptedBytes();
      if (this.tls.decrypted()) conv.transport.decrypted = true;
    } else if (this.tlsSwitched) {
      conv.transport.encryptedBytes = [this.encrypted[0], this.encrypted[1]];
    }
    for (const dir of [0, 1] as const) {
      const a = this.bareLfAnomaly[dir];
      if (a) a.detail = `${this.bareLfCount[dir]} ${dir === 0 ? 'client' : 'server'} line(s) ended with a bare LF instead of CRLF`;
    }
    conv.state = this.state;
    this.opts.onConversation(this.b.finish(summary));
  }

  // ---- plaintext framing ---------------------------------------------------------------------

  /**
   * Feeds plaintext to a direction's framer. While an STLS answer is awaited, server bytes are fed
   * one line at a time so that the bytes after its +OK can be handed to TLS unframed.
   */
  private feedPlain(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void {
    if (dir === 1 && !this.decryptedInput && this.awaitingStls()) {
      let pos = 0;
      while (pos < bytes.length && !this.tlsSwitched) {
        const lf = bytes.indexOf(0x0a, pos);
        const stop = lf < 0 ? bytes.length : lf + 1;
        this.framers[1].push(bytes.subarray(pos, stop), { ...meta, streamOffset: meta.streamOffset + pos });
        pos = stop;
      }
      if (pos < bytes.length) this.tlsData(1, bytes.subarray(pos), { ...meta, streamOffset: meta.streamOffset + pos });
      return;
    }
    this.framers[dir].push(bytes, meta);
  }

  private awaitingStls(): boolean {
    for (const p of this.pending) if (p.cmd.command === 'STLS') return true;
    return false;
  }

  private plainGap(dir: Direction, length: number, meta: SegmentMeta): void {
    this.framers[dir].gap((bytes, li) => this.partialLine(dir, bytes, li, 'line cut by a gap in the capture'));
    this.gapEvent(dir, length, meta, '');
    if (dir === 1 && this.multi) {
      // Inside a multi-line answer: keep reading until its terminator, but it is incomplete.
      this.multi.damaged = true;
      return;
    }
    this.resync[dir] = 0;
  }

  private gapEvent(dir: Direction, length: number, meta: SegmentMeta, where: string): void {
    this.b.gapEvent(SIDE[dir]!, length, meta, where, this.decryptedInput);
  }

  /** An unterminated line at a gap or at the end of a direction. */
  private partialLine(dir: Direction, bytes: Uint8Array, li: LineInfo, why: string): void {
    if (bytes.length === 0 && li.length === 0) return;
    if (dir === 1 && this.multi) {
      // Part of the body or list: count it, the terminator will tell the rest.
      this.onLine(dir, bytes, li, true);
      return;
    }
    const n = this.addLine(dir, bytes, li, 'malformed', { type: 'malformed', reason: why }, why);
    this.b.anomaly('unterminated-line', li.firstFrame, n, why);
  }

  private flushPartial(dir: Direction): void {
    if (this.tlsSwitched && !this.decryptedInput) return;
    this.framers[dir].finish((bytes, li) => this.partialLine(dir, bytes, li, 'line not terminated when the stream ended'));
  }

  // ---- TLS after STLS ------------------------------------------------------------------------

  private tlsData(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void {
    if (!this.tlsSeen && bytes.length > 0 && !(dir === 1 && meta.firstFrame <= this.tlsSwitchFrame)) {
      if (!couldStartTls(bytes)) {
        this.tlsNotStarted(dir, bytes, meta);
        return;
      }
      this.tlsSeen = true;
    }
    if (dir === 1 && meta.firstFrame <= this.tlsSwitchFrame) {
      // Counted over all chunks of that segment, so the detail does not depend on the chunking.
      this.serverInjection ??= this.newAnomaly('starttls-injection', meta.firstFrame, undefined);
      this.serverInjectionBytes += bytes.length;
      this.serverInjection.detail = `server sent ${this.serverInjectionBytes} byte(s) after its STLS +OK in the same segment`;
    }
    if (this.tls) this.tls.data(dir, bytes, meta);
    else this.encrypted[dir] += bytes.length;
  }

  /**
   * The first bytes after the STLS +OK are text (`USER alice`: a client that never started TLS, or
   * an injection): the switch is undone, so the cleartext dialogue, its login and its findings are
   * shown as what they are.
   */
  private tlsNotStarted(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void {
    this.tlsSwitched = false;
    this.tlsPhase = false;
    this.tls = undefined;
    this.b.conv.transport.security = 'plain';
    const side = dir === 0 ? 'client' : 'server';
    const n = this.b.addEvent({ side: SIDE[dir]!, kind: 'note', frame: meta.firstFrame, lastFrame: meta.firstFrame, ts: meta.ts, raw: '', note: `the ${side} did not start TLS after the STLS +OK: the dialogue continues in cleartext`, streamOffset: -1 });
    this.b.anomaly('starttls-injection', meta.firstFrame, n, `${side} sent cleartext instead of a TLS handshake after the STLS +OK (the connection was never encrypted)`);
    this.feedPlain(dir, bytes, meta);
  }

  private switchToTls(li: LineInfo): void {
    this.tlsSwitched = true;
    this.tlsSwitchFrame = li.lastFrame;
    this.tlsPhase = true;
    const conv = this.b.conv;
    conv.transport.security = 'starttls';
    // Client bytes that were already sent after STLS but form no complete line: plaintext injected
    // before the TLS handshake (complete lines were reported as they came).
    const client = this.framers[0];
    if (client.hasPartialLine) {
      client.finish((bytes, pl) => {
        const n = this.addLine(0, bytes, pl, 'malformed', { type: 'malformed', reason: 'sent after STLS before its answer' }, 'sent after STLS before its answer');
        this.b.anomaly('starttls-injection', pl.firstFrame, n, 'client sent bytes after STLS before the server answered');
      });
    }
    this.framers[0] = this.makeFramer(0);
    this.framers[1] = this.makeFramer(1);
    const withLayer = this.opts.tls !== undefined;
    this.b.addEvent({
      side: 'S', kind: 'tls', frame: li.firstFrame, lastFrame: li.lastFrame, ts: li.ts, raw: '',
      note: withLayer ? 'STLS accepted: the rest of the connection is TLS' : 'STLS accepted: the rest of the connection is TLS (not decrypted)',
      streamOffset: li.streamOffset + li.length + (li.bareLf ? 1 : 2),
    });
    if (this.opts.tls) {
      const sink: PlaintextSink = {
        data: (d, bytes, meta) => {
          if (this.closed) return;
          this.decryptedInput = true;
          this.framers[d].push(bytes, meta);
        },
        gap: (d, length, meta) => {
          if (this.closed) return;
          this.decryptedInput = true;
          this.plainGap(d, length, meta);
        },
      };
      this.tls = this.opts.tls(this.info, sink);
    }
  }

  /** Adds an anomaly whose detail is filled in later (counts that grow), and returns it. */
  private newAnomaly(code: string, frame: number, event: number | undefined): Anomaly {
    this.b.anomaly(code, frame, event);
    return this.b.conv.anomalies[this.b.conv.anomalies.length - 1]!;
  }

  // ---- lines ---------------------------------------------------------------------------------

  private onLine(dir: Direction, bytes: Uint8Array, li: LineInfo, partial: boolean): void {
    if (li.bareLf && !partial) {
      this.bareLfCount[dir]++;
      this.bareLfAnomaly[dir] ??= this.newAnomaly('bare-lf', li.firstFrame, this.b.conv.events.length);
    }
    if (li.overlong) this.b.anomaly('line-too-long', li.firstFrame, undefined, `${dir === 0 ? 'client' : 'server'} line of ${li.length} bytes; kept the first ${LIMITS.MAX_LINE_BYTES}`);
    if (dir === 0) this.clientLine(bytes, li);
    else this.serverLine(bytes, li, partial);
  }

  private addLine(dir: Direction, bytes: Uint8Array, li: LineInfo, kind: DialogueEvent['kind'], parsed: Pop3Parsed | undefined, note?: string, secrets?: SecretSpan[], raw?: string): number {
    const e: DialogueEvent = {
      n: -1, side: SIDE[dir]!, kind, frame: li.firstFrame, lastFrame: li.lastFrame, ts: li.ts,
      raw: raw ?? decodeText(bytes), streamOffset: li.streamOffset,
    };
    if (li.bareLf) e.bareLf = true;
    if (secrets && secrets.length > 0) e.secrets = secrets;
    if (parsed) e.parsed = parsed;
    if (note !== undefined) e.note = note;
    if (this.decryptedInput) e.decrypted = true;
    return this.b.pushEvent(e);
  }

  // ---- client side ---------------------------------------------------------------------------

  private clientLine(bytes: Uint8Array, li: LineInfo): void {
    const raw = decodeText(bytes);
    const head = this.pending[0];
    const sasl = this.saslAwaitingClient();
    if (sasl) {
      this.saslClientLine(sasl, raw, bytes, li);
      return;
    }
    const cmd = parseCommand(raw);
    if (this.resync[0] >= 0) {
      if (!cmd || !cmd.known) {
        this.resync[0]++;
        return;
      }
      this.endResync(0, li);
    }
    const guarded = this.guardedSecrets(cmd, raw);
    if (!cmd) {
      const n = this.addLine(0, bytes, li, 'malformed', { type: 'malformed', reason: 'not a POP3 command' }, 'not a POP3 command', guarded, raw);
      this.b.anomaly('malformed-command', li.firstFrame, n, raw.length === 0 ? 'empty line' : undefined);
      return;
    }
    const pipelined = head !== undefined || this.multi !== undefined;
    const parsed: Pop3Parsed = { type: 'command', command: cmd.command, known: cmd.known, args: this.displayArgs(cmd), state: this.state, multiLine: cmd.multiLine };
    if (pipelined) parsed.pipelined = true;
    const secrets = guarded ?? this.commandSecrets(cmd, raw);
    const n = this.addLine(0, bytes, li, 'line', parsed, undefined, secrets, raw);
    const ex = this.b.addExchange({
      command: cmd.command, known: cmd.known, state: this.state, commandEvent: n, relatedEvents: [],
      startTs: li.ts, commandFrame: li.firstFrame,
    });
    if (li.length + (li.bareLf ? 1 : 2) > POP3_LIMITS.MAX_COMMAND_OCTETS) {
      this.b.anomaly('command-too-long', li.firstFrame, n, `${li.length} octets; RFC 2449 allows 255 including CRLF`);
    }
    if (!cmd.known) this.b.anomaly('unknown-command', li.firstFrame, n, cmd.command);
    if (pipelined) {
      if (this.awaitingStls()) this.b.anomaly('starttls-injection', li.firstFrame, n, `client sent ${cmd.command} after STLS before the server answered`);
      else if (!this.pipeliningAdvertised && !this.pipeliningReported) {
        this.pipeliningReported = true;
        this.b.anomaly('pipelining-without-capability', li.firstFrame, n, `${cmd.command} sent before the answer to ${head?.cmd.command ?? this.multi?.pending.cmd.command}`);
      }
    }
    if (this.multi && head === undefined) this.multi.sentDuring.push(n);
    const p: Pending = { ex, cmd };
    // The server runs a pipelined command after the ones before it: in the state their answers leave.
    if (head !== undefined) p.stateDeferred = true;
    else this.judgeState(p, parsed);
    this.startAuth(p, raw, li, guarded !== undefined);
    if (this.pending.length >= LIMITS.MAX_PENDING_COMMANDS) {
      const dropped = this.pending.shift()!;
      this.b.anomaly('pending-capped', li.firstFrame, n, `more than ${LIMITS.MAX_PENDING_COMMANDS} unanswered commands; ${dropped.cmd.command} (exchange ${dropped.ex.n}) will not be paired`);
    }
    this.pending.push(p);
  }

  /** Arguments as shown in parsed (secrets are replaced by their kind, the raw line keeps them marked). */
  private displayArgs(cmd: ParsedCommand): string[] {
    if (cmd.command === 'PASS') return cmd.args.length > 0 ? ['<password>'] : [];
    if (cmd.command === 'APOP' && cmd.args.length > 1) return [cmd.args[0]!, '<digest>', ...cmd.args.slice(2)];
    if (cmd.command === 'AUTH' && cmd.args.length > 1) return [cmd.args[0]!, '<initial-response>', ...cmd.args.slice(2)];
    return cmd.args;
  }

  private commandSecrets(cmd: ParsedCommand, raw: string): SecretSpan[] | undefined {
    if (cmd.command === 'PASS' && raw.length > cmd.argsAt) return [{ start: cmd.argsAt, end: raw.length, kind: 'password' }];
    if (cmd.command === 'APOP' && cmd.args.length > 1) {
      const at = raw.indexOf(cmd.args[1]!, cmd.argsAt + cmd.args[0]!.length);
      return [{ start: at, end: at + cmd.args[1]!.length, kind: 'hash' }];
    }
    if (cmd.command === 'AUTH' && cmd.args.length > 1) {
      const at = raw.indexOf(cmd.args[1]!, cmd.argsAt + cmd.args[0]!.length);
      return [{ start: at, end: raw.length, kind: 'sasl' }];
    }
    return undefined;
  }

  /**
   * The conservative secret of a login-shaped line that is not clean (see login-shape.ts): a
   * control character, an unknown login command (`LOGIN alice pw`), more arguments than the command
   * takes. Undefined when the precise spans of commandSecrets can be trusted.
   */
  private guardedSecrets(cmd: ParsedCommand | undefined, raw: string): SecretSpan[] | undefined {
    const shape = loginShape(raw);
    if (!shape || shape.secretStart >= raw.length) return undefined;
    if (cmd && !CONTROL_CHARACTER.test(raw)) {
      const n = cmd.args.length;
      const clean = cmd.command === 'PASS' || (cmd.command === 'USER' && n <= 1) || (cmd.command === 'APOP' && n === 2) || (cmd.command === 'AUTH' && n <= 2);
      if (clean) return undefined;
    }
    return [{ start: shape.secretStart, end: raw.length, kind: shape.sasl ? 'sasl' : 'password' }];
  }

  /** USER remembers the name; PASS, APOP and AUTH <mech> open an AuthAttempt (`guarded`: the line is not clean, its arguments are not trusted). */
  private startAuth(p: Pending, raw: string, li: LineInfo, guarded: boolean): void {
    const { cmd, ex } = p;
    const base = { encrypted: this.tlsPhase, outcome: 'unknown' as const, exchange: ex.n, ts: li.ts };
    if (cmd.command === 'USER') {
      this.lastUser = { user: raw.slice(cmd.argsAt), frame: li.firstFrame };
    } else if (cmd.command === 'PASS') {
      const a: Omit<AuthAttempt, 'n'> = { method: 'USER/PASS', ...base, frames: [], secret: secretFacts('password', cmd.args[0] ?? '', li.overlong) };
      if (this.lastUser) {
        a.user = this.lastUser.user;
        a.userRaw = this.lastUser.user;
        a.userForm = 'line';
        a.frames.push(this.lastUser.frame);
      } else {
        this.b.anomaly('pass-without-user', li.firstFrame, ex.commandEvent);
      }
      a.frames.push(li.firstFrame);
      p.auth = this.b.addAuth(a);
    } else if (cmd.command === 'APOP') {
      const user = cmd.args[0];
      const digest = cmd.args[1] ?? '';
      const a: Omit<AuthAttempt, 'n'> = { method: 'APOP', ...base, frames: [li.firstFrame], secret: secretFacts('hash', digest) };
      if (user !== undefined) {
        a.user = user;
        a.userRaw = user;
        a.userForm = 'line';
      }
      if (this.apopStamp) a.details = { timestamp: this.apopStamp };
      else this.b.anomaly('apop-without-timestamp', li.firstFrame, ex.commandEvent, 'the greeting offered no <timestamp> for APOP');
      if (!isApopDigest(digest)) this.b.anomaly('apop-bad-digest', li.firstFrame, ex.commandEvent, 'the APOP digest is not 32 hex digits');
      p.auth = this.b.addAuth(a);
    } else if (cmd.command === 'AUTH' && cmd.args.length > 0) {
      // A mechanism run into its response by a control character (`PLAIN\x01<base64>`) is only its name.
      const mechanism = (guarded ? /^[A-Za-z0-9_-]*/.exec(cmd.args[0]!)![0] : cmd.args[0]!).toUpperCase();
      p.sasl = { mechanism, steps: [], cancelled: false, outstanding: 0, lastClientTs: li.ts };
      if (cmd.args.length > 1 && !guarded) p.sasl.initialResponse = cmd.args[1]!;
      if (li.overlong) p.sasl.cut = true;
      p.auth = this.b.addAuth({ method: 'AUTH', mechanism, ...base, frames: [li.firstFrame], userForm: 'sasl' });
    }
  }

  /** The AUTH exchange whose challenge the client has not answered yet, if any. */
  private saslAwaitingClient(): SaslProgress | undefined {
    const head = this.pending[0];
    return head?.sasl && head.sasl.outstanding > 0 ? head.sasl : undefined;
  }

  private saslClientLine(sasl: SaslProgress, raw: string, bytes: Uint8Array, li: LineInfo): void {
    const head = this.pending[0]!;
    sasl.outstanding--;
    sasl.lastClientTs = li.ts;
    const cancel = raw === '*';
    if (li.overlong) sasl.cut = true;
    if (cancel) sasl.cancelled = true;
    else if (sasl.steps.length < POP3_LIMITS.MAX_SASL_STEPS) sasl.steps.push({ side: 'C', text: raw });
    else this.b.anomaly('sasl-steps-capped', li.firstFrame, undefined, `more than ${POP3_LIMITS.MAX_SASL_STEPS} SASL steps`);
    const secrets: SecretSpan[] | undefined = cancel || raw.length === 0 ? undefined : [{ start: 0, end: raw.length, kind: 'sasl' }];
    const n = this.addLine(0, bytes, li, 'line', { type: 'sasl', mechanism: sasl.mechanism, cancel, length: raw.length }, undefined, secrets, raw);
    this.b.relate(head.ex, n);
    if (head.auth) head.auth.frames.push(li.firstFrame);
  }

  // ---- server side ---------------------------------------------------------------------------

  private serverLine(bytes: Uint8Array, li: LineInfo, partial: boolean): void {
    if (this.multi) {
      if (this.multiLine(bytes, li, partial)) return;
    }
    const raw = decodeText(bytes);
    const head = this.pending[0];
    if (this.resync[1] >= 0) {
      if (raw === '.' && head?.cmd.multiLine) {
        // The terminator of an answer whose beginning the gap swallowed.
        this.pending.shift();
        this.b.anomaly('answer-lost-in-gap', li.firstFrame, undefined, `the answer to ${head.cmd.command} (exchange ${head.ex.n}) was in the gap`);
        this.resync[1]++;
        return;
      }
      if (!looksLikeStatus(raw) && !(head?.sasl && parseChallenge(raw) !== undefined)) {
        this.resync[1]++;
        return;
      }
      this.endResync(1, li);
    }
    if (head?.sasl) {
      const challenge = parseChallenge(raw);
      if (challenge !== undefined) {
        head.sasl.outstanding++;
        if (head.sasl.steps.length < POP3_LIMITS.MAX_SASL_STEPS) head.sasl.steps.push({ side: 'S', text: challenge });
        const n = this.addLine(1, bytes, li, 'line', { type: 'challenge', mechanism: head.sasl.mechanism, text: challenge }, undefined, undefined, raw);
        this.b.relate(head.ex, n);
        if (head.auth) head.auth.frames.push(li.firstFrame);
        return;
      }
    }
    const st = parseStatus(raw);
    if (!st) {
      const n = this.addLine(1, bytes, li, 'malformed', { type: 'malformed', reason: 'not a +OK/-ERR status line' }, 'not a +OK/-ERR status line', undefined, raw);
      this.b.anomaly('malformed-response', li.firstFrame, n, head ? `while waiting for the answer to ${head.cmd.command}` : undefined);
      return;
    }
    if (li.length + (li.bareLf ? 1 : 2) > POP3_LIMITS.MAX_RESPONSE_LINE_OCTETS) {
      this.b.anomaly('response-too-long', li.firstFrame, this.b.conv.events.length, `${li.length} octets; RFC 2449 allows 512 including CRLF`);
    }
    const parsed: Pop3Status = { type: 'status', status: st.status, text: st.text };
    if (st.code !== undefined) parsed.code = st.code;
    if (!head) {
      if (!this.greetingSeen) {
        this.greeting(bytes, li, raw, parsed);
        return;
      }
      const n = this.addLine(1, bytes, li, 'line', parsed, undefined, undefined, raw);
      this.b.anomaly('unsolicited-response', li.firstFrame, n, 'a status line with no command waiting for it');
      return;
    }
    if (!this.greetingSeen) {
      this.greetingSeen = true;
      if (this.info.sawSyn) this.b.anomaly('no-greeting', li.firstFrame, undefined, 'the first server line answers a command');
    }
    this.pending.shift();
    this.answer(head, bytes, li, raw, parsed);
    const next = this.pending[0];
    if (next?.stateDeferred) this.judgeState(next);
  }

  /** Checks that a known command is valid in the state the server runs it in (`parsed`: its command event's, when at hand). */
  private judgeState(p: Pending, parsed?: Pop3Parsed): void {
    p.stateDeferred = false;
    const { ex, cmd } = p;
    ex.state = this.state;
    const ev = parsed ?? this.b.event(ex.commandEvent)?.parsed as Pop3Parsed | undefined;
    if (ev?.type === 'command') ev.state = this.state;
    if (cmd.known && !cmd.allowedStates.includes(this.state)) this.b.anomaly('command-in-wrong-state', ex.commandFrame, ex.commandEvent, `${cmd.command} in ${this.state}`);
  }

  private greeting(bytes: Uint8Array, li: LineInfo, raw: string, parsed: Pop3Status): void {
    this.greetingSeen = true;
    parsed.greeting = true;
    const stamp = apopTimestamp(parsed.text);
    if (stamp) {
      parsed.timestamp = stamp;
      this.apopStamp = stamp;
    }
    const n = this.addLine(1, bytes, li, 'line', parsed, undefined, undefined, raw);
    const conv = this.b.conv;
    conv.greeting = { event: n, status: parsed.status, text: parsed.text };
    const sw = softwareFromGreeting(parsed.text);
    if (sw) conv.serverSoftware = sw;
  }

  private answer(p: Pending, bytes: Uint8Array, li: LineInfo, raw: string, parsed: Pop3Status): void {
    const { ex, cmd } = p;
    parsed.answers = cmd.command;
    const ok = parsed.status === '+OK';
    if (ok) Object.assign(parsed, statusFacts(cmd.command, cmd.args, parsed.text));
    const multiLine = ok && cmd.multiLine;
    let body: BodyAccumulator | undefined;
    if (multiLine) {
      parsed.multiLine = true;
      if (cmd.command === 'RETR' || cmd.command === 'TOP') {
        body = new BodyAccumulator(raw.length, li.lastFrame, li.streamOffset + li.length + (li.bareLf ? 1 : 2), this.contentTarget(cmd, li));
        parsed.body = { lines: 0, complete: false };
      }
    }
    const n = this.addLine(1, bytes, li, 'line', parsed, undefined, undefined, raw);
    if (body) {
      const ev = this.b.event(n);
      if (ev) ev.literals = [body.info];
    }
    if (p.sasl && p.sasl.steps.length > 0) ex.responseTime = Math.max(0, li.ts - p.sasl.lastClientTs);
    this.b.complete(ex, n, li.firstFrame, li.ts, parsed.status, parsed.code, parsed.text);
    if (multiLine) {
      this.multi = { pending: p, statusEvent: n, kind: body ? 'body' : 'list', lines: 0, notKept: 0, capaDropped: 0, damaged: false, sentDuring: [] };
      if (body) this.multi.body = body;
      if (cmd.command === 'CAPA') this.multi.capa = [];
    }
    this.settleAuth(p, { ok, frame: li.firstFrame, code: parsed.code, text: parsed.text });
    if (ok) this.afterOk(p, li);
  }

  /** Where a RETR/TOP body streams (the ContentSink of the options), with its identity. */
  private contentTarget(cmd: ParsedCommand, li: LineInfo): { sink: ContentSink; start: ContentStart } | undefined {
    const sink = this.opts.content;
    if (!sink) return undefined;
    const { id, client, server } = this.info;
    const context = [cmd.command, ...cmd.args].join(' ');
    return { sink, start: { conversation: id, client, server, protocol: 'pop3', side: 'S', context, index: 0, firstFrame: li.lastFrame, ts: li.ts, decrypted: this.decryptedInput, inflated: false } };
  }

  /** State changes that follow a +OK. */
  private afterOk(p: Pending, li: LineInfo): void {
    switch (p.cmd.command) {
      case 'PASS':
      case 'APOP':
      case 'AUTH':
        if (p.cmd.command !== 'AUTH' || p.sasl) {
          this.state = 'TRANSACTION';
          this.authenticated = true;
        }
        break;
      case 'QUIT':
        if (this.state === 'TRANSACTION') this.state = 'UPDATE';
        break;
      case 'STLS':
        if (!this.decryptedInput) this.switchToTls(li);
        break;
      default:
        break;
    }
  }

  /** Sets an attempt's outcome (answer given) or decodes what is known (connection ended). */
  private settleAuth(p: Pending, answer: { ok: boolean; frame: number; code: string | undefined; text: string } | undefined): void {
    const a = p.auth;
    if (!a) return;
    if (answer) {
      a.outcome = answer.ok ? 'ok' : p.sasl?.cancelled ? 'cancelled' : 'failed';
      if (answer.code !== undefined) a.responseCode = answer.code;
      a.serverText = answer.text;
      a.frames.push(answer.frame);
    }
    if (p.sasl) applySasl(a, { mechanism: p.sasl.mechanism, initialResponse: p.sasl.initialResponse, steps: p.sasl.steps, cancelled: p.sasl.cancelled }, p.sasl.cut === true);
  }

  // ---- multi-line answers --------------------------------------------------------------------

  /**
   * The framer's bulk path: while a message body is being read, the whole lines of a chunk are
   * taken here without a call, view or event per line: the scanner finds where the ordinary CRLF
   * lines stop (16 bytes per step, see crlf-scan.ts); the lines it stops at are looked at here
   * (stuffed lines are unstuffed, bare-LF lines counted and reported as onLine does); and what the
   * body needs of them all is summed (lines, octets less the stuffing dots) and its content handed
   * over in runs between stuffing dots. It stops, and the framer delivers that line through onLine,
   * only at the "." terminator, at an overlong line and at the unfinished last line of the chunk.
   * For the lines it takes, the result is the same as onLine() called for each
   * (test/protocols/pop3/body-bulk.test.ts).
   */
  private bodyBulk(buf: Uint8Array, start: number, end: number, li: LineInfo, maxLineBytes: number): number {
    const m = this.multi;
    if (m === undefined || m.body === undefined) return start;
    const scanner = crlfScanner;
    scanner.load(buf, start, end);
    let p = start;
    let run = start;
    let lines = 0;
    let dots = 0;
    for (;;) {
      p = scanner.scan(p, maxLineBytes);
      lines += scanner.lines;
      if (p >= end) break;
      // The line the scanner stopped at: unfinished or overlong (the framer's), the terminator "."
      // (the framer's too), a stuffed line (RFC 1939 §3: its first dot is not content) or a bare-LF line.
      const lf = buf.indexOf(0x0a, p);
      if (lf < 0 || lf >= end || lf - p > maxLineBytes) break;
      const bareLf = lf === p || buf[lf - 1] !== 0x0d;
      if (buf[p] === 0x2e) {
        if (lf - p === (bareLf ? 1 : 2)) break;
        if (p > run) m.body.content(buf, run, p);
        run = p + 1;
        dots++;
      }
      if (bareLf) {
        this.bareLfCount[1]++;
        this.bareLfAnomaly[1] ??= this.newAnomaly('bare-lf', li.firstFrame, this.b.conv.events.length);
      }
      lines++;
      p = lf + 1;
    }
    if (lines > 0) {
      if (p > run) m.body.content(buf, run, p);
      m.body.count(lines, p - start - dots, li.firstFrame, li.lastFrame, li.streamOffset);
      m.lines += lines;
    }
    return p;
  }

  /** A content line of a RETR/TOP body, buf[start, end). RFC 1939 §3: a line starting with '.' was byte-stuffed. */
  private bodyLine(m: MultiLine, body: BodyAccumulator, buf: Uint8Array, start: number, end: number, li: LineInfo, partial: boolean): void {
    const stuffed = end > start && buf[start] === 0x2e;
    m.lines++;
    body.add(buf, stuffed ? start + 1 : start, end, stuffed ? li.length - 1 : li.length, li.bareLf, li.firstFrame, li.lastFrame, li.streamOffset);
    if (partial) m.damaged = true;
  }

  /** Handles a line inside a multi-line answer; returns false when the line is not part of it. */
  private multiLine(bytes: Uint8Array, li: LineInfo, partial: boolean): boolean {
    const m = this.multi!;
    if (!partial && bytes.length === 1 && bytes[0] === 0x2e) {
      this.terminator(m, bytes, li);
      return true;
    }
    // RFC 1939 §3: a line starting with '.' was byte-stuffed; drop the first '.'.
    if (m.body) {
      this.bodyLine(m, m.body, bytes, 0, bytes.length, li, partial);
      return true;
    }
    const content = bytes.length > 0 && bytes[0] === 0x2e ? bytes.subarray(1) : bytes;
    const text = decodeText(content);
    if (looksLikeStatus(text) && this.pending.length > 0) {
      // A list cannot hold a status line: the server never sent the terminator and this answers
      // the next command (zeek's bad-list-retr-crafted).
      this.endMulti(false, li.firstFrame, li.ts, 'the multi-line answer ended without its "." terminator');
      this.unPipeline(m.sentDuring);
      return false;
    }
    m.lines++;
    const command = m.pending.cmd.command;
    const facts = parseListLine(command, text);
    if (m.capa && facts.name !== undefined) {
      if (m.capa.length < POP3_LIMITS.MAX_CAPA_ENTRIES) m.capa.push(text);
      else m.capaDropped++;
    }
    if (m.lines > POP3_LIMITS.MAX_LIST_EVENTS_KEPT) {
      m.notKept++;
      this.b.conv.droppedEvents++;
      this.b.touch(li.lastFrame, li.ts);
      return true;
    }
    const n = this.addLine(1, bytes, li, 'line', { type: 'list', of: command, ...facts }, partial ? 'line cut short' : undefined);
    this.b.relate(m.pending.ex, n);
    if (facts.invalid) this.b.anomaly('invalid-list-line', li.firstFrame, n, `not a ${command} answer line`);
    return true;
  }

  /**
   * The client was right to think the answer had ended (its terminator never came): the commands
   * it sent meanwhile were not pipelined after all.
   */
  private unPipeline(events: readonly number[]): void {
    if (events.length === 0) return;
    for (const n of events) {
      const parsed = this.b.event(n)?.parsed as { pipelined?: boolean } | undefined;
      if (parsed) delete parsed.pipelined;
    }
    const anomalies = this.b.conv.anomalies;
    const i = anomalies.findIndex((a) => a.code === 'pipelining-without-capability' && a.event !== undefined && events.includes(a.event));
    if (i >= 0) {
      anomalies.splice(i, 1);
      this.pipeliningReported = false;
    }
  }

  private terminator(m: MultiLine, bytes: Uint8Array, li: LineInfo): void {
    const parsed: Pop3Parsed = { type: 'end', of: m.pending.cmd.command, lines: m.lines, notKept: m.notKept };
    const n = this.addLine(1, bytes, li, 'line', parsed);
    this.b.relate(m.pending.ex, n);
    this.endMulti(!m.damaged, li.lastFrame, li.ts);
  }

  /**
   * Closes the multi-line answer: body facts, capabilities. `truncated` (the terminator never came)
   * raises 'truncated-response'; a terminated answer damaged by a gap is only marked incomplete.
   */
  private endMulti(complete: boolean, frame: number, ts: number, truncated?: string): void {
    const m = this.multi!;
    this.multi = undefined;
    const ex = m.pending.ex;
    if (ts > (ex.endTs ?? 0)) ex.endTs = ts;
    if (m.body) {
      m.body.finish(complete, m.damaged ? 'damaged' : 'end');
      const ev = this.b.event(m.statusEvent);
      const st = ev?.parsed as Pop3Status | undefined;
      if (st?.body) st.body = { lines: m.lines, complete };
    }
    if (m.capa) this.capabilities(m, frame);
    if (truncated !== undefined) this.b.anomaly('truncated-response', frame, m.statusEvent, `${m.pending.cmd.command}: ${truncated}`);
  }

  private capabilities(m: MultiLine, frame: number): void {
    const list = m.capa!;
    const statusFrame = this.b.event(m.statusEvent)?.frame ?? frame;
    const phase = this.authenticated ? 'post-auth' : this.tlsPhase ? 'post-tls' : 'pre-tls';
    this.b.conv.capabilities.push({ phase, frame: statusFrame, list: [...list] });
    if (m.capaDropped > 0) this.b.anomaly('capabilities-capped', frame, m.statusEvent, `${m.capaDropped} CAPA line(s) beyond ${POP3_LIMITS.MAX_CAPA_ENTRIES} not kept`);
    this.pipeliningAdvertised = list.some((c) => /^PIPELINING\b/i.test(c));
    const impl = list.find((c) => /^IMPLEMENTATION /i.test(c));
    if (impl) {
      const text = impl.slice('IMPLEMENTATION '.length);
      const conv = this.b.conv;
      const sw = conv.serverSoftware;
      if (!sw) {
        const found = softwareFromImplementation(text);
        if (found) conv.serverSoftware = found;
      } else {
        if (sw.version === undefined) {
          const v = /\bv?(\d+(?:\.\d+)+\S*)/.exec(text);
          if (v) sw.version = v[1]!;
        }
        sw.details = { ...sw.details, implementation: text };
      }
    }
  }

  private endResync(dir: Direction, li: LineInfo): void {
    const skipped = this.resync[dir];
    this.resync[dir] = -1;
    this.b.resyncNote(SIDE[dir]!, skipped, li, this.decryptedInput);
  }
}
