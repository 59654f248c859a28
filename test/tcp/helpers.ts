/**
 * Test helpers: build RawFrame + Decoded pairs for TCP segments directly (no capture or decode
 * layer), and record what a TcpReassembler hands to its handlers.
 *
 * Like the real producers, a Wire reuses ONE buffer, ONE RawFrame and ONE Decoded for every packet
 * and overwrites them: a reassembler that keeps views instead of copies fails these tests.
 */
import type { RawFrame } from '../../src/capture/frame.js';
import { newDecoded, TcpFlag, type Decoded } from '../../src/decode/decoded.js';
import type {
  ConnectionInfo,
  ConnectionSummary,
  Direction,
  EndReason,
  SegmentMeta,
  StreamFactory,
  StreamHandler,
} from '../../src/tcp/stream.js';

export interface HostPort {
  ip: string;
  port: number;
}

function ipBytes(ip: string): number[] {
  if (ip.includes(':')) {
    // Only the forms the tests use: "x::y" or full 8 groups.
    const [head, tail] = ip.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t].map((g) => parseInt(g, 16));
    return groups.flatMap((g) => [g >> 8, g & 0xff]);
  }
  return ip.split('.').map(Number);
}

/** Flag letters: S=SYN A=ACK F=FIN R=RST P=PSH. */
export function flagBits(flags: string): number {
  let f = 0;
  for (const ch of flags) {
    if (ch === 'S') f |= TcpFlag.SYN;
    else if (ch === 'A') f |= TcpFlag.ACK;
    else if (ch === 'F') f |= TcpFlag.FIN;
    else if (ch === 'R') f |= TcpFlag.RST;
    else if (ch === 'P') f |= TcpFlag.PSH;
  }
  return f;
}

export const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/** One TCP connection's two endpoints; `pkt` produces the next frame (numbered from 1 per Wire unless set). */
export class Wire {
  // A Node Buffer, as capture sources hand out: its slice() is a view, so keeping one shows up here.
  private readonly buf: Uint8Array = Buffer.alloc(70_000);
  private readonly frame: RawFrame;
  private readonly d: Decoded = newDecoded();
  index = 0;
  ts = 1_700_000_000;

  constructor(readonly client: HostPort = { ip: '10.0.0.1', port: 40000 }, readonly server: HostPort = { ip: '10.0.0.2', port: 143 }) {
    this.frame = {
      index: 0, tsSec: 0, tsNsec: 0, capLen: 0, wireLen: 0, linkType: 1, interfaceId: 0,
      buf: this.buf, offset: 0, fileOffset: -1,
    };
  }

  /**
   * A segment from the client ('c') or server ('s'). The reused buffer is scribbled over first so
   * stale views show up as wrong bytes.
   */
  pkt(from: 'c' | 's', flags: string, seq: number, ack: number, data: string | Uint8Array = '', opts: { ts?: number; wireLength?: number } = {}): [RawFrame, Decoded] {
    const payload = typeof data === 'string' ? enc(data) : data;
    const src = from === 'c' ? this.client : this.server;
    const dst = from === 'c' ? this.server : this.client;
    const sa = ipBytes(src.ip);
    const da = ipBytes(dst.ip);
    this.buf.fill(0xee);
    // Vary the layout a little per packet, as real headers do.
    const base = 14 + (this.index % 3) * 4;
    this.buf.set(sa, base);
    this.buf.set(da, base + sa.length);
    const payloadOffset = base + 2 * sa.length + 20;
    this.buf.set(payload, payloadOffset);
    this.index++;
    if (opts.ts !== undefined) this.ts = opts.ts;
    else this.ts += 0.001;
    const f = this.frame;
    f.index = this.index;
    f.tsSec = Math.floor(this.ts);
    f.tsNsec = Math.round((this.ts - Math.floor(this.ts)) * 1e9);
    f.capLen = payloadOffset + payload.length;
    f.wireLen = f.capLen;
    const d = this.d;
    d.kind = 'tcp';
    d.buf = this.buf;
    d.ipVersion = sa.length === 4 ? 4 : 6;
    d.addrLength = sa.length;
    d.srcAddrOffset = base;
    d.dstAddrOffset = base + sa.length;
    d.srcPort = src.port;
    d.dstPort = dst.port;
    d.seq = seq >>> 0;
    d.ack = ack >>> 0;
    d.flags = flagBits(flags);
    d.payloadOffset = payloadOffset;
    d.payloadLength = payload.length;
    d.payloadWireLength = opts.wireLength ?? payload.length;
    return [f, d];
  }
}

