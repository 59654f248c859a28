/**
 * A deliberately minimal capture reader for the TLS tests (pcap / pcapng, Ethernet / NULL / SLL /
 * raw IP, IPv4 / IPv6, TCP with naive in-order reassembly). It exists so the TLS layer can be tested
 * on real captures independently of the project's capture, decode and TCP layers; it is not a
 * general-purpose reader (no IP fragments, no wraparound subtleties, no caps).
 */
import { readFileSync } from 'node:fs';

export interface Chunk {
  dir: 0 | 1;
  bytes: Uint8Array;
  frame: number;
  ts: number;
  /** Offset in this direction's stream; a chunk after missing bytes has `gapBefore` > 0. */
  streamOffset: number;
  gapBefore: number;
}

export interface MiniConnection {
  client: string;
  server: string;
  serverPort: number;
  chunks: Chunk[];
}

export interface MiniCapture {
  connections: MiniConnection[];
  /** Decryption Secrets Block texts (pcapng). */
  secrets: string[];
}

interface Packet {
  frame: number;
  ts: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  syn: boolean;
  ack: boolean;
  payload: Uint8Array;
}

const MAIL_PORTS = new Set([143, 993, 110, 995]);

function ipPacket(b: Buffer, o: number, frame: number, ts: number): Packet | undefined {
  const ver = b[o]! >> 4;
  let src: string, dst: string, proto: number, l4: number, end: number;
  if (ver === 4) {
    const ihl = (b[o]! & 15) * 4;
    end = o + b.readUInt16BE(o + 2);
    proto = b[o + 9]!;
    src = [...b.subarray(o + 12, o + 16)].join('.');
    dst = [...b.subarray(o + 16, o + 20)].join('.');
    l4 = o + ihl;
  } else if (ver === 6) {
    end = o + 40 + b.readUInt16BE(o + 4);
    proto = b[o + 6]!;
    src = b.subarray(o + 8, o + 24).toString('hex');
    dst = b.subarray(o + 24, o + 40).toString('hex');
    l4 = o + 40;
  } else return undefined;
  if (proto !== 6) return undefined;
  end = Math.min(end, b.length);
  const off = (b[l4 + 12]! >> 4) * 4;
  const flags = b[l4 + 13]!;
  return {
    frame, ts, src, dst, sport: b.readUInt16BE(l4), dport: b.readUInt16BE(l4 + 2), seq: b.readUInt32BE(l4 + 4),
    syn: (flags & 2) !== 0, ack: (flags & 16) !== 0, payload: Uint8Array.from(b.subarray(l4 + off, end)),
  };
}

function linkPacket(link: number, b: Buffer, frame: number, ts: number): Packet | undefined {
  if (link === 1) {
    let o = 12;
    let type = b.readUInt16BE(o);
    while (type === 0x8100 || type === 0x88a8) {
      o += 4;
      type = b.readUInt16BE(o);
    }
    return type === 0x0800 || type === 0x86dd ? ipPacket(b, o + 2, frame, ts) : undefined;
  }
  if (link === 0 || link === 108) return ipPacket(b, 4, frame, ts);
  if (link === 113) return ipPacket(b, 16, frame, ts);
  if (link === 276) return ipPacket(b, 20, frame, ts);
  if (link === 101 || link === 228 || link === 229) return ipPacket(b, 0, frame, ts);
  return undefined;
}

