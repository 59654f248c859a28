/**
 * Sharded reading (`mailwire read --threads N`, N > 1): the main thread reads and decodes, and routes
 * each TCP segment by a symmetric hash of its addresses and ports to one of N worker threads
 * (shard-worker.ts), which reassemble, dissect, diagnose and render. The main thread puts the
 * results back into exactly the order, numbering and totals of the single-threaded path
 * (analyze.ts). Design and the ordering argument: docs/architecture.md, "The threaded path".
 */
import { PathTracker, readIcmpError } from '../connectivity/path-tracker.js';
import { MAIL_PORTS } from '../tcp/limits.js';
import { Worker } from 'node:worker_threads';
import { frameTime, type CaptureSecrets, type CaptureWarning, type FrameSink, type RawFrame } from '../capture/frame.js';
import { readCapture } from '../capture/read-capture.js';
import { newDecoded, type Decoded } from '../decode/decoded.js';
import { TcpStreamIndex } from '../tcp/stream-index.js';
import { createDecodeContext, decodeFrame, type DecodeContext } from '../decode/decode-frame.js';
import { AnalysisSession, type AnalysisStats, type InputSummary, type SessionOptions } from '../analyze.js';
import { MailwireError } from '../errors.js';
import { runKey } from '../model/secrets.js';
import type { Finding } from '../model/conversation.js';
import { CaptureClock } from '../tcp/capture-clock.js';
import { FlowKey } from '../tcp/flow-table.js';
import { UndissectedTally, type UndissectedExport, type UndissectedSummary } from '../protocols/undissected.js';
import { ShardCore, type ShardSettings } from './shard-core.js';
import {
  EVENT_FIELDS, EVENT_START, PACKET_HEADER_BYTES, PHASE_END, RECORD_PACKET, RECORD_SWEEP, SWEEP_RECORD_BYTES, RECORD_ICMP, ICMP_RECORD_HEADER_BYTES,
  type FromWorker, type RenderedConversation, type RenderedFacts, type RenderSettings, type ToWorker, type WorkerSettings,
} from './protocol.js';

/** Bytes of one batch buffer (a larger record gets a buffer of its own size). */
export const BATCH_BYTES = 1 << 20;
/** Batch bytes sent to one worker and not yet processed, beyond which reading waits (backpressure). */
export const MAX_IN_FLIGHT_BYTES_PER_WORKER = 8 << 20;
/**
 * The main thread's share of the connections, against 1 for each worker thread: it also reads,
 * decodes, routes and copies every frame and merges the results (measured on mail-1G with one
 * worker: at equal shares the main thread was busy 2.8 s, the worker 1.8 s).
 */
export const MAIN_SHARD_WEIGHT = 0.5;
/** Capture warnings kept per input for the report (the rest are counted), as analyze.ts. */
const MAX_WARNINGS_KEPT = 100;

export interface ShardedOptions extends SessionOptions {
  threads: number;
  render: RenderSettings;
  /** Each finished conversation, rendered, in the order the single-threaded path delivers them (onConversation). */
  onRendered(r: RenderedConversation): void;
  /** Tests: another worker script, a slow worker, a smaller in-flight bound. */
  workerUrl?: URL;
  testDelayMs?: number;
  maxInFlightBytes?: number;
}

/** What a sharded run measured about itself (tests: bounded memory). */
export interface ShardedRunInfo {
  peakInFlightBytes: number;
}

interface Batch {
  buffer: ArrayBuffer;
  view: DataView;
  bytes: Uint8Array;
  length: number;
  /** Frame index of the first record. */
  first: number;
}

interface Slot {
  shard: number;
  local: number;
  result: RenderedConversation | undefined;
}

class Shard {
  /** A worker thread's shard; or `core`, the main thread's own. */
  readonly worker: Worker | undefined;
  readonly core: ShardCore | undefined;
  filling: Batch | undefined;
  /** Posted and not acknowledged: first frame and size, oldest first. */
  readonly pending: Array<{ seq: number; first: number; bytes: number }> = [];
  inFlight = 0;
  /** Frames at which this worker created connections in the current input (index = local id - 1). */
  created: number[] = [];
  /** Events (flat, EVENT_FIELDS numbers each) not yet merged, from `head` on. */
  events: number[] = [];
  head = 0;
  ended = false;
  tcp: Record<string, number> | undefined;
  undissected: UndissectedExport | undefined;
  /** Local ids whose global id must be sent (pairs local, global). */
  ids: number[] = [];
  readonly slots = new Map<number, Slot>();
  exited = false;

