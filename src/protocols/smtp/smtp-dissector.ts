/**
 * The SMTP dissector: a StreamHandler for one connection that rebuilds a submission or relay
 * dialogue (RFC 5321, 6409, 3207 STARTTLS, 4954 AUTH, 2920 PIPELINING, 3030 CHUNKING/BDAT,
 * 1870 SIZE, 3463 enhanced status codes) into a Conversation.
 *
 * Contract (as for IMAP and POP3): push parser, bytes in capture order per direction; the same
 * events at any chunking; never throws on bad bytes. Replies carry no tags: each complete reply
 * (the last line of a multi-line one) answers the oldest unanswered command, so pipelined commands
 * are paired in order. Intermediate replies do not complete a command: 354 (DATA's go-ahead) and
 * 334 (an AUTH challenge) are related to it, and the reply after the content's `.` (or the AUTH
 * result) completes it. Message content (DATA lines dot-unstuffed, BDAT chunks) is streamed: only
 * its size, first bytes and frames are kept (a LiteralInfo form 'body' on the DATA / first BDAT
 * command event), and the content goes to the ContentSink with the envelope.
 */
import type { Anomaly, AuthAttempt, DialogueEvent, Exchange, SecretSpan, Side } from '../../model/conversation.js';
import { secretFacts } from '../../model/secrets.js';
import type { ConnectionInfo, ConnectionSummary, Direction, EndReason, SegmentMeta } from '../../tcp/stream.js';
import { ConversationBuilder, decodeText } from '../conversation-builder.js';
import type { ContentSink, ContentStart, DissectorFactory, DissectorOptions, PlaintextSink, ProtocolDissector, TlsLayer } from '../dissector.js';
import { LineFramer, type LineInfo, type RawInfo } from '../framing/line-framer.js';
import { LIMITS } from '../limits.js';
import { BodyAccumulator } from '../framing/body-accumulator.js';
import { applySasl } from '../sasl/attempt.js';
import { advertisedSize, extensionKeyword, looksLikeReply, parseBdat, parseCommand, parsePath, parseReply, type ParsedCommand } from './grammar.js';
import { SMTP_LIMITS } from './limits.js';
import { softwareFromSmtpGreeting } from './server-software.js';
import type { SmtpCommand, SmtpParsed, SmtpReply, SmtpState } from './types.js';

interface SaslProgress {
  mechanism: string;
  initialResponse?: string;
  steps: Array<{ side: 'C' | 'S'; text: string }>;
  cancelled: boolean;
  /** Challenges (334) the client has not answered yet. */
  outstanding: number;
  lastClientTs: number;
}

/** A command waiting for its reply. */
interface Pending {
  ex: Exchange;
  cmd: ParsedCommand;
  parsed: SmtpCommand;
  auth?: AuthAttempt;
  sasl?: SaslProgress;
  /** DATA: 'go-ahead' until 354, 'content' while the client sends the message, 'final' after its `.`. */
  data?: 'go-ahead' | 'content' | 'final';
}

/** A multi-line reply being read (its lines so far). */
interface ReplyInProgress {
  code: string;
  events: number[];
  texts: string[];
  enhanced?: string;
  firstFrame: number;
  ts: number;
  /** Lines of an EHLO reply after the first: the extensions. */
  extensions: string[];
  extensionsDropped: number;
}

/** The message being sent (DATA content or BDAT chunks), with its envelope. */
interface Message {
  body: BodyAccumulator;
  /** DATA: the pending DATA; BDAT: undefined (each chunk is its own command). */
  data?: Pending;
  lines: number;
  damaged: boolean;
}

const SIDE: readonly Side[] = ['C', 'S'];
/** RFC 5321 §4.5.2: a content line starting with '.' was stuffed with one more. */
const DOT = 0x2e;

/** Creates the SMTP dissector for one connection (see DissectorFactory). */
export const createSmtpDissector: DissectorFactory = (info, opts) => new SmtpDissector(info, opts);

