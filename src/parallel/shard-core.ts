/**
 * One shard of sharded reading: TCP reassembly, dissection, the per-conversation rules and the
 * rendering of the connections routed to it. A worker thread runs one (shard-worker.ts, fed with
 * batches of records); the main thread runs another on its own share of the connections, fed with
 * its frames directly (no copy). See docs/architecture.md, "The threaded path".
 *
 * It numbers its connections locally (1, 2, ... per input) and appends to `out` the frames at which
 * it created them and its events (EVENT_FIELDS numbers each: kind, local id, frame, phase, sub); a
 * finished conversation waits here until render() gets its global id.
 */
import { connectionView, IcmpNotes } from '../connectivity/path-tracker.js';
import type { IcmpNote } from '../connectivity/facts.js';
import type { RawFrame } from '../capture/frame.js';
import { newDecoded, type Decoded } from '../decode/decoded.js';
import { TcpReassembler } from '../tcp/reassembler.js';
import { TCP_LIMITS } from '../tcp/limits.js';
import { announcingStarts } from '../tcp/stream.js';
import { numberingStreams } from '../tcp/stream-index.js';
import { Dispatcher } from '../protocols/dispatch.js';
import type { UndissectedExport } from '../protocols/undissected.js';
import { makeTlsLayerFactory } from '../protocols/tls/tls-layer.js';
import { mergeKeyLog, parseKeyLog, type KeyLog } from '../protocols/tls/keylog.js';
import { Diagnoser } from '../diagnose/diagnose.js';
import { summariseLogins } from '../diagnose/ledger.js';
import type { Conversation } from '../model/conversation.js';
import type { ReportOptions } from '../report/context.js';
import { conversationRenderer } from '../report/json.js';
import { loginRows } from '../report/logins.js';
import { ruleInfo } from '../report/rule-info.js';
import {
  EVENT_FINISH, EVENT_START, PACKET_HEADER_BYTES, PHASE_END, PHASE_PACKET, PHASE_SWEEP, RECORD_PACKET, RECORD_SWEEP, RECORD_ICMP, ICMP_RECORD_HEADER_BYTES,
  type RenderedFacts, type WorkerSettings,
} from './protocol.js';

/** Where a shard appends what the merge in the main thread needs. */
export interface ShardOutput {
  created: number[];
  events: number[];
}

export type ShardSettings = Omit<WorkerSettings, 'runKey' | 'testDelayMs' | 'shard'>;

const utf8 = new TextDecoder();

export class ShardCore {
  out: ShardOutput = { created: [], events: [] };
  private readonly reportOptions: ReportOptions;
  private readonly render: (c: Conversation, opts: ReportOptions) => string | undefined;
  private readonly diagnoser: Diagnoser;
  /** Parsed once; DSB secrets of every input are merged into it, as the single-threaded session does. */
  private readonly keyLog: KeyLog;
  private reassembler: TcpReassembler | undefined;
  private dispatcher: Dispatcher | undefined;
  private name = '';
  /** ICMP errors about this shard's connections, tied to them as they end (as InputAnalyzer does). */
  private readonly icmp = new IcmpNotes();
  /** Finished conversations waiting for their global id, by local id. */
  private readonly waiting = new Map<number, Conversation>();
  /** The frame being processed, its phase and the order of events within it. */
  private curFrame = 0;
  private curPhase = PHASE_PACKET;
  private eventSeq = 0;
  private readonly frame: RawFrame = { index: 0, tsSec: 0, tsNsec: 0, capLen: 0, wireLen: 0, linkType: 0, interfaceId: 0, buf: new Uint8Array(0), offset: 0, fileOffset: -1 };
  private readonly decoded: Decoded = newDecoded();
  /** The tcp.stream of the packet being processed, as the main thread numbered it. */
  private readonly stream = { current: -1 };