  constructor(readonly index: number, where: { url: URL; data: WorkerSettings } | ShardCore) {
    if (where instanceof ShardCore) {
      this.core = where;
      this.worker = undefined;
      where.out = this;
    } else {
      this.core = undefined;
      this.worker = new Worker(where.url, { workerData: where.data });
    }
  }

  /** Every frame up to this one has been processed by this worker and its events received. */
  completeUpTo(position: number): number {
    if (this.pending.length > 0) return this.pending[0]!.first - 1;
    if (this.filling && this.filling.length > 0) return this.filling.first - 1;
    return position;
  }
}

/** Lower bound: how many of the sorted numbers are < x. */
function countBelow(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class ShardedRun implements FrameSink {
  readonly info: ShardedRunInfo = { peakInFlightBytes: 0 };
  private readonly session: AnalysisSession;
  private readonly shards: Shard[];
  private readonly pool: ArrayBuffer[] = [];
  private readonly maxInFlight: number;
  private readonly decoded: Decoded = newDecoded();
  /** Wireshark's tcp.stream numbers, counted here over every TCP packet of the input (the shards see only theirs). */
  private streams = new TcpStreamIndex();
  /** The current packet's endpoints (reused), for shardOf. */
  private readonly key = new FlowKey();
  private decodeContext: DecodeContext = createDecodeContext();
  private clock = new CaptureClock();
  private summary: InputSummary = { name: '', warnings: [], warningCount: 0, conversations: 0 };
  /**
   * The connectivity layer runs here, on the frames the main thread decodes: DNS and ICMP, and the
   * finished conversations' facts (RenderedConversation.view) for the reachability summary. ICMP
   * errors are not tied into the conversations the workers render (see docs/connectivity.md).
   */
  private path!: PathTracker;
  /** The mail ports (MAIL_PORTS and --ports), as the dispatchers in the shards have them. */
  private readonly isMailPort: (port: number) => boolean;
  /** Last frame index read in the current input. */
  private position = 0;
  private seq = 0;
  private readonly delivery: Slot[] = [];
  private deliveryHead = 0;
  private failure: Error | undefined;
  /** Wakes whoever waits for progress (backpressure, end of input). */
  private wake: (() => void) | undefined;
  private terminating = false;

  constructor(private readonly options: ShardedOptions) {
    this.session = new AnalysisSession(options);
    const extra = new Set(options.extraPorts ?? []);
    this.isMailPort = (port) => MAIL_PORTS.includes(port) || extra.has(port);
    this.maxInFlight = options.maxInFlightBytes ?? MAX_IN_FLIGHT_BYTES_PER_WORKER;
    const url = options.workerUrl ?? new URL('./shard-worker.js', import.meta.url);
    const base: Omit<WorkerSettings, 'shard'> = {
      shards: options.threads,
      extraPorts: options.extraPorts ?? [],
      runKey: runKey(),
      render: options.render,
    };
    if (options.keyLogText !== undefined) base.keyLogText = options.keyLogText;
    if (options.slowResponseSec !== undefined) base.slowResponseSec = options.slowResponseSec;
    if (options.serverName !== undefined) base.serverName = options.serverName;
    if (options.tableBudgetBytes !== undefined) base.tableBudgetBytes = options.tableBudgetBytes;
    if (options.testDelayMs !== undefined) base.testDelayMs = options.testDelayMs;
    // Shard 0 is the main thread's own (its frames are not copied); the others are worker threads.
    const { runKey: _key, ...coreSettings } = base;
    this.shards = [new Shard(0, new ShardCore(coreSettings satisfies ShardSettings))];
    for (let i = 1; i < options.threads; i++) {
      const s = new Shard(i, { url, data: { ...base, shard: i } });
      const w = s.worker!;
      w.on('message', (m: FromWorker) => this.onMessage(s, m));
      w.on('error', (err) => this.fail(`worker thread ${i} failed: ${err.message.split('\n')[0]}`));
      w.on('messageerror', (err) => this.fail(`worker thread ${i}: message not readable: ${err.message}`));
      w.on('exit', (code) => {
        s.exited = true;
        if (!this.terminating) this.fail(`worker thread ${i} exited (status ${code}) before the analysis was over`);
      });
      this.shards.push(s);
    }
  }

  /** Reads every input and returns the cross-conversation findings and the totals (as analyzeInputs). */
  async run(paths: string[]): Promise<{ findings: Finding[]; stats: AnalysisStats }> {
    try {
      for (const p of paths) {
        const name = p === '-' ? '(stdin)' : p;
        this.startInput(name);
        const capture = await readCapture(p, this, { onProgress: this.options.onProgress });
        await this.endInput();
        this.decodeContext.fragments?.finish();
        this.summary.decoded = this.decodeContext.counters!.snapshot();
        this.summary.capture = capture;
        this.summary.tcp = this.sumTcp();
        this.session.pathsDone(this.path);
        const undissected = this.sumUndissected();
        if (undissected) this.summary.undissected = undissected;
        this.session.inputDone(this.summary);
        this.options.onInputDone?.(this.summary);
      }
      const findings = this.session.finish();
      return { findings, stats: this.session.stats.stats };
    } finally {
      await this.terminate();
    }
  }

  private startInput(name: string): void {
    this.summary = { name, warnings: [], warningCount: 0, conversations: 0 };
    this.path = new PathTracker(this.isMailPort);
    this.decodeContext = createDecodeContext();
    this.streams = new TcpStreamIndex();
    this.clock = new CaptureClock();
    this.position = 0;
    for (const s of this.shards) {
      s.created = [];
      s.events = [];
      s.head = 0;
      s.ended = false;
      s.tcp = undefined;
      s.undissected = undefined;
      if (s.core) s.core.startInput(name);
      else this.send(s, { type: 'input', name });
    }
  }

  // ---- FrameSink ----

  frame(f: RawFrame): void {
    this.position = f.index;
    const d = decodeFrame(f, this.decoded, this.decodeContext);
    if (d.kind !== 'tcp') {
      if (d.kind === 'icmp') this.icmpError(f, d);
      else if (PathTracker.wants(d)) this.path.packet(f.index, frameTime(f), d);
      return;
    }
    const now = this.clock.tick(frameTime(f));
    const stream = this.streams.packet(d);
    const target = this.shards[this.shardOf(d)]!;
    const sweep = this.clock.sweep;
    if (sweep) {
      for (const s of this.shards) {
        if (s === target) continue;
        if (s.core) s.core.sweep(f.index, now);
        else this.sweepRecord(s, f.index, now);
      }
    }
    if (target.core) {
      target.core.packet(f, d, now, sweep, stream);
      return;
    }
    const addrLen = d.addrLength;
    const nVlans = d.vlans.length;
    const len = d.payloadLength;
    const size = PACKET_HEADER_BYTES + 2 * nVlans + 2 * addrLen + len;
    const b = this.room(target, size, f.index);
    const v = b.view;
    const p = b.length;
    v.setUint8(p, RECORD_PACKET);
    v.setUint8(p + 1, d.flags);
    v.setUint8(p + 2, addrLen);
    v.setUint8(p + 3, nVlans);
    v.setUint8(p + 4, sweep ? 1 : 0);
    v.setFloat64(p + 8, f.index, true);
    v.setFloat64(p + 16, f.tsSec, true);
    v.setUint32(p + 24, f.tsNsec, true);
    v.setUint16(p + 28, d.srcPort, true);
    v.setUint16(p + 30, d.dstPort, true);
    v.setFloat64(p + 32, now, true);
    v.setUint32(p + 40, d.seq, true);
    v.setUint32(p + 44, d.ack, true);
    v.setUint32(p + 48, len, true);
    v.setUint32(p + 52, d.payloadWireLength, true);
    v.setUint32(p + 56, stream, true);
    let q = p + PACKET_HEADER_BYTES;
    for (let i = 0; i < nVlans; i++, q += 2) v.setUint16(q, d.vlans[i]!, true);
    const src = d.buf;
    const out = b.bytes;
    for (let i = 0; i < addrLen; i++) {
      out[q + i] = src[d.srcAddrOffset + i]!;
      out[q + addrLen + i] = src[d.dstAddrOffset + i]!;
    }
    q += 2 * addrLen;
    if (len > 0) out.set(src.subarray(d.payloadOffset, d.payloadOffset + len), q);
    b.length = p + size;
  }

  warning(w: CaptureWarning): void {
    this.summary.warningCount++;
    if (this.summary.warnings.length < MAX_WARNINGS_KEPT) this.summary.warnings.push(w);
    this.options.onWarning?.(this.summary.name, w);
  }

  secrets(s: CaptureSecrets): void {
    // Applied by every worker before the frames that follow (messages arrive in order).
    for (const sh of this.shards) {
      if (sh.core) {
        sh.core.secrets(s.text);
      } else {
        this.post(sh);
        this.send(sh, { type: 'secrets', text: s.text });
      }
    }
  }

  drain(): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    for (const s of this.shards) this.post(s);
    this.advance();
    // Either way the loop yields to the event loop, where the workers' messages are taken: the
    // merge and the ids the workers wait for do not lag behind by more than a read chunk.
    if (!this.shards.some((s) => s.inFlight > this.maxInFlight)) return new Promise<void>((resolve) => setImmediate(resolve));
    return this.until(() => !this.shards.some((s) => s.inFlight > this.maxInFlight));
  }

  // ---- routing ----

  /** A symmetric hash of the addresses and ports: both directions of a connection go to one worker. */
  private shardOf(d: Decoded): number {
    // The flow table's own symmetric endpoint hash; its high half picks the shard, so that the low
    // bits, which pick the bucket in each shard's table, stay spread over the whole table.
    const key = this.key;
    key.load(d.buf, d.srcAddrOffset, d.dstAddrOffset, d.addrLength, d.srcPort, d.dstPort);
    return this.shardOfKey();
  }

  /** The shard of the endpoints loaded in this.key. */
  private shardOfKey(): number {
    const h = this.key.hash >>> 16;
    const n = this.shards.length;
    const x = (h * (MAIN_SHARD_WEIGHT + n - 1)) / 65536;
    return x < MAIN_SHARD_WEIGHT ? 0 : Math.min(n - 1, 1 + Math.floor(x - MAIN_SHARD_WEIGHT));
  }

  /**
   * An ICMP error quoting a mail connection goes to the shard of that connection (the hash of the
   * quoted addresses and ports is the connection's), which ties it to the conversation it renders.
   */
  private icmpError(f: RawFrame, d: Decoded): void {
    const q = readIcmpError(f.index, frameTime(f), d, this.isMailPort);
    if (!q) return;
    const e = q.error;
    this.key.load(d.buf, e.srcOffset, e.dstOffset, d.addrLength, e.srcPort, e.dstPort);
    const target = this.shards[this.shardOfKey()]!;
    if (target.core) {
      target.core.icmpNote(q.key, q.note);
      return;
    }
    const json = Buffer.from(JSON.stringify({ key: q.key, note: q.note }));
    const b = this.room(target, ICMP_RECORD_HEADER_BYTES + json.length, f.index);
    b.view.setUint8(b.length, RECORD_ICMP);
    b.view.setFloat64(b.length + 8, f.index, true);
    b.view.setFloat64(b.length + 32, 0, true); // the clock field: not used by ICMP records
    b.view.setUint32(b.length + 40, json.length, true);
    b.bytes.set(json, b.length + ICMP_RECORD_HEADER_BYTES);
    b.length += ICMP_RECORD_HEADER_BYTES + json.length;
  }

  private sweepRecord(s: Shard, index: number, now: number): void {
    const b = this.room(s, SWEEP_RECORD_BYTES, index);
    b.view.setUint8(b.length, RECORD_SWEEP);
    b.view.setFloat64(b.length + 8, index, true);
    b.view.setFloat64(b.length + 32, now, true);
    b.length += SWEEP_RECORD_BYTES;
  }

  /** The shard's filling batch, with room for `size` more bytes (posting the full one). */
  private room(s: Shard, size: number, index: number): Batch {
    let b = s.filling;
    if (b && b.length + size > b.buffer.byteLength) {
      this.post(s);
      b = undefined;
    }
    if (!b) {
      const buffer = size <= BATCH_BYTES ? (this.pool.pop() ?? new ArrayBuffer(BATCH_BYTES)) : new ArrayBuffer(size);
      b = { buffer, view: new DataView(buffer), bytes: new Uint8Array(buffer), length: 0, first: index };
      s.filling = b;
    }
    if (b.length === 0) b.first = index;
    return b;
  }

  /** Sends the shard's filling batch, if it holds anything. */
  private post(s: Shard): void {
    const b = s.filling;
    if (!b || b.length === 0) return;
    s.filling = undefined;
    const seq = this.seq++;
    s.pending.push({ seq, first: b.first, bytes: b.length });
    s.inFlight += b.length;
    if (s.inFlight > this.info.peakInFlightBytes) this.info.peakInFlightBytes = s.inFlight;
    s.worker!.postMessage({ type: 'batch', seq, buffer: b.buffer, length: b.length } satisfies ToWorker, [b.buffer]);
  }

  private send(s: Shard, m: ToWorker): void {
    s.worker!.postMessage(m);
  }

  // ---- results ----

  private onMessage(s: Shard, m: FromWorker): void {
    if (this.failure) return;
    try {
      switch (m.type) {
        case 'ack': {
          const p = s.pending.shift();
          if (!p || p.seq !== m.seq) throw new Error(`worker thread ${s.index}: acknowledgement out of order`);
          s.inFlight -= p.bytes;
          if (m.buffer.byteLength === BATCH_BYTES) this.pool.push(m.buffer);
          for (const f of m.created) s.created.push(f);
          for (const e of m.events) s.events.push(e);
          break;
        }
        case 'ended':
          for (const e of m.events) s.events.push(e);
          s.ended = true;
          s.tcp = m.tcp;
          s.undissected = m.undissected;
          break;
        case 'rendered':
          this.rendered(s, m.results, m.texts);
          break;
        case 'error':
          this.fail(`worker thread ${s.index} failed: ${m.message}`);
          return;
      }
      this.advance();
    } catch (err) {
      this.fail((err as Error).message);
    }
    this.wake?.();
  }

  /** Rendered conversations of a shard fill their slots. */
  private rendered(s: Shard, results: RenderedFacts[], texts: ArrayBuffer): void {
    for (const r of results) {
      const slot = s.slots.get(r.local);
      if (!slot) throw new Error(`shard ${s.index}: unexpected conversation ${r.local}`);
      s.slots.delete(r.local);
      const { local: _local, textStart, textLength, ...facts } = r;
      slot.result = { ...facts, text: textStart < 0 ? undefined : new Uint8Array(texts, textStart, textLength) };
    }
  }

  /** The global id of a worker's connection (see docs/architecture.md): all workers are complete up to its creation frame. */
  private globalId(s: Shard, local: number): number {
    const f = s.created[local - 1];
    if (f === undefined) throw new Error(`worker thread ${s.index}: connection ${local} has no creation frame`);
    let before = local - 1;
    for (const o of this.shards) if (o !== s) before += countBelow(o.created, f);
    return this.session.conversationIdBase + before + 1;
  }

  /** Merges the workers' events in capture order as far as every worker is complete, then delivers. */
  private advance(): void {
    const shards = this.shards;
    let watermark = Infinity;
    let allEnded = true;
    for (const s of shards) {
      if (!s.ended) {
        allEnded = false;
        watermark = Math.min(watermark, s.completeUpTo(this.position));
      }
    }
    for (;;) {
      let best: Shard | undefined;
      let bf = 0;
      let bp = 0;
      let bs = 0;
      for (const s of shards) {
        const e = s.events;
        const h = s.head;
        if (h >= e.length) continue;
        const f = e[h + 2]!;
        if (f > watermark || (f === Infinity && !allEnded)) continue;
        const ph = e[h + 3]!;
        const sub = ph === PHASE_END ? this.globalId(s, e[h + 1]!) : e[h + 4]!;
        if (!best || f < bf || (f === bf && (ph < bp || (ph === bp && sub < bs)))) {
          best = s;
          bf = f;
          bp = ph;
          bs = sub;
        }
      }
      if (!best) break;
      const e = best.events;
      const h = best.head;
      best.head = h + EVENT_FIELDS;
      const local = e[h + 1]!;
      const gid = this.globalId(best, local);
      if (e[h] === EVENT_START) {
        this.options.onConversationStart?.(gid);
      } else {
        const slot: Slot = { shard: best.index, local, result: undefined };
        best.slots.set(local, slot);
        this.delivery.push(slot);
        best.ids.push(local, gid);
      }
      if (best.head > 65_536 && best.head * 2 > e.length) {
        best.events = e.slice(best.head);
        best.head = 0;
      }
    }
    for (const s of shards) {
      if (s.ids.length === 0) continue;
      const pairs = s.ids;
      s.ids = [];
      if (s.core) {
        const { results, texts } = s.core.renderWaiting(pairs);
        this.rendered(s, results, texts);
      } else {
        this.send(s, { type: 'ids', pairs });
      }
    }
    this.deliver();
  }

  /** Hands on the rendered conversations at the head of the capture-order queue. */
  private deliver(): void {
    const q = this.delivery;
    while (this.deliveryHead < q.length) {
      const r = q[this.deliveryHead]!.result;
      if (!r) break;
      q[this.deliveryHead++] = undefined as unknown as Slot;
      this.summary.conversations++;
      this.path.attach(r.view);
      this.session.renderedConversation(r);
      this.options.onRendered(r);
      const onFinding = this.options.onFinding;
      if (onFinding) for (const f of r.findings) onFinding(f);
    }
    if (this.deliveryHead > 4096 && this.deliveryHead * 2 > q.length) {
      q.splice(0, this.deliveryHead);
      this.deliveryHead = 0;
    }
  }

  /** The input is read: flush the workers and wait until every conversation is delivered. */
  private async endInput(): Promise<void> {
    for (const s of this.shards) {
      if (s.core) continue;
      this.post(s);
      this.send(s, { type: 'end' });
    }
    for (const s of this.shards) {
      if (!s.core) continue;
      const { tcp, undissected } = s.core.end();
      s.tcp = tcp;
      s.undissected = undissected;
      s.ended = true;
    }
    this.advance();
    await this.until(() => this.shards.every((s) => s.ended && s.head >= s.events.length) && this.deliveryHead >= this.delivery.length);
  }

  private sumTcp(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.shards) for (const [k, v] of Object.entries(s.tcp ?? {})) out[k] = (out[k] ?? 0) + v;
    return out;
  }

  private sumUndissected(): UndissectedSummary | undefined {
    const tally = new UndissectedTally();
    for (const s of this.shards) if (s.undissected) tally.merge(s.undissected);
    return tally.summary();
  }

  private until(done: () => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (this.failure) {
          this.wake = undefined;
          reject(this.failure);
        } else if (done()) {
          this.wake = undefined;
          resolve();
        } else {
          this.wake = check;
        }
      };
      check();
    });
  }

  private fail(message: string): void {
    if (this.failure) return;
    this.failure = new MailwireError('ERR_USAGE', message);
    this.wake?.();
  }

  private async terminate(): Promise<void> {
    this.terminating = true;
    await Promise.all(this.shards.map((s) => (s.exited || !s.worker ? undefined : s.worker.terminate())));
  }
}

/** analyzeInputs (analyze.ts) across `options.threads` worker threads; conversations arrive rendered. */
export async function analyzeInputsSharded(paths: string[], options: ShardedOptions): Promise<{ findings: Finding[]; stats: AnalysisStats; run: ShardedRunInfo }> {
  const run = new ShardedRun(options);
  const out = await run.run(paths);
  return { ...out, run: run.info };
}
