/**
 * Builds the packets of hostile traffic, for scripts/adversarial.mjs (multi-gigabyte captures,
 * streamed to disk) and for the unit tests (small versions of the same cases, in memory):
 * Ethernet + IPv4 + TCP frames, classic pcap headers and records, and a TCP connection that keeps
 * its own sequence numbers so a case can send whatever bytes it likes from either side.
 */

export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 };

const ETH_BYTES = 14;
const IPV4_BYTES = 20;
const TCP_BYTES = 20;
/** Headers in front of the payload of every frame built here. */
export const FRAME_OVERHEAD_BYTES = ETH_BYTES + IPV4_BYTES + TCP_BYTES;

/** IPv4 address as a number: 10.x.y.z from an index (distinct hosts for many-connection cases). */
export function hostAddress(index) {
  return (10 << 24 | (index & 0xffffff)) >>> 0;
}

/**
 * One Ethernet/IPv4/TCP frame. Checksums are left zero (captures taken with offload look the same
 * and the decoder does not check them). `payload` may be a Uint8Array or a length of filler bytes.
 */
export function tcpFrame({ src, dst, sport, dport, seq, ack = 0, flags, payload = new Uint8Array(0), window = 65535, fill = 0x41 }) {
  const body = typeof payload === 'number' ? Buffer.alloc(payload, fill) : payload;
  const f = Buffer.alloc(FRAME_OVERHEAD_BYTES + body.length);
  f.writeUInt16BE(0x0800, 12);
  f[ETH_BYTES] = 0x45;
  f.writeUInt16BE(IPV4_BYTES + TCP_BYTES + body.length, ETH_BYTES + 2);
  f[ETH_BYTES + 6] = 0x40; // don't fragment
  f[ETH_BYTES + 8] = 64;
  f[ETH_BYTES + 9] = 6;
  f.writeUInt32BE(src >>> 0, ETH_BYTES + 12);
  f.writeUInt32BE(dst >>> 0, ETH_BYTES + 16);
  const t = ETH_BYTES + IPV4_BYTES;
  f.writeUInt16BE(sport, t);
  f.writeUInt16BE(dport, t + 2);
  f.writeUInt32BE(seq >>> 0, t + 4);
  f.writeUInt32BE(ack >>> 0, t + 8);
  f[t + 12] = 5 << 4;
  f[t + 13] = flags;
  f.writeUInt16BE(window, t + 14);
  f.set(body, FRAME_OVERHEAD_BYTES);
  return f;
}

/** Classic pcap global header (little-endian, µs, Ethernet). */
export function pcapHeader(snaplen = 262144) {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(snaplen, 16);
  h.writeUInt32LE(1, 20);
  return h;
}

/** One pcap record (16-byte header + frame); `t` is the capture time in seconds. */
export function pcapRecord(t, frame) {
  const h = Buffer.alloc(16);
  const sec = Math.floor(t);
  h.writeUInt32LE(sec, 0);
  h.writeUInt32LE(Math.min(999_999, Math.round((t - sec) * 1e6)), 4);
  h.writeUInt32LE(frame.length, 8);
  h.writeUInt32LE(frame.length, 12);
  return Buffer.concat([h, frame]);
}

/**
 * One TCP connection between a client and a server, with the sequence numbers of both sides.
 * Every method returns the frames it produced (Buffers, in order) and advances the sequence
 * numbers as a real peer would, unless told otherwise.
 */
export class TcpConnection {
  constructor({ client = hostAddress(1), server = hostAddress(2), sport = 40000, dport = 143, clientIsn = 1000, serverIsn = 5000 } = {}) {
    this.client = client;
    this.server = server;
    this.sport = sport;
    this.dport = dport;
    this.cseq = clientIsn;
    this.sseq = serverIsn;
  }

  /** SYN, SYN-ACK, ACK. */
  handshake() {
    const frames = [
      this.frame('c', TCP_FLAGS.SYN, 0, this.cseq),
      this.frame('s', TCP_FLAGS.SYN | TCP_FLAGS.ACK, 0, this.sseq, this.cseq + 1),
    ];
    this.cseq += 1;
    this.sseq += 1;
    frames.push(this.frame('c', TCP_FLAGS.ACK, 0));
    return frames;
  }

  /** A data segment from the client ('c') or the server ('s'); `seq` overrides (and does not advance). */
  send(side, payload, opts = {}) {
    const len = typeof payload === 'number' ? payload : payload.length;
    if (opts.seq !== undefined) return [this.frame(side, TCP_FLAGS.PSH | TCP_FLAGS.ACK, payload, opts.seq, undefined, opts.fill)];
    const f = this.frame(side, TCP_FLAGS.PSH | TCP_FLAGS.ACK, payload, undefined, undefined, opts.fill);
    if (side === 'c') this.cseq += len;
    else this.sseq += len;
    return [f];
  }

  /** FIN from both sides. */
  close() {
    const frames = [this.frame('c', TCP_FLAGS.FIN | TCP_FLAGS.ACK, 0)];
    this.cseq += 1;
    frames.push(this.frame('s', TCP_FLAGS.FIN | TCP_FLAGS.ACK, 0));
    this.sseq += 1;
    frames.push(this.frame('c', TCP_FLAGS.ACK, 0));
    return frames;
  }

  frame(side, flags, payload, seq, ack, fill) {
    const c = side === 'c';
    return tcpFrame({
      src: c ? this.client : this.server, dst: c ? this.server : this.client,
      sport: c ? this.sport : this.dport, dport: c ? this.dport : this.sport,
      seq: seq ?? (c ? this.cseq : this.sseq), ack: ack ?? (c ? this.sseq : this.cseq),
      flags, payload, fill,
    });
  }
}

/** A whole pcap file in memory from frames (one every millisecond from `t0`). */
export function pcapOf(frames, t0 = 1_700_000_000) {
  return Buffer.concat([pcapHeader(), ...frames.map((f, i) => pcapRecord(t0 + i / 1000, f))]);
}
