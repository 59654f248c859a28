import { frameTime, type RawFrame } from '../capture/frame.js';
import type { Decoded, DecodeLayer } from './decoded.js';
import { DecodeCounters } from './decode-counters.js';
import { FragmentReassembler, type FragmentStatus } from './fragment-reassembler.js';
import { DECODE_LIMITS, type FragmentLimits } from './limits.js';

/**
 * Optional per-capture state for decodeFrame. Without `fragments`, IP fragments are reported as
 * kind 'fragment' and not reassembled; without `counters`, nothing is counted.
 */
export interface DecodeContext {
  fragments?: FragmentReassembler | undefined;
  counters?: DecodeCounters | undefined;
}

/**
 * A context for one capture: counters, and a reassembler unless `reassemble` is false (then
 * fragments stay kind 'fragment'). Call `fragments.finish()` at the end of the capture so datagrams
 * left incomplete are counted.
 */
export function createDecodeContext(options?: { reassemble?: boolean; fragmentLimits?: Partial<FragmentLimits> }): {
  counters: DecodeCounters;
  fragments: FragmentReassembler | undefined;
} {
  const counters = new DecodeCounters();
  const fragments = options?.reassemble === false ? undefined : new FragmentReassembler(counters, options?.fragmentLimits);
  return { counters, fragments };
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;

const IPPROTO_HOPOPTS = 0;
const IPPROTO_TCP = 6;
const IPPROTO_ROUTING = 43;
const IPPROTO_FRAGMENT = 44;
const IPPROTO_AH = 51;
const IPPROTO_DSTOPTS = 60;

/** BSD address families seen in DLT_NULL / DLT_LOOP headers. */
const BSD_AF_INET = 2;
const BSD_AF_INET6_BSD = 24; // NetBSD, OpenBSD, BSD/OS
const BSD_AF_INET6_FREEBSD = 28;
const BSD_AF_INET6_DARWIN = 30;

const TCP_OPT_END = 0;
const TCP_OPT_NOP = 1;
const TCP_OPT_MSS = 2;
const TCP_OPT_WSCALE = 3;

/**
 * Decodes one frame's link, IP and TCP headers into `out` (reused: every field is overwritten) and
 * returns it. Never throws: invalid or missing bytes give kind 'error' with `stop` naming the layer
 * and a short stable reason; a reason ending in "truncated" means the bytes ran out (and
 * `out.truncated` says whether the snaplen did it), any other reason means bytes present but invalid.
 *
 * Offsets in `out` point into `out.buf`: frame.buf, or ctx.fragments.output for a datagram this
 * frame completed (valid until the next call). IP lengths, not the frame length, bound the payload,
 * so Ethernet padding is never taken as TCP bytes. No allocation on the normal path.
 */
export function decodeFrame(frame: RawFrame, out: Decoded, ctx?: DecodeContext): Decoded {
  out.kind = 'other';
  out.truncated = frame.capLen < frame.wireLen;
  out.stop = undefined;
  out.buf = frame.buf;
  out.linkType = frame.linkType;
  // Setting an array's length is a runtime call even when it is already 0 (~40 ns per frame).
  if (out.vlans.length !== 0) out.vlans.length = 0;
  out.ipVersion = 0;
  out.srcAddrOffset = 0;
  out.dstAddrOffset = 0;
  out.addrLength = 0;
  out.ipTtl = 0;
  out.ipId = 0;
  out.srcPort = 0;
  out.dstPort = 0;
  out.seq = 0;
  out.ack = 0;
  out.flags = 0;
  out.window = 0;
  out.mss = -1;
  out.windowScale = -1;
  out.payloadOffset = 0;
  out.payloadLength = 0;
  out.payloadWireLength = 0;

  const buf = frame.buf;
  const start = frame.offset;
  // A source bug must not make us read past the buffer: clamp to what is really there.
  const end = Math.min(start + frame.capLen, buf.length);
  if (start < 0 || end < start) {
    fail(out, 'link', 'frame outside its buffer');
  } else {
    decodeLink(frame, out, buf, start, end, ctx);
  }
  ctx?.counters?.record(frame.index, out);
  return out;
}

function decodeLink(frame: RawFrame, out: Decoded, buf: Uint8Array, p: number, end: number, ctx: DecodeContext | undefined): Decoded {
  switch (frame.linkType) {
    case 1: { // Ethernet: dst(6) src(6) type(2)
      if (end - p < 14) return fail(out, 'link', 'ethernet header truncated');
      return etherType(frame, out, buf, p + 14, end, u16(buf, p + 12), ctx);
    }
    case 113: { // Linux SLL: pkttype(2) hatype(2) halen(2) addr(8) protocol(2)
      if (end - p < 16) return fail(out, 'link', 'sll header truncated');
      return etherType(frame, out, buf, p + 16, end, u16(buf, p + 14), ctx);
    }
    case 276: { // Linux SLL2: protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8)
      if (end - p < 20) return fail(out, 'link', 'sll2 header truncated');
      return etherType(frame, out, buf, p + 20, end, u16(buf, p), ctx);
    }
    case 0: { // BSD loopback: address family in the capturing host's byte order
      if (end - p < 4) return fail(out, 'link', 'null header truncated');
      let family = (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
      // Families are small numbers: if the low half is empty the writer was big-endian.
      if ((family & 0xffff) === 0) family = u32(buf, p);
      return bsdFamily(frame, out, buf, p + 4, end, family, ctx);
    }
    case 108: { // OpenBSD loop: address family in network byte order
      if (end - p < 4) return fail(out, 'link', 'loop header truncated');
      return bsdFamily(frame, out, buf, p + 4, end, u32(buf, p), ctx);
    }
    case 101:
    case 12:
    case 14: { // Raw IP: the version nibble says which
      if (end - p < 1) return fail(out, 'link', 'raw ip header truncated');
      const version = buf[p]! >> 4;
      if (version === 4) return ipv4(frame, out, buf, p, end, ctx);
      if (version === 6) return ipv6(frame, out, buf, p, end, ctx);
      return fail(out, 'link', `raw ip version ${version}`);
    }
    case 228:
      return ipv4(frame, out, buf, p, end, ctx);
    case 229:
      return ipv6(frame, out, buf, p, end, ctx);
    default:
      return fail(out, 'link', `unknown link type ${frame.linkType}`);
  }
}

/** Follows (possibly stacked) VLAN tags, then IPv4 / IPv6; anything else is 'other'. */
function etherType(frame: RawFrame, out: Decoded, buf: Uint8Array, p: number, end: number, type: number, ctx: DecodeContext | undefined): Decoded {
  while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
    if (out.vlans.length >= DECODE_LIMITS.MAX_VLAN_TAGS) return fail(out, 'link', `more than ${DECODE_LIMITS.MAX_VLAN_TAGS} vlan tags`);
    if (end - p < 4) return fail(out, 'link', 'vlan tag truncated');
    out.vlans.push(u16(buf, p) & 0x0fff);
    type = u16(buf, p + 2);
    p += 4;
  }
  if (type === ETHERTYPE_IPV4) return ipv4(frame, out, buf, p, end, ctx);
  if (type === ETHERTYPE_IPV6) return ipv6(frame, out, buf, p, end, ctx);
  // ARP, LLDP, 802.3 length fields (< 0x0600, LLC frames)...: not ours.
  return out;
}

function bsdFamily(frame: RawFrame, out: Decoded, buf: Uint8Array, p: number, end: number, family: number, ctx: DecodeContext | undefined): Decoded {
  if (family === BSD_AF_INET) return ipv4(frame, out, buf, p, end, ctx);
  if (family === BSD_AF_INET6_BSD || family === BSD_AF_INET6_FREEBSD || family === BSD_AF_INET6_DARWIN) {
    return ipv6(frame, out, buf, p, end, ctx);
  }
  return out;
}

function ipv4(frame: RawFrame, out: Decoded, buf: Uint8Array, p: number, end: number, ctx: DecodeContext | undefined): Decoded {
  if (end - p < 20) return fail(out, 'ipv4', 'ipv4 header truncated');
  const version = buf[p]! >> 4;
  if (version !== 4) return fail(out, 'ipv4', `ipv4 version ${version}`);
  const ihl = buf[p]! & 0x0f;
  if (ihl < 5) return fail(out, 'ipv4', `ipv4 header length ${ihl} < 5`);
  const hl = ihl * 4;
  out.ipVersion = 4;
  out.addrLength = 4;
  out.srcAddrOffset = p + 12;
  out.dstAddrOffset = p + 16;
  out.ipTtl = buf[p + 8]!;
  out.ipId = u16(buf, p + 4);
  const protocol = buf[p + 9]!;
  const captured = end - p;
  let totalLength = u16(buf, p + 2);
  if (totalLength === 0 && captured > hl) {
    // Captured on the sending host with TCP segmentation offload: the NIC fills the length in later.
    totalLength = Math.min(captured, 0xffff);
    ctx?.counters?.notice('ipv4 total length 0 (segmentation offload): captured length used');
  }
  if (totalLength < hl) return fail(out, 'ipv4', `ipv4 header length ${hl} > total length ${totalLength}`);
  if (hl > captured) return fail(out, 'ipv4', 'ipv4 header truncated');
  let ipEnd: number;
  if (totalLength <= captured) {
    ipEnd = p + totalLength; // drops Ethernet padding
  } else if (out.truncated) {
    ipEnd = end;
  } else {
    return fail(out, 'ipv4', `ipv4 total length ${totalLength} > captured ${captured}`);
  }

  const fragField = u16(buf, p + 6);
  const more = (fragField & 0x2000) !== 0;
  const fragOffset = (fragField & 0x1fff) * 8;
  if (!more && fragOffset === 0) return transport(out, buf, p + hl, ipEnd, protocol, totalLength - hl);

  out.kind = 'fragment';
  const fragments = ctx?.fragments;
  if (fragments === undefined) return out;
  if (ipEnd - p < totalLength) {
    ctx?.counters?.notice('fragment cut by snaplen: not reassembled');
    return out;
  }
  const status = fragments.add(4, buf, p + 12, p + 16, 4, out.ipId, protocol, p, hl, p + hl, totalLength - hl, fragOffset, more, frameTime(frame));
  if (status !== 'complete') return fragmentOutcome(out, 'ipv4', status);
  if (ctx?.counters) ctx.counters.reassembled++;
  const rebuilt = fragments.output;
  out.buf = rebuilt;
  out.srcAddrOffset = 12;
  out.dstAddrOffset = 16;
  const rhl = fragments.headerLength;
  return transport(out, rebuilt, rhl, fragments.outputLength, fragments.protocol, fragments.outputLength - rhl);
}

function ipv6(frame: RawFrame, out: Decoded, buf: Uint8Array, p: number, end: number, ctx: DecodeContext | undefined): Decoded {
  if (end - p < 40) return fail(out, 'ipv6', 'ipv6 header truncated');
  const version = buf[p]! >> 4;
  if (version !== 6) return fail(out, 'ipv6', `ipv6 version ${version}`);
  out.ipVersion = 6;
  out.addrLength = 16;
  out.srcAddrOffset = p + 8;
  out.dstAddrOffset = p + 24;
  out.ipTtl = buf[p + 7]!;
  const captured = end - p - 40;
  let payloadLength = u16(buf, p + 4);
  if (payloadLength === 0 && captured > 0) {
    // Segmentation offload (or a jumbogram, unsupported): the captured bytes are all we know.
    payloadLength = captured;
    ctx?.counters?.notice('ipv6 payload length 0 (segmentation offload): captured length used');
  }
  let ipEnd: number;
  if (payloadLength <= captured) {
    ipEnd = p + 40 + payloadLength;
  } else if (out.truncated) {
    ipEnd = end;
  } else {
    return fail(out, 'ipv6', `ipv6 payload length ${payloadLength} > captured ${captured}`);
  }
  let wireEnd = p + 40 + payloadLength;
  let next = buf[p + 6]!;
  let q = p + 40;
  let rebuiltAlready = false;
  for (let headers = 0; ; headers++) {
    if (next === IPPROTO_TCP) return transport(out, buf, q, ipEnd, next, wireEnd - q);
    if (next !== IPPROTO_HOPOPTS && next !== IPPROTO_ROUTING && next !== IPPROTO_DSTOPTS && next !== IPPROTO_AH && next !== IPPROTO_FRAGMENT) {
      return transport(out, buf, q, ipEnd, next, wireEnd - q); // UDP, ICMPv6, ESP, no-next-header...
    }
    if (headers >= DECODE_LIMITS.MAX_IPV6_EXTENSION_HEADERS) {
      return fail(out, 'ipv6', `more than ${DECODE_LIMITS.MAX_IPV6_EXTENSION_HEADERS} ipv6 extension headers`);
    }
    if (wireEnd - q < 2) return fail(out, 'ipv6', 'ipv6 extension header beyond payload length');
    if (ipEnd - q < 2) return fail(out, 'ipv6', 'ipv6 extension header truncated');
    const length = next === IPPROTO_FRAGMENT ? 8 : next === IPPROTO_AH ? (buf[q + 1]! + 2) * 4 : (buf[q + 1]! + 1) * 8;
    if (wireEnd - q < length) return fail(out, 'ipv6', 'ipv6 extension header beyond payload length');
    if (ipEnd - q < length) return fail(out, 'ipv6', 'ipv6 extension header truncated');
    if (next !== IPPROTO_FRAGMENT) {
      next = buf[q]!;
      q += length;
      continue;
    }
    // Fragment header: next(1) reserved(1) offset(13 bits) res(2) M(1) identification(4)
    const fragNext = buf[q]!;
    const field = u16(buf, q + 2);
    const fragOffset = field & 0xfff8;
    const more = (field & 1) !== 0;
    if (fragOffset === 0 && !more) { // atomic fragment (RFC 6946): the packet is whole
      next = fragNext;
      q += 8;
      continue;
    }
    out.kind = 'fragment';
    const fragments = ctx?.fragments;
    if (fragments === undefined) return out;
    if (rebuiltAlready) return fail(out, 'ipv6', 'ipv6 fragment inside a reassembled datagram');
    if (ipEnd < wireEnd) {
      ctx?.counters?.notice('fragment cut by snaplen: not reassembled');
      return out;
    }
    const status = fragments.add(6, buf, p + 8, p + 24, 16, u32(buf, q + 4), fragNext, p, 40, q + 8, wireEnd - q - 8, fragOffset, more, frameTime(frame));
    if (status !== 'complete') return fragmentOutcome(out, 'ipv6', status);
    if (ctx?.counters) ctx.counters.reassembled++;
    // Continue walking the rebuilt datagram: [fixed header][fragmentable part].
    buf = fragments.output;
    out.buf = buf;
    out.srcAddrOffset = 8;
    out.dstAddrOffset = 24;
    p = 0;
    q = fragments.headerLength;
    ipEnd = fragments.outputLength;
    wireEnd = ipEnd;
    next = fragments.protocol;
    rebuiltAlready = true;
    out.kind = 'other';
  }
}

function fragmentOutcome(out: Decoded, layer: 'ipv4' | 'ipv6', status: Exclude<FragmentStatus, 'complete'>): Decoded {
  switch (status) {
    case 'pending':
    case 'dropped':
      return out;
    case 'conflict':
      return fail(out, layer, `${layer} fragment overlap conflict`);
    case 'oversize':
      return fail(out, layer, `${layer} fragment beyond ${DECODE_LIMITS.MAX_DATAGRAM_PAYLOAD_BYTES} bytes`);
    case 'misaligned':
      return fail(out, layer, `${layer} fragment length not a multiple of 8`);
  }
}

/** The IP payload: TCP is decoded, anything else is 'other'. */
function transport(out: Decoded, buf: Uint8Array, p: number, end: number, protocol: number, wireLength: number): Decoded {
  out.kind = 'other';
  if (protocol !== IPPROTO_TCP) return out;
  return tcp(out, buf, p, end, wireLength);
}

/** TCP header at buf[p]; `end` bounds the captured bytes, `segLength` is the length IP announces. */
function tcp(out: Decoded, buf: Uint8Array, p: number, end: number, segLength: number): Decoded {
  if (segLength < 20) return fail(out, 'tcp', `tcp segment length ${segLength} < 20`);
  if (end - p < 20) return fail(out, 'tcp', 'tcp header truncated');
  out.srcPort = u16(buf, p);
  out.dstPort = u16(buf, p + 2);
  out.seq = u32(buf, p + 4);
  out.ack = u32(buf, p + 8);
  const dataOffset = buf[p + 12]! >> 4;
  out.flags = buf[p + 13]!;
  out.window = u16(buf, p + 14);
  if (dataOffset < 5) return fail(out, 'tcp', `tcp data offset ${dataOffset} < 5`);
  const hl = dataOffset * 4;
  if (hl > segLength) return fail(out, 'tcp', `tcp header length ${hl} > segment length ${segLength}`);
  if (hl > end - p) return fail(out, 'tcp', 'tcp header truncated');
  tcpOptions(out, buf, p + 20, p + hl);
  out.kind = 'tcp';
  out.payloadOffset = p + hl;
  out.payloadWireLength = segLength - hl;
  out.payloadLength = Math.min(end - p - hl, segLength - hl);
  return out;
}

/** Reads MSS and window scale; a malformed option ends option parsing, not the packet. */
function tcpOptions(out: Decoded, buf: Uint8Array, p: number, end: number): void {
  while (p < end) {
    const kind = buf[p]!;
    if (kind === TCP_OPT_END) return;
    if (kind === TCP_OPT_NOP) { p++; continue; }
    if (end - p < 2) return;
    const length = buf[p + 1]!;
    if (length < 2 || length > end - p) return;
    if (kind === TCP_OPT_MSS && length === 4) out.mss = u16(buf, p + 2);
    else if (kind === TCP_OPT_WSCALE && length === 3) out.windowScale = buf[p + 2]!;
    p += length;
  }
}

function fail(out: Decoded, layer: DecodeLayer, error: string): Decoded {
  out.kind = 'error';
  out.stop = { layer, error };
  return out;
}

function u16(buf: Uint8Array, p: number): number {
  return (buf[p]! << 8) | buf[p + 1]!;
}

function u32(buf: Uint8Array, p: number): number {
  return ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
}