class SmtpDissector implements ProtocolDissector {
  private readonly b: ConversationBuilder;
  private readonly framers: [LineFramer, LineFramer];
  private state: SmtpState = 'INIT';
  private greetingSeen = false;
  private readonly pending: Pending[] = [];
  private reply: ReplyInProgress | undefined;
  /** The client is sending message content: DATA lines, or a BDAT chunk in raw mode. */
  private message: Message | undefined;
  /** DATA was sent and the client's next lines are content unless the server refuses first. */
  private dataArmed: Pending | undefined;
  /** The message being sent in BDAT chunks (raw mode of the client framer). */
  private bdatMessage: Message | undefined;
  /** BDAT ... LAST was sent: the message ends with that chunk's last byte. */
  private bdatLastPending = false;
  private pipeliningAdvertised = false;
  private pipeliningReported = false;
  private sizeLimit: number | undefined;
  private tlsPhase = false;
  private authenticated = false;
  private decryptedInput: boolean;
  private tlsSwitched = false;
  private tlsSwitchFrame = -1;
  private tls: TlsLayer | undefined;
  private readonly encrypted: [number, number] = [0, 0];
  private serverInjection: Anomaly | undefined;
  private serverInjectionBytes = 0;
  private readonly resync: [number, number] = [-1, -1];
  private readonly bareLfCount: [number, number] = [0, 0];
  private readonly bareLfAnomaly: [Anomaly | undefined, Anomaly | undefined] = [undefined, undefined];
  /** The envelope of the mail transaction in progress (for the ContentSink). */
  private envelope: { from?: string; to: Array<{ address: string; ex: Exchange }>; toDropped: number } = { to: [], toDropped: 0 };
  private closed = false;

