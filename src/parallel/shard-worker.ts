/**
 * A shard worker of sharded reading (`mailwire read --threads N`): TCP reassembly, dissection,
 * the per-conversation diagnosis rules and the JSON rendering of the connections the main thread
 * routes to it (by a symmetric hash of addresses and ports). See docs/architecture.md, "The threaded path".
 *
 * It numbers its connections locally (1, 2, ... per input) and tells the main thread at which frames
 * it created them; a finished conversation waits here until the main thread sends its global id,
 * then it is diagnosed, rendered with that id, and only the text and small facts go back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RawFrame } from '../capture/frame.js';
import { newDecoded, type Decoded } from '../decode/decoded.js';
import { TcpReassembler } from '../tcp/reassembler.js';
import { TCP_LIMITS } from '../tcp/limits.js';
import type { StreamFactory } from '../tcp/stream.js';
import { Dispatcher } from '../protocols/dispatch.js';
import { makeTlsLayerFactory } from '../protocols/tls/tls-layer.js';
import { mergeKeyLog, parseKeyLog, type KeyLog } from '../protocols/tls/keylog.js';
import { Diagnoser } from '../diagnose/diagnose.js';
import { summariseLogins } from '../diagnose/ledger.js';
import { useRunKey } from '../model/secrets.js';
import type { Conversation } from '../model/conversation.js';
import type { ReportOptions } from '../report/context.js';
import { renderJson, renderJsonLines } from '../report/json.js';
import { loginRows } from '../report/logins.js';
import { ruleInfo } from '../report/rule-info.js';
import {
  EVENT_FINISH, EVENT_START, PACKET_HEADER_BYTES, PHASE_END, PHASE_PACKET, PHASE_SWEEP, RECORD_PACKET, RECORD_SWEEP,
  type FromWorker, type RenderedFacts, type ToWorker, type WorkerSettings,
} from './protocol.js';

const port = parentPort!;
const settings = workerData as WorkerSettings;
useRunKey(settings.runKey);

const reportOptions: ReportOptions = {
  showSecrets: settings.render.showSecrets,
  color: false,
  minSeverity: settings.render.minSeverity,
  onlyProblems: settings.render.onlyProblems,
  ruleInfo,
  version: settings.render.version,
  inputs: settings.render.inputs,
};
if (settings.render.bodies !== undefined) reportOptions.bodies = settings.render.bodies;
const render = settings.render.format === 'jsonl' ? renderJsonLines : renderJson;

const dOpts: { slowResponseSec?: number; serverName?: string } = {};
if (settings.slowResponseSec !== undefined) dOpts.slowResponseSec = settings.slowResponseSec;
if (settings.serverName !== undefined) dOpts.serverName = settings.serverName;
const diagnoser = new Diagnoser(dOpts);
/** Parsed once; DSB secrets of every input are merged into it, as the single-threaded session does. */
const keyLog: KeyLog = parseKeyLog(settings.keyLogText ?? '');

/** The frame being processed, its phase and the order of events within it. */
let curFrame = 0;
let curPhase = PHASE_PACKET;
let eventSeq = 0;
let events: number[] = [];

function post(m: FromWorker, transfer?: ArrayBuffer[]): void {
  port.postMessage(m, transfer ?? []);
}

/** One input's reassembly and dissection. */
class ShardInput {
  readonly reassembler: TcpReassembler;
  /** Finished conversations waiting for their global id, by local id. */
  readonly waiting = new Map<number, Conversation>();

  constructor(readonly name: string) {
    const dispatcher = new Dispatcher({
      extraPorts: settings.extraPorts,
      tls: makeTlsLayerFactory({ keyLog }),
      onConversation: (c) => {
        this.waiting.set(c.id, c);
        // In a sweep, one reassembler closes connections least recently active first: across
        // workers that order is their last frame.
        const sub = curPhase === PHASE_SWEEP ? (c.tcp?.lastFrame ?? c.lastFrame) : curPhase === PHASE_END ? c.id : eventSeq++;
        events.push(EVENT_FINISH, c.id, curFrame, curPhase, sub);
      },
    });
    const factory: StreamFactory = {
      open: (conn) => {
        const h = dispatcher.open(conn);
        if (h) events.push(EVENT_START, conn.id, curFrame, curPhase, eventSeq++);
        return h;
      },
      probe: (conn, dir, bytes) => {
        const r = dispatcher.probe(conn, dir, bytes);
        if (r) events.push(EVENT_START, conn.id, curFrame, curPhase, eventSeq++);
        return r;
      },
    };
    const n = settings.shards;
    this.reassembler = new TcpReassembler(factory, {
      isMailPort: dispatcher.isMailPort,
      externalClock: true,
      // The caps of the whole layer are shared out among the workers.
      maxConnections: Math.max(1, Math.floor(TCP_LIMITS.MAX_CONNECTIONS / n)),
      maxBufferedBytesTotal: Math.floor(TCP_LIMITS.MAX_BUFFERED_BYTES_TOTAL / n),
      maxWindowBytesTotal: Math.floor(TCP_LIMITS.MAX_WINDOW_BYTES_TOTAL / n),
    });
  }
}

