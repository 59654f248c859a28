/**
 * The IMAP dissector: a StreamHandler for one connection that rebuilds the dialogue (events),
 * pairs commands with their completions (exchanges), follows the RFC 9051 session states, records
 * authentication attempts, capabilities and software, and notes anomalies for the diagnosis.
 *
 * Layers per direction: LineReader (logical lines with literals) → after STARTTLS the TLS layer →
 * a new LineReader on the plaintext → after COMPRESS a RawInflater → a new LineReader on the
 * inflated text. The reader that currently yields lines is the last one of the chain.
 *
 * Never throws on input bytes: what does not parse is a 'malformed' event plus an anomaly.
 */
import type { AuthAttempt, Conversation, DialogueEvent, Exchange, SecretSpan, Side } from '../../model/conversation.js';
import { secretFacts } from '../../model/secrets.js';
import type { ConnectionInfo, ConnectionSummary, Direction, EndReason, SegmentMeta } from '../../tcp/stream.js';
import { ConversationBuilder, latin1Text } from '../conversation-builder.js';
import type { DissectorFactory, DissectorOptions, PlaintextSink, ProtocolDissector, TlsLayer } from '../dissector.js';
import { RawInflater } from '../framing/raw-inflate.js';
import { couldStartTls } from '../tls/record-header.js';
import { LIMITS } from '../limits.js';
import { decodeSasl, type SaslExchange } from '../sasl/index.js';
import { commandStates, parseCommand, type CommandSecret } from './commands.js';
import type { WouldBeLogin } from './would-be-login.js';
import { IMAP_LIMITS } from './limits.js';
import { LineReader, type LogicalLine } from './line-reader.js';
import { parseServerLine } from './response-parser.js';
import { identifyFromId, identifyServerFromGreeting } from './server-id.js';
import type { ImapAstring, ImapCommand, ImapParsed, ImapResponseCode, ImapState } from './types.js';

/** Per-exchange bookkeeping that does not belong in the model. */
interface Pending {
  ex: Exchange;
  tag: string;
  name: string;
  /** The command line is complete (false while a literal of it is still being sent). */
  lineDone: boolean;
  /** Time the client last spoke for this exchange, while the server owes an answer. */
  openSince: number | undefined;
  /** Server time accumulated (excludes client think time and IDLE waiting). */
  accum: number;
  /** `cut`: a client step was longer than kept (LIMITS.MAX_LINE_BYTES, MAX_SASL_LINE_BYTES): the secret decoded is only its start. */
  sasl?: SaslExchange & { challenges: number; responses: number; droppedSteps: number; cut?: boolean };
  auth?: AuthAttempt;
  idle?: boolean;
  /** Server bytes were lost while this command was in flight: its completion may be gone. */
  gapped?: boolean;
  /**
   * Sent while earlier commands were still in flight (pipelined): the server runs it in the state
   * those commands leave, so its state is judged when they have completed (judgeDeferredStates).
   */
  stateDeferred?: boolean;
}

/** A quoted string is open at the end of `s` (an odd number of unescaped quotes). */
function opensQuote(s: string): boolean {
  return (s.replace(/\\./g, '').split('"').length - 1) % 2 === 1;
}

/** Creates the IMAP dissector for one connection (see DissectorFactory). */
export const createImapDissector: DissectorFactory = (info: ConnectionInfo, opts: DissectorOptions): ProtocolDissector => new ImapDissector(info, opts);

class ImapDissector implements ProtocolDissector {
  private readonly b: ConversationBuilder;
  private readonly conv: Conversation;
  /** Reader chain per direction; the last one yields lines. */
  private readonly chains: [LineReader[], LineReader[]];
  private state: ImapState = 'unknown';
  private greetingSeen = false;
  private serverSpoke = false;
  private readonly pending: Pending[] = [];
  /** Client line in progress (a literal of a command is still coming): its event and exchange. */
  private clientStarted: { event: number; pending?: Pending } | undefined;
  private serverStartedEvent = -1;
  private tlsActive: boolean;
  private tls: TlsLayer | undefined;
  private tlsCounting = false;
  /** A TLS record began after the STARTTLS OK (until then the switch can be undone: see tlsBegins). */
  private tlsSeen = false;
  private tlsOkFrame = -1;
  private readonly encryptedBytes: [number, number] = [0, 0];
  private readonly inflaters: [RawInflater | undefined, RawInflater | undefined] = [undefined, undefined];
  private byeSeen = false;
  /** Event of the server's last untagged BYE after the greeting: the commands sent before it are answered by it (the server hung up). */
  private byeEvent = -1;
  private readonly bareLf: [{ count: number; anomaly?: number }, { count: number; anomaly?: number }] = [{ count: 0 }, { count: 0 }];
  private readonly resyncSkipped: [number, number] = [0, 0];
  private closed = false;
  /**
   * Client bytes starting with a TLS record header sent after STARTTLS before its completion (an
   * eager client's ClientHello): held until the completion decides, OK → TLS, else text.
   */
  private earlyTls: { chunks: Array<{ bytes: Uint8Array; meta: SegmentMeta }>; bytes: number } | undefined;
  /** The user of an unknown `USER name` command, for a following `PASS` (POP3 habits). */
  private wouldBeUser: ImapAstring | undefined;
  /** The last client line was a login-shaped line whose secret ran to a bare LF: the next line continues it. */
  private secretContinues = false;

  constructor(private readonly info: ConnectionInfo, private readonly opts: DissectorOptions) {
    this.b = new ConversationBuilder(info, 'imap', opts.security);
    this.conv = this.b.conv;
    this.tlsActive = opts.security === 'implicit-tls';
    const implicit = opts.security === 'implicit-tls';
    this.chains = [[this.newReader(0, implicit, false)], [this.newReader(1, implicit, false)]];
  }

  // --- StreamHandler -------------------------------------------------------------------------

