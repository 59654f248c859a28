/**
 * Test packets for the decode tests: hex literals (checked once with tshark: valid IP and TCP
 * checksums) with their dump in comments, and small builders for fragments.
 */
import type { RawFrame } from '../../src/capture/frame.js';

/** Joins hex pieces (spaces allowed) into bytes. */
export function hex(...pieces: string[]): Uint8Array {
  return new Uint8Array(Buffer.from(pieces.join('').replace(/\s+/g, ''), 'hex'));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** A RawFrame over `bytes` placed at a non-zero offset of a larger buffer (as a reader would). */
export function frameOf(linkType: number, bytes: Uint8Array, opts: { capLen?: number; wireLen?: number; index?: number; tsSec?: number } = {}): RawFrame {
  const lead = 7; // junk before the frame: offsets must be honoured
  const buf = new Uint8Array(lead + bytes.length + 5).fill(0xee);
  buf.set(bytes, lead);
  const capLen = opts.capLen ?? bytes.length;
  return {
    index: opts.index ?? 1,
    tsSec: opts.tsSec ?? 1_700_000_000,
    tsNsec: 0,
    capLen,
    wireLen: opts.wireLen ?? capLen,
    linkType,
    interfaceId: 0,
    buf,
    offset: lead,
    fileOffset: 0,
  };
}

/** "a1 NOOP\r\n" */
export const PAYLOAD = hex('6131 204e 4f4f 500d 0a');

/** TCP 49152 > 143 over IPv4 192.0.2.1 > 198.51.100.2 (checksum for those addresses). */
export const TCP_V4 = hex(
  'c000 008f', //          ports 49152 > 143
  '0102 0304 ffff fffe', // seq 0x01020304, ack 0xfffffffe (needs unsigned)
  '8018 ffff 984d 0000', // data offset 8 (32 bytes), PSH|ACK, window 65535, checksum, urgent
  '0204 05b4 01 030307 00 0000 00', // MSS 1460, NOP, window scale 7, EOL + padding
  '6131 204e 4f4f 500d 0a', // payload "a1 NOOP\r\n" (9 bytes)
);

/** Same segment, checksum for 2001:db8::1 > 2001:db8::2. */
export const TCP_V6 = concat(TCP_V4.subarray(0, 16), hex('2910'), TCP_V4.subarray(18));

/** IPv4: IHL 5, total length 61, id 0x1234, DF, TTL 64, TCP, 192.0.2.1 > 198.51.100.2. */
export const IPV4_TCP = concat(hex('4500 003d 1234 4000 4006 3c50 c000 0201 c633 6402'), TCP_V4);

/** IPv4 with options: IHL 6, total length 65, router alert option 94 04 0000. */
export const IPV4_OPTS_TCP = concat(hex('4600 0041 1234 4000 4006 a747 c000 0201 c633 6402', '9404 0000'), TCP_V4);

/** IPv6: payload length 41, next header TCP, hop limit 64, 2001:db8::1 > 2001:db8::2. */
export const IPV6_TCP = concat(
  hex('6000 0000 0029 0640', '2001 0db8 0000 0000 0000 0000 0000 0001', '2001 0db8 0000 0000 0000 0000 0000 0002'),
  TCP_V6,
);

/** IPv6 with hop-by-hop (next: dest options) and destination options (next: TCP), each 8 bytes with PadN. */
export const IPV6_EXT_TCP = concat(
  hex('6000 0000 0039 0040', '2001 0db8 0000 0000 0000 0000 0000 0001', '2001 0db8 0000 0000 0000 0000 0000 0002'),
  hex('3c00 0104 0000 0000'), // hop-by-hop: next 60, len 0, PadN(4)
  hex('0600 0104 0000 0000'), // destination options: next 6, len 0, PadN(4)
  TCP_V6,
);

/** Ethernet dst 00:11:22:33:44:55 src 66:77:88:99:aa:bb (the type follows). */
export const ETH_ADDRS = hex('0011 2233 4455', '6677 8899 aabb');

/**
 * Ethernet minimum frame: IPv4 total length 40 (pure ACK, data offset 5, no payload) and 6 bytes of
 * non-zero padding "PADPAD" that must not become TCP payload.
 */
export const ETH_PADDED_ACK = concat(
  ETH_ADDRS, hex('0800'),
  hex('4500 0028 1234 4000 4006 3c65 c000 0201 c633 6402'),
  hex('c000 008f 0102 0304 ffff fffe 5010 ffff ff08 0000'),
  hex('5041 4450 4144'), // "PADPAD"
);

/** A TCP segment (20-byte header, no options) carrying `payload`; checksum left 0. */
export function tcpSegment(payload: Uint8Array, srcPort = 40000, dstPort = 110): Uint8Array {
  const h = hex('0000 0000 0000 0001 0000 0000 5018 1000 0000 0000');
  h[0] = srcPort >> 8; h[1] = srcPort & 255; h[2] = dstPort >> 8; h[3] = dstPort & 255;
  return concat(h, payload);
}

/** An IPv4 fragment of `datagram` (the IP payload): bytes [offset, offset + length). */
export function ipv4Fragment(datagram: Uint8Array, offset: number, length: number, more: boolean, id = 0x4242, src = 1): Uint8Array {
  const total = 20 + length;
  const field = (more ? 0x2000 : 0) | (offset / 8);
  const h = hex('4500 0000 0000 0000 4006 0000 0a00 0000 0a00 0002');
  h[2] = total >> 8; h[3] = total & 255; h[4] = id >> 8; h[5] = id & 255; h[6] = field >> 8; h[7] = field & 255;
  h[15] = src;
  return concat(h, datagram.subarray(offset, offset + length));
}

/** An IPv6 fragment of `datagram` (the fragmentable part, here a TCP segment). */
export function ipv6Fragment(datagram: Uint8Array, offset: number, length: number, more: boolean, id = 0x01020304): Uint8Array {
  const h = hex('6000 0000 0000 2c40', '2001 0db8 0000 0000 0000 0000 0000 0001', '2001 0db8 0000 0000 0000 0000 0000 0002');
  const plen = 8 + length;
  h[4] = plen >> 8; h[5] = plen & 255;
  const f = hex('0600 0000 0000 0000'); // next header TCP
  const field = offset | (more ? 1 : 0);
  f[2] = field >> 8; f[3] = field & 255;
  f[4] = id >>> 24; f[5] = (id >> 16) & 255; f[6] = (id >> 8) & 255; f[7] = id & 255;
  return concat(h, f, datagram.subarray(offset, offset + length));
}

/** Deterministic payload bytes 0, 1, 2... (mod 251). */
export function pattern(length: number, seed = 0): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (i + seed) % 251;
  return b;
}