let input: ShardInput | undefined;
const frame: RawFrame = { index: 0, tsSec: 0, tsNsec: 0, capLen: 0, wireLen: 0, linkType: 0, interfaceId: 0, buf: new Uint8Array(0), offset: 0, fileOffset: -1 };
const decoded: Decoded = newDecoded();
decoded.kind = 'tcp';

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function batch(buffer: ArrayBuffer, length: number): number[] {
  const inp = input!;
  const r = inp.reassembler;
  const view = new DataView(buffer, 0, length);
  const bytes = new Uint8Array(buffer, 0, length);
  const created: number[] = [];
  decoded.buf = bytes;
  frame.buf = bytes;
  let p = 0;
  while (p < length) {
    const type = view.getUint8(p);
    const index = view.getFloat64(p + 8, true);
    const clock = view.getFloat64(p + 32, true);
    curFrame = index;
    if (type === RECORD_SWEEP) {
      curPhase = PHASE_SWEEP;
      r.advanceClock(clock, true);
      p += 40;
      continue;
    }
    if (type !== RECORD_PACKET) throw new Error(`bad record type ${type} at ${p}`);
    const addrLen = view.getUint8(p + 2);
    const nVlans = view.getUint8(p + 3);
    if (view.getUint8(p + 4) !== 0) {
      curPhase = PHASE_SWEEP;
      r.advanceClock(clock, true);
    } else {
      r.advanceClock(clock, false);
    }
    curPhase = PHASE_PACKET;
    frame.index = index;
    frame.tsSec = view.getFloat64(p + 16, true);
    frame.tsNsec = view.getUint32(p + 24, true);
    const d = decoded;
    d.flags = view.getUint8(p + 1);
    d.srcPort = view.getUint16(p + 28, true);
    d.dstPort = view.getUint16(p + 30, true);
    d.seq = view.getUint32(p + 40, true);
    d.ack = view.getUint32(p + 44, true);
    const len = view.getUint32(p + 48, true);
    d.payloadLength = len;
    d.payloadWireLength = view.getUint32(p + 52, true);
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
    const before = r.connectionsCreated;
    r.packet(frame, d);
    if (r.connectionsCreated !== before) created.push(index);
  }
  return created;
}

function renderWaiting(pairs: number[]): void {
  const inp = input!;
  const results: RenderedFacts[] = [];
  const texts: Array<string | undefined> = [];
  let bytes = 0;
  for (let i = 0; i < pairs.length; i += 2) {
    const local = pairs[i]!;
    const c = inp.waiting.get(local);
    if (!c) throw new Error(`no finished conversation ${local}`);
    inp.waiting.delete(local);
    c.id = pairs[i + 1]!;
    c.input = inp.name;
    diagnoser.check(c);
    const text = render(c, reportOptions);
    const textLength = text === undefined ? 0 : Buffer.byteLength(text);
    texts.push(text);
    results.push({
      local,
      id: c.id,
      protocol: c.protocol,
      outcomes: c.auth.map((a) => a.outcome),
      findings: c.findings,
      ledger: summariseLogins(c),
      loginRows: loginRows(c, reportOptions.showSecrets),
      textStart: text === undefined ? -1 : bytes,
      textLength,
    });
    bytes += textLength;
  }
  const out = Buffer.from(new ArrayBuffer(bytes));
  texts.forEach((t, i) => {
    if (t !== undefined) out.write(t, results[i]!.textStart, 'utf8');
  });
  post({ type: 'rendered', results, texts: out.buffer as ArrayBuffer }, [out.buffer as ArrayBuffer]);
}

function handle(m: ToWorker): void {
  switch (m.type) {
    case 'input':
      input = new ShardInput(m.name);
      return;
    case 'secrets':
      mergeKeyLog(keyLog, m.text);
      return;
    case 'batch': {
      if (settings.testDelayMs) sleep(settings.testDelayMs);
      events = [];
      eventSeq = 0;
      const created = batch(m.buffer, m.length);
      post({ type: 'ack', seq: m.seq, buffer: m.buffer, created, events }, [m.buffer]);
      return;
    }
    case 'ids':
      renderWaiting(m.pairs);
      return;
    case 'end': {
      events = [];
      curFrame = Infinity;
      curPhase = PHASE_END;
      input!.reassembler.finish();
      post({ type: 'ended', events, tcp: { ...input!.reassembler.stats() } as unknown as Record<string, number> });
      return;
    }
  }
}

port.on('message', (m: ToWorker) => {
  try {
    handle(m);
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message.split('\n')[0]! : String(err) });
  }
});