  constructor(private readonly settings: ShardSettings) {
    const r = settings.render;
    this.reportOptions = { showSecrets: r.showSecrets, color: false, minSeverity: r.minSeverity, onlyProblems: r.onlyProblems, ruleInfo, version: r.version, inputs: r.inputs };
    if (r.bodies !== undefined) this.reportOptions.bodies = r.bodies;
    this.render = conversationRenderer(r.format);
    this.diagnoser = new Diagnoser(settings);
    this.keyLog = parseKeyLog(settings.keyLogText ?? '');
    this.decoded.kind = 'tcp';
  }

  /** A new input: a new reassembler and dispatcher, local ids from 1. */
  startInput(name: string): void {
    this.name = name;
    this.waiting.clear();
    this.icmp.clear();
    const keyLog = this.keyLog;
    const dispatcher = new Dispatcher({
      extraPorts: this.settings.extraPorts,
      tls: makeTlsLayerFactory({ keyLog }),
      hasKeys: (random) => keyLog.entries.has(random),
      onConversation: (c) => {
        const icmp = this.icmp.take(c.client, c.server);
        if (icmp.length) c.path = { icmp };
        this.waiting.set(c.id, c);
        // In a sweep, one reassembler closes connections least recently active first: across
        // shards that order is their last frame.
        const ph = this.curPhase;
        const sub = ph === PHASE_SWEEP ? (c.tcp?.lastFrame ?? c.lastFrame) : ph === PHASE_END ? c.id : this.eventSeq++;
        this.out.events.push(EVENT_FINISH, c.id, this.curFrame, ph, sub);
      },
    });
    this.dispatcher = dispatcher;
    const factory = announcingStarts(numberingStreams(dispatcher, this.stream), (conn) => {
      this.out.events.push(EVENT_START, conn.id, this.curFrame, this.curPhase, this.eventSeq++);
    });
    const n = this.settings.shards;
    this.reassembler = new TcpReassembler(factory, {
      isMailPort: dispatcher.isMailPort,
      externalClock: true,
      // The caps of the whole layer are shared out among the shards.
      tableBudgetBytes: Math.floor((this.settings.tableBudgetBytes ?? TCP_LIMITS.TABLE_BUDGET_BYTES) / n),
      evictedFlowsBytes: Math.floor(TCP_LIMITS.EVICTED_FLOWS_BYTES / n),
      // Folding counts a client's attempts across the whole capture, which no shard sees: off.
      foldAfterAttempts: Infinity,
      maxBufferedBytesTotal: Math.floor(TCP_LIMITS.MAX_BUFFERED_BYTES_TOTAL / n),
      maxWindowBytesTotal: Math.floor(TCP_LIMITS.MAX_WINDOW_BYTES_TOTAL / n),
    });
  }

  secrets(text: string): void {
    mergeKeyLog(this.keyLog, text);
  }

  /** The capture's idle sweep ran at this frame (the capture clock `now`). */
  sweep(index: number, now: number): void {
    this.curFrame = index;
    this.curPhase = PHASE_SWEEP;
    this.reassembler!.advanceClock(now, true);
  }

  /** One TCP segment of this shard, with the capture clock and whether the sweep runs before it. */
  packet(f: RawFrame, d: Decoded, now: number, sweep: boolean, tcpStream: number): void {
    const r = this.reassembler!;
    this.stream.current = tcpStream;
    if (sweep) this.sweep(f.index, now);
    else r.advanceClock(now, false);
    this.curFrame = f.index;
    this.curPhase = PHASE_PACKET;
    this.eventSeq = 0;
    const before = r.connectionsCreated;
    r.packet(f, d);
    if (r.connectionsCreated !== before) this.out.created.push(f.index);
  }

  /** An ICMP error about a connection of this shard (RECORD_ICMP, or a direct call for shard 0). */
  icmpNote(key: string, note: IcmpNote): void {
    this.icmp.add(key, note);
  }