export type Event =
  | { t: 'data'; dir: Direction; text: string; off: number; first: number; last: number }
  | { t: 'gap'; dir: Direction; len: number; off: number; frame: number }
  | { t: 'end'; dir: Direction; reason: EndReason; off: number }
  | { t: 'close'; summary: ConnectionSummary };

/** A handler that records every callback (bytes copied, as latin1 text). */
export class Recorder implements StreamHandler {
  readonly events: Event[] = [];
  constructor(readonly info: ConnectionInfo) {}
  data(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void {
    this.events.push({ t: 'data', dir, text: Buffer.from(bytes).toString('latin1'), off: meta.streamOffset, first: meta.firstFrame, last: meta.lastFrame });
  }
  gap(dir: Direction, length: number, meta: SegmentMeta): void {
    this.events.push({ t: 'gap', dir, len: length, off: meta.streamOffset, frame: meta.firstFrame });
  }
  end(dir: Direction, reason: EndReason, meta: SegmentMeta): void {
    this.events.push({ t: 'end', dir, reason, off: meta.streamOffset });
  }
  close(summary: ConnectionSummary): void {
    this.events.push({ t: 'close', summary: structuredClone(summary) });
  }

  /** The stream of one direction with gaps shown as `[gap N]`. */
  stream(dir: Direction): string {
    let s = '';
    for (const e of this.events) {
      if (e.t === 'data' && e.dir === dir) s += e.text;
      else if (e.t === 'gap' && e.dir === dir) s += `[gap ${e.len}]`;
    }
    return s;
  }

  /** Events in compact form: "c:text", "s:[gap 3]", "c:end fin", "close". */
  compact(): string[] {
    const out: string[] = [];
    for (const e of this.events) {
      const who = e.t === 'close' ? '' : e.dir === 0 ? 'c:' : 's:';
      if (e.t === 'data') out.push(`${who}${e.text}`);
      else if (e.t === 'gap') out.push(`${who}[gap ${e.len}]`);
      else if (e.t === 'end') out.push(`${who}end ${e.reason}`);
      else out.push('close');
    }
    return out;
  }

  get summary(): ConnectionSummary | undefined {
    const last = this.events[this.events.length - 1];
    return last?.t === 'close' ? last.summary : undefined;
  }
}

/** A factory that opens every mail connection and takes probed ones that greet like IMAP/POP3. */
export class RecordingFactory implements StreamFactory {
  readonly opened: Recorder[] = [];
  readonly probes: Array<{ info: ConnectionInfo; dir: Direction; text: string }> = [];
  constructor(private readonly acceptOpen: (info: ConnectionInfo) => boolean = () => true) {}
  open(conn: ConnectionInfo): StreamHandler | undefined {
    if (!this.acceptOpen(conn)) return undefined;
    const r = new Recorder(conn);
    this.opened.push(r);
    return r;
  }
  probe(conn: ConnectionInfo, dir: Direction, bytes: Uint8Array): { handler: StreamHandler; swapRoles: boolean } | undefined {
    const text = Buffer.from(bytes).toString('latin1');
    this.probes.push({ info: structuredClone(conn), dir, text });
    if (!/^(\* OK|\* PREAUTH|\+OK)/.test(text)) return undefined;
    const r = new Recorder(conn);
    this.opened.push(r);
    return { handler: r, swapRoles: dir === 0 };
  }
}