function readPackets(buf: Buffer, secrets: string[]): Packet[] {
  const out: Packet[] = [];
  const magic = buf.readUInt32LE(0);
  let frame = 0;
  if (magic === 0x0a0d0d0a) {
    let le = true;
    const links: Array<{ link: number; res: number }> = [];
    let o = 0;
    while (o + 12 <= buf.length) {
      const type = le ? buf.readUInt32LE(o) : buf.readUInt32BE(o);
      if (type === 0x0a0d0d0a) le = buf.readUInt32LE(o + 8) === 0x1a2b3c4d;
      const u32 = (x: number): number => (le ? buf.readUInt32LE(x) : buf.readUInt32BE(x));
      const u16 = (x: number): number => (le ? buf.readUInt16LE(x) : buf.readUInt16BE(x));
      const len = u32(o + 4);
      if (type === 0x0a0d0d0a) links.length = 0;
      if (type === 1) {
        let res = 1e-6;
        for (let p = o + 16; p + 4 <= o + len - 4; ) {
          const code = u16(p), olen = u16(p + 2);
          if (code === 0) break;
          if (code === 9) {
            const v = buf[p + 4]!;
            res = v & 0x80 ? 2 ** -(v & 0x7f) : 10 ** -v;
          }
          p += 4 + ((olen + 3) & ~3);
        }
        links.push({ link: u16(o + 8), res });
      } else if (type === 6) {
        frame++;
        const ifc = links[u32(o + 8)]!;
        const ts = (u32(o + 12) * 2 ** 32 + u32(o + 16)) * ifc.res;
        const cap = u32(o + 20);
        const p = linkPacket(ifc.link, buf.subarray(o + 28, o + 28 + cap), frame, ts);
        if (p) out.push(p);
      } else if (type === 3) {
        frame++;
      } else if (type === 10) {
        secrets.push(buf.subarray(o + 16, o + 16 + u32(o + 12)).toString('latin1'));
      }
      o += len;
    }
    return out;
  }
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const ns = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (x: number): number => (le ? buf.readUInt32LE(x) : buf.readUInt32BE(x));
  const link = u32(20) & 0xffff;
  for (let o = 24; o + 16 <= buf.length; ) {
    const cap = u32(o + 8);
    frame++;
    const ts = u32(o) + u32(o + 4) / (ns ? 1e9 : 1e6);
    const p = linkPacket(link, buf.subarray(o + 16, o + 16 + cap), frame, ts);
    if (p) out.push(p);
    o += 16 + cap;
  }
  return out;
}

/** Reads a capture and reassembles each TCP connection into ordered per-direction chunks. */
export function readMiniCapture(path: string | URL): MiniCapture {
  const secrets: string[] = [];
  const packets = readPackets(readFileSync(path), secrets);
  const conns = new Map<string, { c: MiniConnection; cKey: string; next: [number | undefined, number | undefined]; off: [number, number] }>();
  for (const p of packets) {
    const a = `${p.src}:${p.sport}`, b = `${p.dst}:${p.dport}`;
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    let st = conns.get(key);
    if (st === undefined) {
      const srcIsClient = p.syn && !p.ack ? true : p.syn && p.ack ? false : MAIL_PORTS.has(p.dport) || (!MAIL_PORTS.has(p.sport) && p.sport > p.dport);
      const c: MiniConnection = { client: srcIsClient ? a : b, server: srcIsClient ? b : a, serverPort: srcIsClient ? p.dport : p.sport, chunks: [] };
      st = { c, cKey: c.client, next: [undefined, undefined], off: [0, 0] };
      conns.set(key, st);
    }
    const dir: 0 | 1 = a === st.cKey ? 0 : 1;
    if (p.syn) {
      st.next[dir] = (p.seq + 1) >>> 0;
      continue;
    }
    if (p.payload.length === 0) continue;
    const next = st.next[dir] ?? p.seq;
    let rel = (p.seq - next) | 0;
    let bytes = p.payload;
    let gapBefore = 0;
    if (rel < 0) {
      if (-rel >= bytes.length) continue; // retransmission
      bytes = bytes.subarray(-rel);
      rel = 0;
    }
    if (rel > 0) gapBefore = rel; // missing bytes (no out-of-order buffering: good enough for these captures)
    st.c.chunks.push({ dir, bytes, frame: p.frame, ts: p.ts, streamOffset: st.off[dir] + gapBefore, gapBefore });
    st.off[dir] += gapBefore + bytes.length;
    st.next[dir] = (next + rel + bytes.length) >>> 0;
  }
  return { connections: [...conns.values()].map((s) => s.c), secrets };
}