  data(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void {
    if (this.closed) return;
    if (dir === 0 && (this.earlyTls || this.startsEarlyTls(bytes))) this.holdEarlyTls(bytes, meta);
    else this.chains[dir][0]!.push(bytes, meta);
    this.b.reportProgress(this.opts.onProgress);
  }

  gap(dir: Direction, length: number, meta: SegmentMeta): void {
    if (this.closed) return;
    if (dir === 0) this.releaseEarlyTls();
    const base = this.chains[dir][0]!;
    if (base.diverted) {
      if (this.tls) this.tls.gap(dir, length, meta);
      else if (this.tlsCounting) this.encryptedBytes[dir] += length;
      else this.innerGap(dir, length, meta, 'compressed');
    } else {
      this.readerGap(dir, base, length, meta);
    }
    this.b.reportProgress(this.opts.onProgress);
  }

  end(dir: Direction, reason: EndReason, meta: SegmentMeta): void {
    if (this.closed) return;
    if (dir === 0) this.releaseEarlyTls();
    if (this.tls) this.tls.end(dir, reason, meta);
    const chain = this.chains[dir];
    chain[chain.length - 1]!.finish();
  }

  close(summary: ConnectionSummary): void {
    if (this.closed) return;
    this.releaseEarlyTls();
    for (const dir of [0, 1] as const) {
      const chain = this.chains[dir];
      chain[chain.length - 1]!.finish();
    }
    this.closed = true;
    for (const p of this.pending) {
      if (p.sasl && p.auth) this.finishSasl(p, undefined);
      if (p.name === 'LOGOUT' && this.byeSeen) continue;
      // `* BYE Too many invalid IMAP commands.` and a close: the BYE is the answer (RFC 9051 §7.1.5).
      if (p.ex.commandEvent >= 0 && p.ex.commandEvent < this.byeEvent) continue;
      this.b.anomaly('missing-completion', p.ex.commandFrame, p.ex.commandEvent, `${p.tag} ${p.name} got no tagged completion`);
    }
    for (const dir of [0, 1] as const) {
      const bl = this.bareLf[dir];
      if (bl.anomaly !== undefined) this.conv.anomalies[bl.anomaly]!.detail = `${bl.count} ${dir === 0 ? 'client' : 'server'} line(s) ended with LF alone instead of CRLF`;
      if (this.resyncSkipped[dir] > 0) this.note(dir, summary.lastFrame, summary.endTs, `${this.resyncSkipped[dir]} unparseable line(s) skipped while resynchronising after a gap`);
    }
    this.conv.state = this.state;
    if (this.tls) {
      this.conv.tls = this.tls.facts();
      this.conv.transport.decrypted = this.tls.decrypted();
      this.conv.transport.encryptedBytes = this.tls.encryptedBytes();
    } else if (this.tlsCounting) {
      this.conv.transport.encryptedBytes = [this.encryptedBytes[0], this.encryptedBytes[1]];
    }
    this.opts.onConversation(this.b.finish(summary));
  }

  // --- readers and layers --------------------------------------------------------------------

  /** A TLS record header (RFC 8446 §5.1: handshake 0x16, legacy version 0x03 xx) at a client line boundary while STARTTLS awaits its answer. */
  private startsEarlyTls(bytes: Uint8Array): boolean {
    if (bytes[0] !== 0x16 || (bytes.length > 1 && bytes[1] !== 0x03)) return false;
    if (this.tlsActive || this.chains[0].length !== 1 || this.chains[0][0]!.busy) return false;
    return this.pending.some((p) => p.name === 'STARTTLS' && p.lineDone);
  }

  private holdEarlyTls(bytes: Uint8Array, meta: SegmentMeta): void {
    const held = (this.earlyTls ??= { chunks: [], bytes: 0 });
    // A copy (slice() of a Buffer, such as live capture's batch buffer, would be a view).
    held.chunks.push({ bytes: new Uint8Array(bytes), meta: { ...meta } });
    held.bytes += bytes.length;
    if (held.bytes > IMAP_LIMITS.MAX_EARLY_TLS_BYTES) {
      this.b.anomaly('starttls-injection', meta.firstFrame, undefined, `client sent more than ${IMAP_LIMITS.MAX_EARLY_TLS_BYTES} bytes of what looks like TLS before the STARTTLS completion: read as text`);
      this.releaseEarlyTls();
    }
  }

  /** Hands held client bytes to the reader chain: after a STARTTLS OK that is the TLS layer, otherwise the text reader. */
  private releaseEarlyTls(): void {
    const held = this.earlyTls;
    if (!held) return;
    this.earlyTls = undefined;
    for (const c of held.chunks) this.chains[0][0]!.push(c.bytes, c.meta);
  }

  private newReader(dir: Direction, decrypted: boolean, inflated: boolean): LineReader {
    const reader: LineReader = new LineReader(
      {
        started: (line) => this.onStarted(dir, reader, line),
        complete: (line) => this.onLine(dir, reader, line),
        hugeLiteral: (line, a, skipped) =>
          this.b.anomaly('literal-too-large', line.lastFrame, undefined, skipped ? `literal of ${a.size} bytes announced: skipped by count` : `literal announcement ${a.huge ? 'with an unrepresentable size' : `of ${a.size} bytes`} not believed: not skipped, parsing resynchronises at the next line`),
        sameChunkAfterDivert: (bytes, meta) => this.onSameChunkAfterDivert(dir, bytes, meta),
      },
      decrypted,
      inflated,
      this.opts.content && {
        sink: this.opts.content,
        base: { conversation: this.info.id, client: this.info.client, server: this.info.server, protocol: 'imap', side: dir === 0 ? 'C' : 'S', decrypted, inflated },
      },
    );
    return reader;
  }

  private lastReader(dir: Direction): LineReader {
    const chain = this.chains[dir];
    return chain[chain.length - 1]!;
  }

  private readerGap(dir: Direction, reader: LineReader, length: number, meta: SegmentMeta): void {
    reader.gap();
    if (dir === 1) for (const p of this.pending) p.gapped = true;
    const side: Side = dir === 0 ? 'C' : 'S';
    const n = this.b.addEvent({ side, kind: 'gap', frame: meta.firstFrame, lastFrame: meta.lastFrame, ts: meta.ts, raw: '', note: `${length} byte(s) missing from the capture`, streamOffset: meta.streamOffset, ...this.flags(reader) });
    this.b.anomaly('gap', meta.firstFrame, n, `${length} ${side === 'C' ? 'client' : 'server'} byte(s) missing at stream offset ${meta.streamOffset}: the dialogue is incomplete here`);
  }

  /** A gap below the innermost reader (inside TLS plaintext or compressed data). */
  private innerGap(dir: Direction, length: number, meta: SegmentMeta, where: 'compressed' | 'plaintext'): void {
    if (where === 'compressed' && this.inflaters[dir]) {
      // The DEFLATE stream cannot continue without the lost bytes (back-references, bit alignment).
      this.inflaters[dir]!.error = 'gap in the compressed stream';
    }
    this.readerGap(dir, this.lastReader(dir), length, meta);
  }

  private onSameChunkAfterDivert(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void {
    if (this.tlsCounting || this.tls) {
      if (dir === 1 && !(bytes[0] === 0x16 || bytes[0] === 0x15)) {
        this.b.anomaly('starttls-injection', meta.firstFrame, undefined, `server sent ${bytes.length} byte(s) in cleartext right after the STARTTLS OK in the same segment: ${JSON.stringify(latin1Text(bytes.subarray(0, 60)))}`);
      }
    }
  }

  private switchToTls(okFrame: number, okTs: number): void {
    this.conv.transport.security = 'starttls';
    this.tlsActive = true;
    const factory = this.opts.tls;
    const client = this.lastReader(0);
    if (this.earlyTls) this.note(0, this.earlyTls.chunks[0]!.meta.firstFrame, this.earlyTls.chunks[0]!.meta.ts, 'the client started TLS before the STARTTLS completion (held until the OK)');
    if (client.busy) this.b.anomaly('starttls-injection', okFrame, undefined, 'client sent cleartext bytes after STARTTLS before the server answered');
    if (factory) {
      const inner: [LineReader, LineReader] = [this.newReader(0, true, false), this.newReader(1, true, false)];
      const sink: PlaintextSink = {
        data: (d, bytes, meta) => inner[d].push(bytes, meta),
        gap: (d, length, meta) => this.readerGap(d, inner[d], length, meta),
      };
      this.tls = factory(this.info, sink);
      const tls = this.tls;
      for (const dir of [0, 1] as const) {
        const outer = this.lastReader(dir);
        outer.divert((bytes, meta) => {
          if (this.tlsBegins(dir, bytes, meta)) tls.data(dir, bytes, meta);
        });
        this.chains[dir].push(inner[dir]);
      }
      this.note(1, okFrame, okTs, 'TLS starts (STARTTLS)', 'tls');
    } else {
      this.tlsCounting = true;
      for (const dir of [0, 1] as const) {
        this.lastReader(dir).divert((bytes, meta) => {
          if (this.tlsBegins(dir, bytes, meta)) this.encryptedBytes[dir] += bytes.length;
        });
      }
      this.note(1, okFrame, okTs, 'TLS starts (STARTTLS); the rest of the connection is encrypted and not decrypted', 'tls');
    }
    this.tlsSeen = false;
    this.tlsOkFrame = okFrame;
  }

  /**
   * The first bytes after the STARTTLS OK decide: TLS (a record header) and the switch stands; text
   * (`a2 LOGIN alice secret`: a client that never started TLS, or an injection) and the switch is
   * undone, so the cleartext dialogue, its login and its findings are shown as what they are.
   */
  private tlsBegins(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): boolean {
    // Server bytes in the OK's own segment are judged by onSameChunkAfterDivert (an injection), not here.
    if (this.tlsSeen || bytes.length === 0 || (dir === 1 && meta.firstFrame <= this.tlsOkFrame)) return true;
    if (couldStartTls(bytes)) {
      this.tlsSeen = true;
      return true;
    }
    const chains = this.chains;
    if (this.tls) for (const d of [0, 1] as const) chains[d].pop();
    this.tls = undefined;
    this.tlsCounting = false;
    this.tlsActive = false;
    this.conv.transport.security = 'plain';
    const side = dir === 0 ? 'client' : 'server';
    const n = this.note(dir, meta.firstFrame, meta.ts, `the ${side} did not start TLS after the STARTTLS OK: the dialogue continues in cleartext`);
    this.b.anomaly('starttls-injection', meta.firstFrame, n, `${side} sent cleartext instead of a TLS handshake after the STARTTLS OK (the connection was never encrypted)`);
    this.lastReader(dir === 0 ? 1 : 0).undivert();
    this.lastReader(dir).undivert(bytes, meta);
    return false;
  }

  private switchToDeflate(okFrame: number, okTs: number): void {
    this.conv.transport.compressed = true;
    for (const dir of [0, 1] as const) {
      const outer = this.lastReader(dir);
      const inner = this.newReader(dir, outer.decrypted, true);
      const inflater = new RawInflater();
      this.inflaters[dir] = inflater;
      let inflatedOffset = 0;
      let compressedBytes = 0;
      let reported = false;
      outer.divert((bytes, meta) => {
        if (inflater.error) {
          if (!reported) {
            reported = true;
            this.b.anomaly('inflate-error', meta.firstFrame, undefined, `COMPRESS=DEFLATE ${dir === 0 ? 'client' : 'server'} stream: ${inflater.error}; the rest is not dissected`);
          }
          return;
        }
        compressedBytes += bytes.length;
        // Over the whole stream too, not only per chunk: a bomb just under the per-chunk ratio (1 MB → 480 MB of short lines) costs a minute of dissection.
        const allowed = IMAP_LIMITS.INFLATED_FLOOR_BYTES + compressedBytes * IMAP_LIMITS.MAX_TOTAL_INFLATE_RATIO - inflatedOffset;
        const perChunk = Math.max(IMAP_LIMITS.INFLATE_CHUNK_BYTES, bytes.length * IMAP_LIMITS.MAX_INFLATE_RATIO);
        const out = allowed > 0 ? inflater.push(bytes, Math.min(allowed, perChunk)) : new Uint8Array(0);
        if (allowed <= 0 || (allowed < perChunk && inflater.error?.startsWith('inflated output over the cap'))) {
          inflater.error = `more than ${IMAP_LIMITS.MAX_TOTAL_INFLATE_RATIO}x the compressed bytes inflated (${inflatedOffset + out.length} bytes from ${compressedBytes}): inflating stopped (possible decompression bomb)`;
        }
        if (out.length > 0) {
          inner.push(out, { streamOffset: inflatedOffset, firstFrame: meta.firstFrame, lastFrame: meta.lastFrame, ts: meta.ts });
          inflatedOffset += out.length;
        }
        if (inflater.error && !reported) {
          reported = true;
          this.b.anomaly('inflate-error', meta.firstFrame, undefined, `COMPRESS=DEFLATE ${dir === 0 ? 'client' : 'server'} stream: ${inflater.error}; the rest is not dissected`);
        }
      });
      this.chains[dir].push(inner);
    }
    this.note(1, okFrame, okTs, 'COMPRESS=DEFLATE starts: both directions are inflated from here');
  }

  private flags(reader: LineReader): Pick<DialogueEvent, 'decrypted' | 'inflated'> {
    const f: Pick<DialogueEvent, 'decrypted' | 'inflated'> = {};
    if (reader.decrypted) f.decrypted = true;
    if (reader.inflated) f.inflated = true;
    return f;
  }

  private note(dir: Direction, frame: number, ts: number, text: string, kind: 'note' | 'tls' = 'note'): number {
    return this.b.addEvent({ side: dir === 0 ? 'C' : 'S', kind, frame, lastFrame: frame, ts, raw: '', note: text, streamOffset: -1 });
  }

  // --- lines ---------------------------------------------------------------------------------

  private addLineEvent(dir: Direction, reader: LineReader, line: LogicalLine): number {
    const e: DialogueEvent = {
      n: -1,
      side: dir === 0 ? 'C' : 'S',
      kind: 'line',
      frame: line.firstFrame,
      lastFrame: line.lastFrame,
      ts: line.ts,
      raw: line.raw,
      streamOffset: line.streamOffset,
    };
    // In the order of flags(), without its object.
    if (reader.decrypted) e.decrypted = true;
    if (reader.inflated) e.inflated = true;
    return this.b.pushEvent(e);
  }

  /** Copies the final state of a (possibly early-created) line into its event. */
  private fillEvent(n: number, line: LogicalLine): DialogueEvent | undefined {
    const ev = this.b.event(n);
    if (!ev) return undefined;
    ev.raw = line.raw;
    ev.lastFrame = line.lastFrame;
    if (line.literals.length > 0) ev.literals = line.literals;
    if (line.bareLf) ev.bareLf = true;
    this.b.touch(line.lastFrame, line.endTs);
    return ev;
  }

  private onStarted(dir: Direction, reader: LineReader, line: LogicalLine): void {
    const n = this.addLineEvent(dir, reader, line);
    if (dir === 1) {
      this.serverStartedEvent = n;
      return;
    }
    // A command waiting for `+` before sending its literal: the exchange exists from now on.
    this.clientStarted = { event: n };
    if (this.saslOrIdle(line.raw)) return;
    const m = /^(\S+) +(\S+)(?: +(\S+))?/.exec(line.raw);
    if (m) {
      let name = m[2]!.toUpperCase();
      if (name === 'UID' && m[3] && !m[3].startsWith('{')) name = `UID ${m[3].toUpperCase()}`;
      this.clientStarted.pending = this.openExchange(m[1]!, name, commandStates(name) !== undefined, n, line);
    }
  }

  private onLine(dir: Direction, reader: LineReader, line: LogicalLine): void {
    let n: number;
    if (dir === 0 && this.clientStarted) {
      n = this.clientStarted.event;
    } else if (dir === 1 && this.serverStartedEvent >= 0) {
      n = this.serverStartedEvent;
    } else {
      n = -2;
    }
    const started = dir === 0 ? this.clientStarted : undefined;
    if (dir === 0) this.clientStarted = undefined;
    else this.serverStartedEvent = -1;

    if (line.bareLf) {
      const bl = this.bareLf[dir];
      bl.count++;
      if (bl.anomaly === undefined) {
        bl.anomaly = this.conv.anomalies.length;
        this.b.anomaly('bare-lf', line.firstFrame, undefined, '');
      }
    }
    if (line.cut === 'end' || line.cut === 'gap') {
      this.b.anomaly(dir === 0 ? 'truncated-command' : 'truncated-response', line.lastFrame, undefined, `${dir === 0 ? 'client' : 'server'} line cut by ${line.cut === 'end' ? 'the end of the stream' : 'a gap'}${line.literals.some((l) => !l.complete) ? ' inside a literal' : ''}`);
    }

    const parsed: ImapParsed = dir === 0 ? this.classifyClient(line, started?.pending) : parseServerLine(line.raw, line.refs);
    let cmdSecret: CommandSecret | undefined;
    let wouldBe: WouldBeLogin | undefined;
    let finalParsed = parsed;
    if (dir === 0 && parsed.type === 'command') {
      // classifyClient returned a command placeholder: parse it for real (with secrets).
      const r = parseCommand(line.raw, line.refs);
      finalParsed = r.parsed;
      cmdSecret = r.secret;
      wouldBe = r.wouldBeLogin;
      if (this.secretContinues) {
        // The previous line was a login cut by a bare LF inside what may be its password: this line is the rest of it.
        cmdSecret = { kind: 'password', value: line.raw, start: 0, end: line.raw.length, alsoLiterals: line.refs.map((_, i) => i) };
        if (finalParsed.type === 'command') finalParsed = { type: 'malformed', reason: 'continues a login line cut by a bare LF', position: 0 };
        wouldBe = undefined;
      }
      this.secretContinues = line.bareLf && cmdSecret?.end === line.raw.length && opensQuote(cmdSecret.value);
    }

    if (finalParsed.type === 'malformed' && (line.cut === 'gap' || line.cut === 'end')) {
      // A line cut by a gap or the end of the capture is incomplete, not malformed (the anomaly above says so).
      if (n === -2) n = this.addLineEvent(dir, reader, line);
      const ev = this.fillEvent(n, line);
      if (ev && cmdSecret) this.markSecret(ev, cmdSecret);
      if (ev) ev.note = `incomplete: cut by ${line.cut === 'gap' ? 'a gap' : 'the end of the stream'}`;
      if (dir === 1 && this.pending[0]) this.b.relate(this.pending[0].ex, n);
      return;
    }
    if (finalParsed.type === 'malformed' || line.overlong || line.cut === 'insane-literal') {
      if (reader.resyncing && finalParsed.type === 'malformed' && line.cut !== 'gap') {
        this.resyncSkipped[dir]++;
        return;
      }
      if (n === -2) n = this.addLineEvent(dir, reader, line);
      const ev = this.fillEvent(n, line);
      if (ev && cmdSecret) this.markSecret(ev, cmdSecret);
      const reason = line.overlong ? `line longer than ${LIMITS.MAX_LINE_BYTES} bytes (truncated)` : line.cut === 'insane-literal' ? 'literal size not believable' : finalParsed.type === 'malformed' ? finalParsed.reason : '';
      if (ev && (finalParsed.type === 'malformed' || line.cut === 'insane-literal')) {
        ev.kind = 'malformed';
        ev.note = finalParsed.type === 'malformed' ? `${reason} at offset ${finalParsed.position}` : reason;
        ev.parsed = finalParsed.type === 'malformed' ? finalParsed : { type: 'malformed', reason, position: line.raw.length };
      } else if (ev) {
        ev.note = reason;
      }
      if (line.overlong) this.b.anomaly('line-too-long', line.firstFrame, n, reason);
      if (finalParsed.type === 'malformed' && line.cut !== 'gap' && line.cut !== 'end') this.b.anomaly('malformed', line.firstFrame, n, `${dir === 0 ? 'client' : 'server'}: ${reason}`);
      if (finalParsed.type === 'malformed' || line.cut === 'insane-literal') {
        if (started?.pending) this.dropPending(started.pending);
        return;
      }
    }
    reader.resyncing = false;
    if (n === -2) n = this.addLineEvent(dir, reader, line);
    const ev = this.fillEvent(n, line);
    if (ev) ev.parsed = finalParsed;
    if (dir === 0) this.onClientParsed(n, line, finalParsed, cmdSecret, started?.pending, wouldBe);
    else this.onServerParsed(n, line, finalParsed);
  }

  // --- client side ---------------------------------------------------------------------------

  /** True when a client line is SASL data or IDLE's DONE rather than a command. */
  private saslOrIdle(raw: string): boolean {
    const p = this.newestPending();
    if (!p || !p.lineDone) return false;
    if (p.sasl) return p.sasl.challenges > p.sasl.responses || !/^\S+ [A-Za-z]/.test(raw);
    if (p.idle) return raw.toUpperCase() === 'DONE';
    return false;
  }

  private classifyClient(line: LogicalLine, started: Pending | undefined): ImapParsed {
    if (!started && this.saslOrIdle(line.raw)) {
      const p = this.newestPending()!;
      if (p.idle) return { type: 'idle-done', tag: p.tag };
      return { type: line.raw === '*' ? 'sasl-cancel' : 'sasl-response', tag: p.tag };
    }
    // DONE with no IDLE in flight: a capture that starts during IDLE (or a confused client).
    if (!started && line.raw.toUpperCase() === 'DONE') return { type: 'idle-done', tag: '' };
    return { type: 'command', tag: '', tagValid: false, name: '', nameRaw: '', known: false, args: [], rawArgs: '' };
  }

  private onClientParsed(n: number, line: LogicalLine, parsed: ImapParsed, secret: CommandSecret | undefined, started: Pending | undefined, wouldBe?: WouldBeLogin): void {
    const ev = this.b.event(n);
    if (parsed.type === 'idle-done' && parsed.tag === '') {
      if (this.greetingSeen) this.b.anomaly('unexpected-done', line.firstFrame, n, 'DONE sent with no IDLE in flight');
      return;
    }
    if (parsed.type === 'idle-done' || parsed.type === 'sasl-response' || parsed.type === 'sasl-cancel') {
      const p = this.newestPending()!;
      this.relate(p, n, 'C', line.endTs);
      if (parsed.type === 'sasl-response' || parsed.type === 'sasl-cancel') {
        const s = p.sasl!;
        s.responses++;
        if (parsed.type === 'sasl-cancel') s.cancelled = true;
        else if (ev && line.raw.length > 0) ev.secrets = [{ start: 0, end: line.raw.length, kind: 'sasl' }];
        this.saslStep(p, 'C', line.raw);
        if (line.overlong) p.sasl!.cut = true;
        if (p.auth) p.auth.frames.push(line.firstFrame);
      }
      return;
    }
    if (parsed.type !== 'command') return;
    const cmd = parsed;
    if (!cmd.tagValid) this.b.anomaly('invalid-tag', line.firstFrame, n, `tag '${cmd.tag}' is not a valid IMAP tag (1*<ASTRING-CHAR except '+'>)`);
    for (const note of cmd.notes ?? []) {
      if (note.code === 'invalid-astring' || note.code === 'bad-escape' || note.code === 'syntax' || note.code === 'nesting-too-deep') this.b.anomaly(note.code === 'syntax' ? 'malformed-arguments' : note.code, line.firstFrame, n, `${cmd.tag} ${cmd.name}: ${note.detail}`);
    }
    const p = started && started.tag === cmd.tag ? started : this.openExchange(cmd.tag, cmd.name, cmd.known, n, line);
    p.lineDone = true;
    p.ex.command = cmd.name;
    p.ex.known = cmd.known;
    p.openSince = line.endTs;
    if (secret && ev) this.markSecret(ev, secret);
    this.commandEffects(p, cmd, secret, line);
    if (wouldBe) this.wouldBeLogin(p, wouldBe, secret, line);
  }

  /** Marks a command's secret in its event: a span of the line, a literal, or both. */
  private markSecret(ev: DialogueEvent, secret: CommandSecret): void {
    if (secret.literal !== undefined) {
      const lit = ev.literals?.[secret.literal];
      if (lit) lit.secret = true;
    } else if (secret.end > secret.start) {
      const span: SecretSpan = { start: secret.start, end: secret.end, kind: secret.kind === 'password' ? 'password' : 'sasl' };
      ev.secrets = [span];
    }
    for (const i of secret.alsoLiterals ?? []) {
      const lit = ev.literals?.[i];
      if (lit) lit.secret = true;
    }
  }

  private openExchange(tag: string, name: string, known: boolean, n: number, line: LogicalLine): Pending {
    const state = this.state;
    const prior = this.pending.find((q) => q.tag === tag);
    if (prior) this.b.anomaly('tag-reuse', line.firstFrame, n, `tag '${tag}' reused while ${prior.tag} ${prior.name} (frame ${prior.ex.commandFrame}) is still in flight`);
    const ex = this.b.addExchange({ tag, command: name, known, state, commandEvent: n, relatedEvents: [], startTs: line.ts, commandFrame: line.firstFrame });
    const p: Pending = { ex, tag, name, lineDone: false, openSince: line.endTs, accum: 0 };
    if (this.pending.length >= LIMITS.MAX_PENDING_COMMANDS) {
      const dropped = this.pending.shift()!;
      this.b.anomaly('pending-capped', line.firstFrame, n, `more than ${LIMITS.MAX_PENDING_COMMANDS} commands in flight: ${dropped.tag} ${dropped.name} is no longer tracked`);
    }
    this.pending.push(p);
    if (this.pending.length > 1) p.stateDeferred = true;
    else this.judgeState(p);
    if (this.pending.some((q) => q !== p && q.name === 'STARTTLS')) {
      this.b.anomaly('starttls-injection', line.firstFrame, n, `client sent ${name} after STARTTLS before the server answered (pipelined into the TLS switch)`);
    }
    return p;
  }

  private commandEffects(p: Pending, cmd: ImapCommand, secret: CommandSecret | undefined, line: LogicalLine): void {
    switch (cmd.name) {
      case 'LOGIN': {
        const a: AuthAttempt = {
          n: this.conv.auth.length,
          method: 'LOGIN',
          encrypted: this.tlsActive,
          outcome: 'unknown',
          exchange: p.ex.n,
          frames: [line.firstFrame],
          ts: line.ts,
        };
        if (cmd.login) {
          const u = cmd.login.user;
          a.user = u.value;
          a.userForm = u.form === 'invalid' ? 'atom' : u.form;
          a.userRaw = u.raw;
          if (u.invalid) a.details = { userInvalid: u.invalid };
          if (cmd.login.password.invalid) a.details = { ...a.details, passwordInvalid: cmd.login.password.invalid };
          // Too many arguments: the first word may be only part of the user name, the second only part of the password.
          if (cmd.login.extra) a.details = { ...a.details, argumentCount: String(cmd.login.extra.count) };
        }
        if (secret?.kind === 'password' && !cmd.login?.extra) a.secret = secretFacts('password', secret.value, line.overlong);
        p.auth = this.b.addAuth(a);
        break;
      }
      case 'AUTHENTICATE': {
        const mech = cmd.authenticate?.mechanism ?? '';
        p.sasl = { mechanism: mech, steps: [], cancelled: false, challenges: 0, responses: 0, droppedSteps: 0 };
        if (secret?.kind === 'sasl') p.sasl.initialResponse = secret.value;
        if (line.overlong) p.sasl.cut = true;
        const a: AuthAttempt = {
          n: this.conv.auth.length,
          method: 'AUTHENTICATE',
          mechanism: mech.toUpperCase(),
          encrypted: this.tlsActive,
          outcome: 'unknown',
          exchange: p.ex.n,
          frames: [line.firstFrame],
          ts: line.ts,
        };
        p.auth = this.b.addAuth(a);
        break;
      }
      case 'IDLE':
        p.idle = true;
        break;
      case 'ID':
        if (cmd.id) {
          const id = identifyFromId(cmd.id);
          if (id) this.conv.clientSoftware = id;
        }
        break;
      default:
    }
  }

  /**
   * An unknown command that reads like a login (`AUTH DOMAIN\user pass`): the server cannot take
   * it for one, but the password crossed the wire, so it is an AuthAttempt (outcome from the
   * completion: BAD → failed) whose secret the diagnosis can compare with working logins.
   */
  private wouldBeLogin(p: Pending, wb: WouldBeLogin, secret: CommandSecret | undefined, line: LogicalLine): void {
    if (wb.method === 'USER' && !secret) {
      // Half a POP3-style login: the attempt is counted at PASS, which carries the password.
      this.wouldBeUser = wb.user;
      return;
    }
    const a: AuthAttempt = {
      n: this.conv.auth.length,
      method: wb.method,
      encrypted: this.tlsActive,
      outcome: 'unknown',
      exchange: p.ex.n,
      frames: [line.firstFrame],
      ts: line.ts,
      details: { notImapCommand: `${wb.method} is not an IMAP command (taken for a login by its ${wb.reason}): the server cannot accept it as one` },
    };
    const user = wb.user ?? (wb.method === 'PASS' || wb.method === 'PASSWORD' ? this.wouldBeUser : undefined);
    if (user) {
      a.user = user.value;
      a.userForm = user.form === 'invalid' ? 'atom' : user.form;
      a.userRaw = user.raw;
      if (user.invalid) a.details!.userInvalid = user.invalid;
    }
    if (wb.mechanism !== undefined) {
      a.mechanism = wb.mechanism.toUpperCase();
      if (secret) {
        // `AUTH PLAIN <base64>`: SASL with an initial response, decoded like AUTHENTICATE's.
        const r = decodeSasl({ mechanism: wb.mechanism, initialResponse: secret.value, steps: [], cancelled: false });
        if (r.user !== undefined) Object.assign(a, { user: r.user, userForm: 'sasl', userRaw: r.user });
        a.secret = secretFacts(r.secret?.kind ?? 'response', r.secret?.value ?? secret.value, line.overlong);
      }
    } else if (secret) {
      a.secret = secretFacts(wb.method === 'APOP' ? 'hash' : 'password', secret.value, line.overlong);
    }
    p.auth = this.b.addAuth(a);
  }

  // --- server side ---------------------------------------------------------------------------

  private onServerParsed(n: number, line: LogicalLine, parsed: ImapParsed): void {
    const firstServerLine = !this.serverSpoke;
    this.serverSpoke = true;
    switch (parsed.type) {
      case 'continuation': {
        const p = this.continuationOwner();
        if (!p) {
          this.b.anomaly('unexpected-continuation', line.firstFrame, n, 'continuation request with no command waiting for one');
          return;
        }
        if (!p.lineDone) {
          // The client is still sending this command (literal by literal): it waited since its latest part.
          const cur = this.lastReader(0).current;
          if (cur) p.openSince = cur.endTs;
        }
        this.relate(p, n, 'S', line.ts);
        if (p.sasl) {
          p.sasl.challenges++;
          this.saslStep(p, 'S', parsed.text);
          p.auth?.frames.push(line.firstFrame);
        }
        return;
      }
      case 'completion':
        this.onCompletion(n, line, parsed.tag, parsed.status, parsed.code, parsed.text);
        return;
      case 'untagged':
        break;
      default:
        return;
    }
    const u = parsed;
    if (u.nestingCapped !== undefined) this.b.anomaly('nesting-too-deep', line.firstFrame, n, `server: lists nested deeper than ${IMAP_LIMITS.MAX_LIST_DEPTH} at offset ${u.nestingCapped}: the rest of the line is kept as text`);
    if (firstServerLine && this.looksLikeGreeting(u.name, u.code, u.text ?? '') && this.conv.exchanges.length === 0) {
      this.greetingSeen = true;
      this.conv.greeting = { event: n, status: u.name, text: u.text ?? '' };
      this.state = u.name === 'OK' ? 'not-authenticated' : u.name === 'PREAUTH' ? 'authenticated' : 'logout';
      const sw = identifyServerFromGreeting(u.text ?? '');
      if (sw) this.conv.serverSoftware = sw;
      if (u.code?.name === 'CAPABILITY') this.addCapabilities('greeting', line.firstFrame, u.code.args ?? '');
      if (u.name === 'BYE') this.byeSeen = true;
      return;
    }
    const p = this.pending[0];
    if (p) this.relate(p, n, 'S', line.ts, false);
    if (u.name === 'BYE') {
      this.byeSeen = true;
      this.byeEvent = n;
      this.state = 'logout';
    }
    if (u.name === 'CAPABILITY') this.addCapabilities(this.capPhase(), line.firstFrame, (u.capabilities ?? []).join(' '));
    else if (u.code?.name === 'CAPABILITY') this.addCapabilities(this.capPhase(), line.firstFrame, u.code.args ?? '');
    if (u.name === 'ID' && u.id) {
      const id = identifyFromId(u.id);
      if (id && !this.conv.serverSoftware) this.conv.serverSoftware = id;
      else if (id && this.conv.serverSoftware) this.conv.serverSoftware.details = { ...this.conv.serverSoftware.details, idName: id.product, ...(id.version ? { idVersion: id.version } : {}) };
    }
  }

  private onCompletion(n: number, line: LogicalLine, tag: string, status: 'OK' | 'NO' | 'BAD', code: ImapResponseCode | undefined, text: string): void {
    const i = this.pending.findIndex((q) => q.tag === tag);
    if (i < 0) {
      this.b.anomaly('unexpected-completion', line.firstFrame, n, `completion for tag '${tag}' that is not in flight`);
      return;
    }
    const p = this.pending[i]!;
    this.pending.splice(i, 1);
    // Earlier commands whose answers fell into a server-side gap will not complete: stop waiting.
    for (let k = i - 1; k >= 0; k--) {
      const q = this.pending[k]!;
      if (!q.gapped) continue;
      this.pending.splice(k, 1);
      this.b.anomaly('missing-completion', q.ex.commandFrame, q.ex.commandEvent, `${q.tag} ${q.name}: completion probably lost in a capture gap`);
    }
    if (!p.lineDone) {
      // Refused before the client sent its synchronising literal: it will not come.
      this.lastReader(0).refuseSyncLiteral();
    }
    if (p.openSince !== undefined) p.accum += Math.max(0, line.ts - p.openSince);
    p.openSince = undefined;
    p.ex.responseTime = p.accum;
    this.b.complete(p.ex, n, line.firstFrame, line.ts, status, code?.raw, text);
    if (code?.name === 'CAPABILITY' && status === 'OK') {
      // After LOGIN/AUTHENTICATE the code describes the authenticated state.
      const phase = p.name === 'LOGIN' || p.name === 'AUTHENTICATE' ? 'post-auth' : this.capPhase();
      this.addCapabilities(phase, line.firstFrame, code.args ?? '');
    }
    if (p.auth) {
      p.auth.frames.push(line.firstFrame);
      p.auth.outcome = status === 'OK' ? 'ok' : p.sasl?.cancelled ? 'cancelled' : 'failed';
      if (code) p.auth.responseCode = code.raw;
      p.auth.serverText = text;
      if (p.sasl) this.finishSasl(p, status);
    }
    this.stateAfter(p.name, status, line);
    // Completed out of order before the commands sent ahead of it: judged in the state now.
    if (p.stateDeferred) this.judgeState(p);
    this.judgeDeferredStates();
    // An eager ClientHello waited for this answer: into TLS after OK, read as text otherwise.
    if (p.name === 'STARTTLS') this.releaseEarlyTls();
  }

  /**
   * Checks that a command is valid in the state the server runs it in. Only judged when the session
   * was followed from its greeting (a mid-session capture only guesses the state).
   */
  private judgeState(p: Pending): void {
    p.stateDeferred = false;
    const state = this.state;
    p.ex.state = state;
    const states = commandStates(p.name);
    if (states && this.greetingSeen && state !== 'unknown' && !states.includes(state)) {
      this.b.anomaly('wrong-state', p.ex.commandFrame, p.ex.commandEvent, `${p.name} is not valid in the ${state} state`);
    }
  }

  /**
   * A pipelined command runs after the commands before it (RFC 9051 §5.5): once every earlier one
   * has completed, its state is the one they left. Called after each completion.
   */
  private judgeDeferredStates(): void {
    const first = this.pending[0];
    if (first?.stateDeferred) this.judgeState(first);
  }

  private stateAfter(name: string, status: 'OK' | 'NO' | 'BAD', line: LogicalLine): void {
    if (status === 'OK') {
      switch (name) {
        case 'LOGIN':
        case 'AUTHENTICATE':
          this.state = 'authenticated';
          return;
        case 'SELECT':
        case 'EXAMINE':
          this.state = 'selected';
          return;
        case 'CLOSE':
        case 'UNSELECT':
          this.state = 'authenticated';
          return;
        case 'LOGOUT':
          this.state = 'logout';
          return;
        case 'STARTTLS':
          this.switchToTls(line.lastFrame, line.ts);
          return;
        case 'COMPRESS':
          this.switchToDeflate(line.lastFrame, line.ts);
          return;
        default:
          // A capture that started mid-session learns the state from what succeeds.
          if (this.state === 'unknown') {
            const states = commandStates(name);
            if (states && states.length === 1 && states[0] === 'selected') this.state = 'selected';
            else if (states && !states.includes('not-authenticated')) this.state = 'authenticated';
          }
      }
    } else if ((name === 'SELECT' || name === 'EXAMINE') && this.state === 'selected') {
      this.state = 'authenticated'; // RFC 9051 §6.3.2: a failed SELECT leaves no mailbox selected
    }
  }

  // --- helpers -------------------------------------------------------------------------------

  /** The command a `+` answers: a command still sending its line (sync literal), else AUTHENTICATE/IDLE/APPEND, else the newest. */
  private continuationOwner(): Pending | undefined {
    if (this.clientStarted?.pending) return this.clientStarted.pending;
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const p = this.pending[i]!;
      if (p.sasl || p.idle || !p.lineDone) return p;
    }
    return this.pending[this.pending.length - 1];
  }

  private newestPending(): Pending | undefined {
    return this.pending[this.pending.length - 1];
  }

  /** Links an event to an exchange and keeps the response-time bookkeeping. */
  private relate(p: Pending, n: number, side: Side, ts: number, closesWait = true): void {
    this.b.relate(p.ex, n);
    if (side === 'C') {
      p.openSince = ts;
    } else if (closesWait && p.openSince !== undefined) {
      p.accum += Math.max(0, ts - p.openSince);
      p.openSince = undefined;
    }
  }

  private dropPending(p: Pending): void {
    const i = this.pending.indexOf(p);
    if (i >= 0) this.pending.splice(i, 1);
    this.judgeDeferredStates();
  }

  private saslStep(p: Pending, side: 'C' | 'S', text: string): void {
    const s = p.sasl!;
    if (side === 'C' && text.length > IMAP_LIMITS.MAX_SASL_LINE_BYTES) s.cut = true;
    if (s.steps.length >= IMAP_LIMITS.MAX_SASL_STEPS) {
      s.droppedSteps++;
      return;
    }
    s.steps.push({ side, text: text.slice(0, IMAP_LIMITS.MAX_SASL_LINE_BYTES) });
  }

  private finishSasl(p: Pending, status: 'OK' | 'NO' | 'BAD' | undefined): void {
    const s = p.sasl!;
    const a = p.auth!;
    const x: SaslExchange = { mechanism: s.mechanism, steps: s.steps, cancelled: s.cancelled };
    if (s.initialResponse !== undefined) x.initialResponse = s.initialResponse;
    const r = decodeSasl(x);
    a.mechanism = r.mechanism;
    if (r.user !== undefined) {
      a.user = r.user;
      a.userForm = 'sasl';
      a.userRaw = r.user;
    }
    if (r.authzid !== undefined) a.authzid = r.authzid;
    if (r.secret) a.secret = secretFacts(r.secret.kind, r.secret.value, s.cut === true);
    const details: Record<string, string> = { ...r.details };
    if (r.errors.length > 0) details.saslErrors = r.errors.join('; ');
    if (s.droppedSteps > 0) details.saslStepsDropped = String(s.droppedSteps);
    if (Object.keys(details).length > 0) a.details = details;
    if (r.crackable) a.crackable = r.crackable;
    if (status === undefined) a.outcome = s.cancelled ? 'cancelled' : 'unknown';
  }

  /**
   * The first server line is the greeting when the connection was seen from its SYN; a capture
   * that starts mid-connection only takes an untagged OK that reads like one (`* OK Still here`
   * from an IDLE keep-alive is not).
   */
  private looksLikeGreeting(name: string, code: ImapResponseCode | undefined, text: string): boolean {
    if (name !== 'OK' && name !== 'PREAUTH' && name !== 'BYE') return false;
    if (this.info.sawSyn || name === 'PREAUTH') return true;
    return code?.name === 'CAPABILITY' || /\b(ready|welcome|service|server|IMAP4)/i.test(text);
  }

  private capPhase(): string {
    if (this.state === 'authenticated' || this.state === 'selected') return 'post-auth';
    return this.tlsActive ? 'post-tls' : 'pre-tls';
  }

  private addCapabilities(phase: string, frame: number, list: string): void {
    this.conv.capabilities.push({ phase, frame, list: list.split(' ').filter((c) => c.length > 0) });
  }
}