  constructor(private readonly info: ConnectionInfo, private readonly opts: DissectorOptions) {
    this.b = new ConversationBuilder(info, 'smtp', opts.security);
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
      raw: (bytes, ri, remaining) => this.bdatBytes(bytes, ri, remaining),
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
    if (this.reply) this.finishReply(summary.lastFrame, true);
    if (this.message) this.endMessage(false, 'end');
    if (this.bdatMessage) this.finishBdat(false, 'end');
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

  /** While STARTTLS awaits its answer, server bytes go one line at a time so the bytes after 220 reach TLS unframed. */
  private feedPlain(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void {
    if (dir === 1 && !this.decryptedInput && this.awaitingStarttls()) {
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

  private awaitingStarttls(): boolean {
    for (const p of this.pending) if (p.cmd.command === 'STARTTLS') return true;
    return false;
  }

  private plainGap(dir: Direction, length: number, meta: SegmentMeta): void {
    this.framers[dir].gap((bytes, li) => this.partialLine(dir, bytes, li, 'line cut by a gap in the capture'));
    this.gapEvent(dir, length, meta, '');
    if (dir === 0 && this.message) {
      // Inside DATA content: keep reading to its `.`, but the message is incomplete.
      this.message.damaged = true;
      return;
    }
    if (dir === 0 && this.bdatMessage) {
      // Inside BDAT chunks: where the chunk ends is lost with the bytes; the message is cut there.
      this.framers[0].cancelRaw();
      this.bdatMessage.damaged = true;
      this.finishBdat(false, 'damaged');
    }
    if (dir === 1 && this.reply) this.reply = undefined;
    this.resync[dir] = 0;
  }

  private gapEvent(dir: Direction, length: number, meta: SegmentMeta, where: string): void {
    this.b.gapEvent(SIDE[dir]!, length, meta, where, this.decryptedInput);
  }

  private partialLine(dir: Direction, bytes: Uint8Array, li: LineInfo, why: string): void {
    if (bytes.length === 0 && li.length === 0) return;
    if (dir === 0 && this.message) {
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

  // ---- TLS after STARTTLS --------------------------------------------------------------------

  private tlsData(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void {
    if (dir === 1 && meta.firstFrame <= this.tlsSwitchFrame) {
      this.serverInjection ??= this.newAnomaly('starttls-injection', meta.firstFrame, undefined);
      this.serverInjectionBytes += bytes.length;
      this.serverInjection.detail = `server sent ${this.serverInjectionBytes} byte(s) after its STARTTLS 220 in the same segment`;
    }
    if (this.tls) this.tls.data(dir, bytes, meta);
    else this.encrypted[dir] += bytes.length;
  }

  private switchToTls(li: LineInfo): void {
    this.tlsSwitched = true;
    this.tlsSwitchFrame = li.lastFrame;
    this.tlsPhase = true;
    // RFC 3207 §4.2: the client must forget what it knew and say EHLO again.
    this.state = 'INIT';
    this.pipeliningAdvertised = false;
    this.b.conv.transport.security = 'starttls';
    const client = this.framers[0];
    if (client.hasPartialLine) {
      client.finish((bytes, pl) => {
        const n = this.addLine(0, bytes, pl, 'malformed', { type: 'malformed', reason: 'sent after STARTTLS before its answer' }, 'sent after STARTTLS before its answer');
        this.b.anomaly('starttls-injection', pl.firstFrame, n, 'client sent bytes after STARTTLS before the server answered');
      });
    }
    this.framers[0] = this.makeFramer(0);
    this.framers[1] = this.makeFramer(1);
    this.b.addEvent({
      side: 'S', kind: 'tls', frame: li.firstFrame, lastFrame: li.lastFrame, ts: li.ts, raw: '',
      note: this.opts.tls ? 'STARTTLS accepted: the rest of the connection is TLS' : 'STARTTLS accepted: the rest of the connection is TLS (not decrypted)',
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
    if (li.overlong && !(dir === 0 && this.message)) this.b.anomaly('line-too-long', li.firstFrame, undefined, `${dir === 0 ? 'client' : 'server'} line of ${li.length} bytes; kept the first ${LIMITS.MAX_LINE_BYTES}`);
    if (dir === 0) this.clientLine(bytes, li, partial);
    else this.serverLine(bytes, li);
  }

  private addLine(dir: Direction, bytes: Uint8Array, li: LineInfo, kind: DialogueEvent['kind'], parsed: SmtpParsed | undefined, note?: string, secrets?: SecretSpan[], raw?: string): number {
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

  private clientLine(bytes: Uint8Array, li: LineInfo, partial: boolean): void {
    if (this.message) {
      this.contentLine(this.message, bytes, li, partial);
      return;
    }
    if (this.dataArmed) {
      // DATA was sent and not refused: what follows is the message (RFC 5321 §4.1.1.4).
      const p = this.dataArmed;
      this.dataArmed = undefined;
      if (p.data === 'go-ahead') this.b.anomaly('data-before-go-ahead', li.firstFrame, p.ex.commandEvent, 'the client sent message content before the server answered DATA with 354');
      this.message = { body: this.newBody(p.ex.commandEvent, li, 'DATA'), data: p, lines: 0, damaged: false };
      if (p.data === 'go-ahead' || p.data === 'content') p.data = 'content';
      this.contentLine(this.message, bytes, li, partial);
      return;
    }
    const raw = decodeText(bytes);
    const head = this.pending[0];
    const sasl = head?.sasl && head.sasl.outstanding > 0 ? head.sasl : undefined;
    if (sasl) {
      this.saslClientLine(head!, sasl, raw, bytes, li);
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
    if (!cmd) {
      const n = this.addLine(0, bytes, li, 'malformed', { type: 'malformed', reason: 'not an SMTP command' }, 'not an SMTP command', undefined, raw);
      this.b.anomaly('malformed-command', li.firstFrame, n, raw.length === 0 ? 'empty line' : undefined);
      return;
    }
    this.command(cmd, raw, bytes, li);
  }

  private command(cmd: ParsedCommand, raw: string, bytes: Uint8Array, li: LineInfo): void {
    const pipelined = this.pending.length > 0;
    const parsed: SmtpCommand = { type: 'command', command: cmd.command, known: cmd.known, args: cmd.args, state: this.state };
    if (pipelined) parsed.pipelined = true;
    if (!this.greetingSeen) parsed.beforeGreeting = true;
    let secrets: SecretSpan[] | undefined;
    switch (cmd.command) {
      case 'MAIL':
      case 'RCPT': {
        const path = parsePath(cmd.args, cmd.command === 'MAIL' ? 'FROM' : 'TO');
        if (path) parsed.path = path;
        break;
      }
      case 'AUTH': {
        const m = /^(\S+)(?: +(\S+))?/.exec(cmd.args);
        if (m) {
          parsed.mechanism = m[1]!.toUpperCase();
          parsed.initialResponse = m[2] !== undefined;
          if (m[2] !== undefined) {
            const at = cmd.argsAt + m[1]!.length + 1;
            secrets = [{ start: at, end: raw.length, kind: 'sasl' }];
            parsed.args = `${m[1]} <initial-response>`;
          }
        }
        break;
      }
      case 'BDAT': {
        const chunk = parseBdat(cmd.args);
        if (chunk) parsed.chunk = chunk;
        break;
      }
      case 'EHLO':
      case 'HELO':
      case 'LHLO':
        parsed.domain = cmd.args.trim();
        break;
      default:
        break;
    }
    const n = this.addLine(0, bytes, li, 'line', parsed, undefined, secrets, raw);
    const ex = this.b.addExchange({ command: cmd.command, known: cmd.known, state: this.state, commandEvent: n, relatedEvents: [], startTs: li.ts, commandFrame: li.firstFrame });
    if (li.length + (li.bareLf ? 1 : 2) > SMTP_LIMITS.MAX_COMMAND_OCTETS && cmd.command !== 'AUTH') {
      this.b.anomaly('command-too-long', li.firstFrame, n, `${li.length} octets; RFC 5321 allows 512 including CRLF`);
    }
    if (!cmd.known) this.b.anomaly('unknown-command', li.firstFrame, n, cmd.command);
    if (!this.greetingSeen && this.info.sawSyn) this.b.anomaly('early-talker', li.firstFrame, n, `${cmd.command} sent before the server's greeting`);
    else if (pipelined) {
      if (this.awaitingStarttls()) this.b.anomaly('starttls-injection', li.firstFrame, n, `client sent ${cmd.command} after STARTTLS before the server answered`);
      else if (!this.pipeliningAdvertised && !this.pipeliningReported) {
        this.pipeliningReported = true;
        this.b.anomaly('pipelining-without-capability', li.firstFrame, n, `${cmd.command} sent before the reply to ${this.pending[this.pending.length - 1]!.cmd.command}`);
      }
    }
    const p: Pending = { ex, cmd, parsed };
    this.startCommand(p, parsed, li, n);
    if (this.pending.length >= LIMITS.MAX_PENDING_COMMANDS) {
      const dropped = this.pending.shift()!;
      this.b.anomaly('pending-capped', li.firstFrame, n, `more than ${LIMITS.MAX_PENDING_COMMANDS} unanswered commands; ${dropped.cmd.command} (exchange ${dropped.ex.n}) will not be paired`);
    }
    this.pending.push(p);
  }

  /** What a command starts: an AUTH attempt, DATA content, a BDAT chunk, the envelope. */
  private startCommand(p: Pending, parsed: SmtpCommand, li: LineInfo, n: number): void {
    switch (parsed.command) {
      case 'AUTH': {
        if (!parsed.mechanism) break;
        const mechanism = parsed.mechanism;
        p.sasl = { mechanism, steps: [], cancelled: false, outstanding: 0, lastClientTs: li.ts };
        const ir = /^\S+ +(\S+)/.exec(p.cmd.args);
        if (ir) p.sasl.initialResponse = ir[1]!;
        p.auth = this.b.addAuth({ method: 'AUTH', mechanism, encrypted: this.tlsPhase, outcome: 'unknown', exchange: p.ex.n, ts: li.ts, frames: [li.firstFrame], userForm: 'sasl' });
        break;
      }
      case 'MAIL':
        this.envelope = { to: [], toDropped: 0 };
        if (parsed.path) this.envelope.from = parsed.path.address;
        this.checkSize(parsed, li, n);
        break;
      case 'RCPT':
        if (parsed.path) {
          if (this.envelope.to.length < SMTP_LIMITS.MAX_RECIPIENTS) this.envelope.to.push({ address: parsed.path.address, ex: p.ex });
          else this.envelope.toDropped++;
        }
        break;
      case 'DATA':
        p.data = 'go-ahead';
        this.dataArmed = p;
        break;
      case 'BDAT':
        if (parsed.chunk) {
          this.bdatMessage ??= { body: this.newBody(n, li, 'BDAT'), lines: 0, damaged: false };
          if (parsed.chunk.size > 0) this.framers[0].expectRaw(parsed.chunk.size);
          if (parsed.chunk.last && parsed.chunk.size === 0) this.finishBdat(true, 'end');
          else if (parsed.chunk.last) this.bdatLastPending = true;
        } else {
          this.b.anomaly('malformed-command', li.firstFrame, n, 'BDAT without a valid chunk size: the bytes that follow cannot be told from commands');
        }
        break;
      default:
        break;
    }
  }

  /** MAIL FROM with SIZE= above the size the server advertised (RFC 1870 §6). */
  private checkSize(parsed: SmtpCommand, li: LineInfo, n: number): void {
    const declared = parsed.path?.params['SIZE'];
    if (declared === undefined || this.sizeLimit === undefined || this.sizeLimit === 0) return;
    const size = Number(declared);
    if (Number.isFinite(size) && size > this.sizeLimit) this.b.anomaly('size-exceeded', li.firstFrame, n, `MAIL FROM declared SIZE=${size}; the server advertised SIZE ${this.sizeLimit}`);
  }

  private newBody(event: number, li: LineInfo, command: 'DATA' | 'BDAT'): BodyAccumulator {
    const ev = this.b.event(event);
    const body = new BodyAccumulator(ev?.raw.length ?? command.length, li.firstFrame, li.streamOffset, this.contentTarget(command, li));
    if (ev) ev.literals = [body.info];
    return body;
  }

  /** Where message content streams (the ContentSink), with the envelope as its context. */
  private contentTarget(command: 'DATA' | 'BDAT', li: LineInfo): { sink: ContentSink; start: ContentStart } | undefined {
    const sink = this.opts.content;
    if (!sink) return undefined;
    const { id, client, server } = this.info;
    const start: ContentStart = {
      conversation: id, client, server, protocol: 'smtp', side: 'C', context: command, index: 0, firstFrame: li.firstFrame, ts: li.ts,
      decrypted: this.decryptedInput, inflated: false,
      envelope: { to: this.envelope.to.filter((r) => r.ex.status === undefined || r.ex.status[0] === '2').map((r) => r.address), ...(this.envelope.from !== undefined ? { from: this.envelope.from } : {}), ...(this.envelope.toDropped > 0 ? { toDropped: this.envelope.toDropped } : {}) },
    };
    return { sink, start };
  }

  /** One line of DATA content, or the `.` that ends it. */
  private contentLine(m: Message, bytes: Uint8Array, li: LineInfo, partial: boolean): void {
    if (!partial && bytes.length === 1 && bytes[0] === DOT) {
      const parsed: SmtpParsed = { type: 'data-end', lines: m.lines, size: m.body.info.size };
      const n = this.addLine(0, bytes, li, 'line', parsed);
      if (m.data) {
        this.b.relate(m.data.ex, n);
        if (m.data.data !== undefined) m.data.data = 'final';
      }
      this.endMessage(!m.damaged, 'end');
      return;
    }
    const stuffed = bytes.length > 0 && bytes[0] === DOT;
    m.lines++;
    m.body.add(bytes, stuffed ? 1 : 0, bytes.length, stuffed ? li.length - 1 : li.length, li.bareLf, li.firstFrame, li.lastFrame, li.streamOffset);
    if (partial) m.damaged = true;
  }

  private endMessage(complete: boolean, cut: 'damaged' | 'end'): void {
    const m = this.message!;
    this.message = undefined;
    m.body.finish(complete, m.damaged ? 'damaged' : cut);
    this.checkMessageSize(m.body.info.size, m.data?.ex.commandEvent ?? -1, m.body.info.lastFrame);
  }

  /** Bytes of a BDAT chunk (raw mode). */
  private bdatBytes(bytes: Uint8Array, ri: RawInfo, remaining: number): void {
    const m = this.bdatMessage;
    if (!m) return;
    m.body.content(bytes, 0, bytes.length);
    m.body.count(0, bytes.length, ri.firstFrame, ri.lastFrame, ri.streamOffset);
    if (remaining === 0 && this.bdatLastPending) this.finishBdat(!m.damaged, 'end');
  }

  private finishBdat(complete: boolean, cut: 'damaged' | 'end'): void {
    const m = this.bdatMessage!;
    this.bdatMessage = undefined;
    this.bdatLastPending = false;
    m.body.finish(complete, m.damaged ? 'damaged' : cut);
    this.checkMessageSize(m.body.info.size, -1, m.body.info.lastFrame);
  }

  /** A message larger than the SIZE the server advertised (RFC 1870 §6: it may refuse it with 552). */
  private checkMessageSize(size: number, event: number, frame: number): void {
    if (this.sizeLimit === undefined || this.sizeLimit === 0 || size <= this.sizeLimit) return;
    this.b.anomaly('size-exceeded', frame, event, `the message has ${size} octets; the server advertised SIZE ${this.sizeLimit}`);
  }

  private saslClientLine(head: Pending, sasl: SaslProgress, raw: string, bytes: Uint8Array, li: LineInfo): void {
    sasl.outstanding--;
    sasl.lastClientTs = li.ts;
    const cancel = raw === '*';
    if (cancel) sasl.cancelled = true;
    else if (sasl.steps.length < SMTP_LIMITS.MAX_SASL_STEPS) sasl.steps.push({ side: 'C', text: raw });
    else this.b.anomaly('sasl-steps-capped', li.firstFrame, undefined, `more than ${SMTP_LIMITS.MAX_SASL_STEPS} SASL steps`);
    const secrets: SecretSpan[] | undefined = cancel || raw.length === 0 ? undefined : [{ start: 0, end: raw.length, kind: 'sasl' }];
    const n = this.addLine(0, bytes, li, 'line', { type: 'sasl', mechanism: sasl.mechanism, cancel, length: raw.length }, undefined, secrets, raw);
    this.b.relate(head.ex, n);
    if (head.auth) head.auth.frames.push(li.firstFrame);
  }

  // ---- server side ---------------------------------------------------------------------------

  private serverLine(bytes: Uint8Array, li: LineInfo): void {
    const raw = decodeText(bytes);
    if (this.resync[1] >= 0) {
      if (!looksLikeReply(raw)) {
        this.resync[1]++;
        return;
      }
      this.endResync(1, li);
    }
    const r = parseReply(raw);
    if (!r) {
      const n = this.addLine(1, bytes, li, 'malformed', { type: 'malformed', reason: 'not an SMTP reply line' }, 'not an SMTP reply line', undefined, raw);
      this.b.anomaly('malformed-reply', li.firstFrame, n, this.pending[0] ? `while waiting for the reply to ${this.pending[0].cmd.command}` : undefined);
      return;
    }
    if (li.length + (li.bareLf ? 1 : 2) > SMTP_LIMITS.MAX_REPLY_LINE_OCTETS) {
      this.b.anomaly('reply-too-long', li.firstFrame, this.b.conv.events.length, `${li.length} octets; RFC 5321 allows 512 including CRLF`);
    }
    const rp = this.reply;
    if (rp && rp.code !== r.code) {
      // RFC 5321 §4.2.1: every line of a reply has the same code; a new code starts a new reply.
      this.b.anomaly('reply-code-mismatch', li.firstFrame, this.b.conv.events.length, `a ${r.code} line inside a ${rp.code} reply`);
      this.finishReply(li.firstFrame, true);
    }
    const head = this.pending[0];
    const greeting = !this.greetingSeen;
    const parsed: SmtpReply = { type: 'reply', code: r.code, text: r.text, more: r.more };
    if (r.enhanced !== undefined) parsed.enhanced = r.enhanced;
    if (greeting) parsed.greeting = true;
    else if (head) parsed.answers = head.cmd.command;
    if (!greeting && head?.sasl && r.code === '334') parsed.challenge = true;
    const n = this.addLine(1, bytes, li, 'line', parsed, undefined, undefined, raw);
    const cur: ReplyInProgress = this.reply ?? { code: r.code, events: [], texts: [], firstFrame: li.firstFrame, ts: li.ts, extensions: [], extensionsDropped: 0 };
    this.reply = cur;
    cur.events.push(n);
    cur.texts.push(r.text);
    if (cur.enhanced === undefined && r.enhanced !== undefined) cur.enhanced = r.enhanced;
    if (cur.events.length > 1 && !greeting && (head?.cmd.command === 'EHLO' || head?.cmd.command === 'LHLO')) {
      if (cur.extensions.length < SMTP_LIMITS.MAX_EXTENSIONS) cur.extensions.push(r.text);
      else cur.extensionsDropped++;
    }
    if (!r.more) this.finishReply(li.firstFrame, false, li);
  }

  /** A complete reply (its last line came, or the connection ended inside it): greeting, intermediate or completion. */
  private finishReply(frame: number, cut: boolean, li?: LineInfo): void {
    const rp = this.reply!;
    this.reply = undefined;
    if (cut) this.b.anomaly('truncated-reply', frame, rp.events[0], `a ${rp.code} reply ended without its last line`);
    const lastEvent = rp.events[rp.events.length - 1]!;
    const ts = li?.ts ?? rp.ts;
    const text = rp.texts.join(' ').trim();
    if (!this.greetingSeen) {
      this.greeting(rp, text);
      return;
    }
    const head = this.pending[0];
    if (!head) {
      // RFC 5321 §3.8: a server may send 421 at any time before it closes.
      this.b.anomaly('unsolicited-reply', frame, rp.events[0], rp.code === '421' ? 'the server is closing the connection (421)' : `a ${rp.code} reply with no command waiting for it`);
      return;
    }
    for (const e of rp.events) this.b.relate(head.ex, e);
    // Intermediate replies: an AUTH challenge, DATA's go-ahead.
    if (rp.code === '334' && head.sasl) {
      head.sasl.outstanding++;
      const challenge = rp.texts[rp.texts.length - 1] ?? '';
      if (head.sasl.steps.length < SMTP_LIMITS.MAX_SASL_STEPS) head.sasl.steps.push({ side: 'S', text: challenge });
      if (head.auth) head.auth.frames.push(frame);
      return;
    }
    if (rp.code === '354' && head.data !== undefined) {
      // The go-ahead (also when the client, not waiting, already sent content or its end).
      if (head.data === 'go-ahead') head.data = 'content';
      return;
    }
    this.pending.shift();
    if (head.data !== undefined && this.dataArmed === head) {
      // DATA refused before any content: the client's next lines are commands again.
      this.dataArmed = undefined;
    }
    const ex = head.ex;
    if (head.sasl && head.sasl.steps.length > 0) ex.responseTime = Math.max(0, ts - head.sasl.lastClientTs);
    this.b.complete(ex, lastEvent, frame, ts, rp.code, rp.enhanced, text);
    this.settleAuth(head, { ok: rp.code === '235', frame, code: rp.enhanced, text });
    if (rp.code[0] === '2') this.afterSuccess(head, rp, frame, li);
  }

  private greeting(rp: ReplyInProgress, text: string): void {
    this.greetingSeen = true;
    const conv = this.b.conv;
    conv.greeting = { event: rp.events[0]!, status: rp.code, text };
    const sw = softwareFromSmtpGreeting(rp.texts[0] ?? '');
    if (sw) conv.serverSoftware = sw;
  }

  /** State changes that follow a 2xx completion. */
  private afterSuccess(p: Pending, rp: ReplyInProgress, frame: number, li: LineInfo | undefined): void {
    switch (p.cmd.command) {
      case 'EHLO':
      case 'LHLO':
        this.state = 'READY';
        this.extensions(rp, frame);
        break;
      case 'HELO':
        this.state = 'READY';
        break;
      case 'AUTH':
        if (rp.code === '235') this.authenticated = true;
        break;
      case 'MAIL':
        this.state = 'MAIL';
        break;
      case 'RCPT':
        if (this.state === 'MAIL') this.state = 'RCPT';
        break;
      case 'DATA':
      case 'RSET':
        if (this.state !== 'INIT') this.state = 'READY';
        break;
      case 'BDAT':
        if (p.parsed.chunk?.last) this.state = 'READY';
        break;
      case 'QUIT':
        this.state = 'QUIT';
        break;
      case 'STARTTLS':
        if (!this.decryptedInput && li) this.switchToTls(li);
        break;
      default:
        break;
    }
  }

  private extensions(rp: ReplyInProgress, frame: number): void {
    const list = rp.extensions;
    const phase = this.authenticated ? 'post-auth' : this.tlsPhase ? 'post-tls' : 'pre-tls';
    this.b.conv.capabilities.push({ phase, frame: this.b.event(rp.events[0]!)?.frame ?? frame, list: [...list] });
    if (rp.extensionsDropped > 0) this.b.anomaly('capabilities-capped', frame, rp.events[0], `${rp.extensionsDropped} EHLO line(s) beyond ${SMTP_LIMITS.MAX_EXTENSIONS} not kept`);
    this.pipeliningAdvertised = list.some((e) => extensionKeyword(e) === 'PIPELINING');
    this.sizeLimit = undefined;
    for (const e of list) {
      const size = advertisedSize(e);
      if (size !== undefined) this.sizeLimit = size;
    }
  }

  /** Sets an attempt's outcome (reply given) or decodes what is known (connection ended). */
  private settleAuth(p: Pending, answer: { ok: boolean; frame: number; code: string | undefined; text: string } | undefined): void {
    const a = p.auth;
    if (!a) return;
    if (answer) {
      a.outcome = answer.ok ? 'ok' : p.sasl?.cancelled ? 'cancelled' : 'failed';
      if (answer.code !== undefined) a.responseCode = answer.code;
      a.serverText = answer.text;
      a.frames.push(answer.frame);
    }
    if (p.sasl) applySasl(a, { mechanism: p.sasl.mechanism, initialResponse: p.sasl.initialResponse, steps: p.sasl.steps, cancelled: p.sasl.cancelled });
  }

  private endResync(dir: Direction, li: LineInfo): void {
    const skipped = this.resync[dir];
    this.resync[dir] = -1;
    this.b.resyncNote(SIDE[dir]!, skipped, li, this.decryptedInput);
  }
}