// ---- Tunnels and encapsulations (test/decode/tunnels.test.ts, truncation.test.ts) ----

/** An Ethernet header with the given EtherType (hex). */
export function eth(type: string): Uint8Array {
  return concat(ETH_ADDRS, hex(type));
}

/** One MPLS label stack entry: label(20) tc(3) S(1) ttl(8). */
export function mplsLabel(label: number, bottom: boolean, ttl = 64): Uint8Array {
  const v = ((label << 12) | (bottom ? 0x100 : 0) | ttl) >>> 0;
  return new Uint8Array([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
}

/**
 * An outer IPv4 header 203.0.113.1 > 203.0.113.2 with the given protocol around `payload` (checksum
 * left 0: the decoder does not check it). `id`, `fragment` (offset in bytes, more flag) for fragments.
 */
export function outerIpv4(protocol: number, payload: Uint8Array, opts: { id?: number; offset?: number; more?: boolean } = {}): Uint8Array {
  const h = hex('4500 0000 0000 0000 4000 0000 cb00 7101 cb00 7102');
  const total = 20 + payload.length;
  const field = (opts.more ? 0x2000 : 0) | ((opts.offset ?? 0) / 8);
  const id = opts.id ?? 0x0bad;
  h[2] = total >> 8; h[3] = total & 255; h[4] = id >> 8; h[5] = id & 255; h[6] = field >> 8; h[7] = field & 255; h[9] = protocol;
  return concat(h, payload);
}

/** An outer IPv6 header 2001:db8:ffff::1 > 2001:db8:ffff::2 with the given next header around `payload`. */
export function outerIpv6(next: number, payload: Uint8Array): Uint8Array {
  const h = hex('6000 0000 0000 0040', '2001 0db8 ffff 0000 0000 0000 0000 0001', '2001 0db8 ffff 0000 0000 0000 0000 0002');
  h[4] = payload.length >> 8; h[5] = payload.length & 255; h[6] = next;
  return concat(h, payload);
}

/** A GRE header: flags byte (C 0x80, K 0x20, S 0x10), version 0, protocol type, and 4 bytes per flag set. */
export function greHeader(flags: number, type: number): Uint8Array {
  const optional = ((flags & 0x80) ? 4 : 0) + ((flags & 0x20) ? 4 : 0) + ((flags & 0x10) ? 4 : 0);
  const h = new Uint8Array(4 + optional).fill(0xa5); // checksum, key, sequence: non-zero filler
  h[0] = flags; h[1] = 0; h[2] = type >> 8; h[3] = type & 255;
  return h;
}

/** A UDP header to port 4789 and a VXLAN header (I flag, VNI 0x123456) for `length` bytes of payload. */
export function vxlanHeader(payloadLength: number, flags = 0x08): Uint8Array {
  const udpLength = 8 + 8 + payloadLength;
  const h = hex('c350 12b5 0000 0000', '0800 0000 1234 5600');
  h[4] = udpLength >> 8; h[5] = udpLength & 255; h[8] = flags;
  return h;
}