  /** A batch of records (protocol.ts) from the main thread. */
  batch(buffer: ArrayBuffer, length: number): void {
    const view = new DataView(buffer, 0, length);
    const bytes = new Uint8Array(buffer, 0, length);
    const frame = this.frame;
    const d = this.decoded;
    d.buf = bytes;
    frame.buf = bytes;
    let p = 0;
    while (p < length) {
      const type = view.getUint8(p);
      const index = view.getFloat64(p + 8, true);
      const clock = view.getFloat64(p + 32, true);
      if (type === RECORD_SWEEP) {
        this.sweep(index, clock);
        p += 40;
        continue;
      }
      if (type === RECORD_ICMP) {
        const n = view.getUint32(p + 40, true);
        const start = p + ICMP_RECORD_HEADER_BYTES;
        const { key, note } = JSON.parse(utf8.decode(bytes.subarray(start, start + n))) as { key: string; note: IcmpNote };
        this.icmpNote(key, note);
        p = start + n;
        continue;
      }
      if (type !== RECORD_PACKET) throw new Error(`bad record type ${type} at ${p}`);
      const addrLen = view.getUint8(p + 2);
      const nVlans = view.getUint8(p + 3);
      const sweepFirst = view.getUint8(p + 4) !== 0;
      frame.index = index;
      frame.tsSec = view.getFloat64(p + 16, true);
      frame.tsNsec = view.getUint32(p + 24, true);
      d.flags = view.getUint8(p + 1);
      d.srcPort = view.getUint16(p + 28, true);
      d.dstPort = view.getUint16(p + 30, true);
      d.seq = view.getUint32(p + 40, true);
      d.ack = view.getUint32(p + 44, true);
      const len = view.getUint32(p + 48, true);
      d.payloadLength = len;
      d.payloadWireLength = view.getUint32(p + 52, true);
      const tcpStream = view.getUint32(p + 56, true);
      let q = p + PACKET_HEADER_BYTES;
      if (nVlans !== 0 || d.vlans.length !== 0) {
        d.vlans.length = 0;
        for (let i = 0; i < nVlans; i++, q += 2) d.vlans.push(view.getUint16(q, true));
      }
      d.addrLength = addrLen;
      d.ipVersion = addrLen === 4 ? 4 : 6;
      d.srcAddrOffset = q;
      d.dstAddrOffset = q + addrLen;
      d.payloadOffset = q + 2 * addrLen;
      p = d.payloadOffset + len;
      this.packet(frame, d, clock, sweepFirst, tcpStream);
    }
  }

  /**
   * Diagnoses and renders the finished conversations given their global ids (pairs local, global):
   * their facts, and their texts as UTF-8 in one buffer.
   */
  renderWaiting(pairs: number[]): { results: RenderedFacts[]; texts: ArrayBuffer } {
    const results: RenderedFacts[] = [];
    const texts: Array<string | undefined> = [];
    let bytes = 0;
    for (let i = 0; i < pairs.length; i += 2) {
      const local = pairs[i]!;
      const c = this.waiting.get(local);
      if (!c) throw new Error(`no finished conversation ${local}`);
      this.waiting.delete(local);
      c.id = pairs[i + 1]!;
      c.input = this.name;
      this.diagnoser.check(c);
      const text = this.render(c, this.reportOptions);
      const textLength = text === undefined ? 0 : Buffer.byteLength(text);
      texts.push(text);
      results.push({
        local,
        id: c.id,
        protocol: c.protocol,
        outcomes: c.auth.map((a) => a.outcome),
        findings: c.findings,
        ledger: summariseLogins(c),
        view: connectionView(c),
        loginRows: loginRows(c, this.reportOptions.showSecrets),
        textStart: text === undefined ? -1 : bytes,
        textLength,
      });
      bytes += textLength;
    }
    const out = Buffer.from(new ArrayBuffer(bytes));
    texts.forEach((t, i) => {
      if (t !== undefined) out.write(t, results[i]!.textStart, 'utf8');
    });
    return { results, texts: out.buffer as ArrayBuffer };
  }

  /** The input is over: flush the reassembler (events at frame +Infinity); its counters. */
  end(): { tcp: Record<string, number>; undissected: UndissectedExport | undefined } {
    this.curFrame = Infinity;
    this.curPhase = PHASE_END;
    this.reassembler!.finish();
    return { tcp: { ...this.reassembler!.stats() } as unknown as Record<string, number>, undissected: this.dispatcher!.undissected.export() };
  }
}
