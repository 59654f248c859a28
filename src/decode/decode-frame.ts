import { frameTime, type RawFrame } from '../capture/frame.js';
import { Encapsulation, type Decoded, type DecodeLayer } from './decoded.js';
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
const ETHERTYPE_MPLS = 0x8847;
const ETHERTYPE_MPLS_MULTICAST = 0x8848;
const ETHERTYPE_PPPOE_SESSION = 0x8864; // discovery (0x8863) carries no IP: 'other'
/** GRE protocol types that are not ordinary EtherTypes (only meaningful inside GRE). */
const GRE_TRANSPARENT_ETHERNET = 0x6558;
const GRE_ERSPAN_II = 0x88be; // also ERSPAN type I when the GRE sequence number is absent
const GRE_ERSPAN_III = 0x22eb;

const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

/** VXLAN's IANA port (RFC 7348); AWS VPC Traffic Mirroring sends to it. */
const UDP_PORT_VXLAN = 4789;

const IPPROTO_HOPOPTS = 0;
const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_IPIP = 4;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_IPV6 = 41;
const IPPROTO_GRE = 47;
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
 * returns it. Tunnels and encapsulations (MPLS, PPPoE, GRE, ERSPAN, VXLAN, IP in IP) are followed:
 * `out` then describes the innermost packet, and `out.encapsulations` says what it came through.
 * Never throws: invalid or missing bytes give kind 'error' with `stop` naming the layer and a short
 * stable reason; a reason ending in "truncated" means the bytes ran out (and `out.truncated` says
 * whether the snaplen did it), any other reason means bytes present but invalid.
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
  out.encapsulations = 0;
  out.encapsulationDepth = 0;
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
    case 1:
      return ethernet(frame, out, buf, p, end, ctx);
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
    case 9: // PPP: the protocol field, after HDLC-like address and control bytes (ff 03) when present
      // A first byte 0xff is that address: as a compressed one-byte protocol it would be 0x00ff, unassigned.
      if (end - p >= 1 && buf[p] === 0xff) p += 2;
      return ppp(frame, out, buf, p, end, ctx);
    case 50: { // PPP in HDLC-like framing (ff 03), or Cisco HDLC (0f/8f, 00, then an EtherType)
      if (end - p < 1) return fail(out, 'link', 'ppp hdlc header truncated');
      const address = buf[p]!;
      if (address === 0xff) return ppp(frame, out, buf, p + 2, end, ctx);
      if (address === 0x0f || address === 0x8f) return ciscoHdlc(frame, out, buf, p, end, ctx);
      return out;
    }
    case 104: // Cisco HDLC
      return ciscoHdlc(frame, out, buf, p, end, ctx);
    case 51: // PPPoE without its Ethernet header
      return pppoeSession(frame, out, buf, p, end, ctx);
    default:
      return fail(out, 'link', `unknown link type ${frame.linkType}`);
  }
}

/**
 * An Ethernet frame: dst(6) src(6) type(2). At the link layer, and inside GRE (transparent
 * Ethernet bridging), ERSPAN, VXLAN and MPLS pseudowires: the VLAN tags kept are the innermost
 * frame's (the outer ones belong to the network that carried the tunnel).
 */
function ethernet(frame: RawFrame, out: Decoded, buf: Uint8Array, p: number, end: number, ctx: DecodeContext | undefined): Decoded {
  if (end - p < 14) return fail(out, 'link', 'ethernet header truncated');
  if (out.vlans.length !== 0) out.vlans.length = 0;
  return etherType(frame, out, buf, p + 14, end, u16(buf, p + 12), ctx);
}

/**
 * An EtherType's payload (Ethernet, SLL, SLL2, Cisco HDLC, GRE, and so inside every tunnel that
 * ends in Ethernet): (possibly stacked) VLAN tags, then IPv4 / IPv6, MPLS or a PPPoE session;
 * anything else is 'other'. IPv4 and IPv6 are tested first: they are nearly every frame.
 */
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
  if (type === ETHERTYPE_MPLS || type === ETHERTYPE_MPLS_MULTICAST) return mpls(frame, out, buf, p, end, ctx);
  if (type === ETHERTYPE_PPPOE_SESSION) return pppoeSession(frame, out, buf, p, end, ctx);
  // ARP, LLDP, PPPoE discovery, 802.3 length fields (< 0x0600, LLC frames)...: not ours.
  return out;
}

/**
 * Counts one more encapsulation on the way in; false (and the frame an error) beyond
 * MAX_ENCAPSULATIONS, so a crafted frame of tunnels in tunnels cannot recurse without end.
 */
function enter(out: Decoded, encapsulation: number, layer: DecodeLayer): boolean {
  if (out.encapsulationDepth >= DECODE_LIMITS.MAX_ENCAPSULATIONS) {
    fail(out, layer, `more than ${DECODE_LIMITS.MAX_ENCAPSULATIONS} encapsulations`);
    return false;
  }
  out.encapsulationDepth++;
  out.encapsulations |= encapsulation;
  return true;
}

/**
 * MPLS (RFC 3032): 4-byte label entries label(20) tc(3) S(1) ttl(8) down to the one with the
 * bottom-of-stack bit S. The payload's type is not written anywhere: like Wireshark, the first
 * nibble says it (4 IPv4, 6 IPv6, 0 a pseudowire control word (RFC 4385) before an Ethernet frame).
 */
function mpls(frame: RawFrame, out: Decoded, buf: Uint8Array, p: number, end: number, ctx: DecodeContext | undefined): Decoded {
  if (!enter(out, Encapsulation.mpls, 'mpls')) return out;
  for (;;) {
    if (end - p < 4) return fail(out, 'mpls', 'mpls label truncated');
    const bottom = (buf[p + 2]! & 0x01) !== 0;
    p += 4;
    if (bottom) break;
  }
  if (end - p < 1) return fail(out, 'mpls', 'mpls payload truncated');
  const nibble = buf[p]! >> 4;
  if (nibble === 4) return ipv4(frame, out, buf, p, end, ctx);
  if (nibble === 6) return ipv6(frame, out, buf, p, end, ctx);
  if (nibble === 0) {
    if (end - p < 4) return fail(out, 'mpls', 'mpls control word truncated');
    return ethernet(frame, out, buf, p + 4, end, ctx);
  }
  return out;
}

/**
 * PPPoE session stage (RFC 2516): ver/type 0x11, code 0, session id(2), length(2), then PPP. The
 * length is not used to bound the payload: as on Ethernet, the IP length inside does.
 */
function pppoeSession(frame: RawFrame, out: Decoded, buf: Uint8Array, p: number, end: number, ctx: DecodeContext | undefined): Decoded {
  if (!enter(out, Encapsulation.pppoe, 'pppoe')) return out;
  if (end - p < 6) return fail(out, 'pppoe', 'pppoe header truncated');
  const versionType = buf[p]!;
  const code = buf[p + 1]!;
  if (versionType !== 0x11 || code !== 0) return fail(out, 'pppoe', `pppoe session header ver/type ${versionType} code ${code}`);
  return ppp(frame, out, buf, p + 6, end, ctx);
}

/**
 * The PPP protocol field (RFC 1661): two bytes, or one when protocol-field compression is on (a
 * first byte with its low bit set is a whole one-byte field). IPv4 and IPv6 are followed; LCP,
 * IPCP, CHAP and the rest are 'other'.
 */
function ppp(frame: RawFrame, out: Decoded, buf: Uint8Array, p: number, end: number, ctx: DecodeContext | undefined): Decoded {
  if (end - p < 1) return fail(out, 'ppp', 'ppp protocol truncated');
  let protocol = buf[p]!;
  if ((protocol & 0x01) === 0) {
    if (end - p < 2) return fail(out, 'ppp', 'ppp protocol truncated');
    protocol = u16(buf, p);
    p += 2;
  } else {
    p += 1;
  }
  if (protocol === PPP_IPV4) return ipv4(frame, out, buf, p, end, ctx);
  if (protocol === PPP_IPV6) return ipv6(frame, out, buf, p, end, ctx);
  return out;
}

/** Cisco HDLC: address(1) control(1) EtherType(2). */
function ciscoHdlc(frame: RawFrame, out: Decoded, buf: Uint8Array, p: number, end: number, ctx: DecodeContext | undefined): Decoded {
  if (end - p < 4) return fail(out, 'link', 'cisco hdlc header truncated');
  return etherType(frame, out, buf, p + 4, end, u16(buf, p + 2), ctx);
}

/**
 * GRE (RFC 2784, key and sequence number RFC 2890): C K S flags in the first byte each add 4 bytes
 * (checksum + reserved, key, sequence number, in that order), version 0 only. RFC 1701 routing (R)
 * and version 1 (PPTP's enhanced GRE, carrying PPP) are 'other'. The protocol type is an EtherType,
 * or transparent Ethernet bridging / ERSPAN.
 */
function gre(frame: RawFrame, out: Decoded, buf: Uint8Array, p: number, end: number, ctx: DecodeContext | undefined): Decoded {
  if (!enter(out, Encapsulation.gre, 'gre')) return out;
  if (end - p < 4) return fail(out, 'gre', 'gre header truncated');
  const flags = buf[p]!;
  const version = buf[p + 1]! & 0x07;
  if ((flags & 0x40) !== 0 || version !== 0) return out;
  const hasSequence = (flags & 0x10) !== 0;
  const length = 4 + ((flags & 0x80) !== 0 ? 4 : 0) + ((flags & 0x20) !== 0 ? 4 : 0) + (hasSequence ? 4 : 0);
  if (end - p < length) return fail(out, 'gre', 'gre header truncated');
  const type = u16(buf, p + 2);
  p += length;
  switch (type) {
    case GRE_TRANSPARENT_ETHERNET:
      return ethernet(frame, out, buf, p, end, ctx);
    case GRE_ERSPAN_II:
      out.encapsulations |= Encapsulation.erspan;
      // Type I has no sequence number and no ERSPAN header: the mirrored frame follows GRE.
      if (!hasSequence) return ethernet(frame, out, buf, p, end, ctx);
      // Type II: ver(4) vlan(12) cos(3) en(2) t(1) session(10), reserved(12) index(20).
      if (end - p < 8) return fail(out, 'erspan', 'erspan header truncated');
      return ethernet(frame, out, buf, p + 8, end, ctx);
    case GRE_ERSPAN_III: {
      out.encapsulations |= Encapsulation.erspan;
      // ver(4) vlan(12) cos(3) bso(2) t(1) session(10), timestamp(32),
      // sgt(16) p(1) ft(5) hw id(6) d(1) gra(2) o(1); the O bit adds an 8-byte platform sub-header.
      if (end - p < 12) return fail(out, 'erspan', 'erspan header truncated');
      const word = u16(buf, p + 10);
      const frameType = (word >> 10) & 0x1f;
      const length3 = (word & 0x01) !== 0 ? 20 : 12;
      if (end - p < length3) return fail(out, 'erspan', 'erspan header truncated');
      if (frameType !== 0) return out; // not an Ethernet frame (the draft's frame type 2 is IP)
      return ethernet(frame, out, buf, p + length3, end, ctx);
    }
    default:
      return etherType(frame, out, buf, p, end, type, ctx);
  }
}

/**
 * UDP: ports and payload (kind 'udp', for the connectivity layer's DNS), except VXLAN (RFC 7348) on
 * its port: flags(8, I = 0x08) reserved(24) vni(24) reserved(8), then an Ethernet frame. A datagram
 * too short for its header stays 'other'.
 */
function udp(frame: RawFrame, out: Decoded, buf: Uint8Array, p: number, end: number, wireLength: number, ctx: DecodeContext | undefined): Decoded {
  if (end - p < 8 || wireLength < 8) return out;
  const dstPort = u16(buf, p + 2);
  if (dstPort === UDP_PORT_VXLAN) {
    if (end - p < 16) return fail(out, 'vxlan', 'vxlan header truncated');
    if ((buf[p + 8]! & 0x08) !== 0) {
      if (!enter(out, Encapsulation.vxlan, 'vxlan')) return out;
      return ethernet(frame, out, buf, p + 16, end, ctx);
    }
    // no valid VNI: not VXLAN as RFC 7348 sends it, an ordinary datagram
  }
  out.kind = 'udp';
  out.srcPort = u16(buf, p);
  out.dstPort = dstPort;
  out.payloadOffset = p + 8;
  out.payloadWireLength = wireLength - 8;
  out.payloadLength = Math.min(end - p - 8, wireLength - 8);
  return out;
}

/** ICMP or ICMPv6: the message from its type byte (kind 'icmp'); read further only by src/connectivity. */
function icmp(out: Decoded, p: number, end: number, wireLength: number): Decoded {
  if (end - p < 4 || wireLength < 4) return out;
  out.kind = 'icmp';
  out.payloadOffset = p;
  out.payloadWireLength = wireLength;
  out.payloadLength = Math.min(end - p, wireLength);
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
  if (!more && fragOffset === 0) return transport(frame, out, buf, p + hl, ipEnd, protocol, totalLength - hl, ctx);

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
  return transport(frame, out, rebuilt, rhl, fragments.outputLength, fragments.protocol, fragments.outputLength - rhl, ctx);
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
  out.ipId = 0; // an IPv4 packet around it (6in4) had one
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
    if (next === IPPROTO_TCP) return transport(frame, out, buf, q, ipEnd, next, wireEnd - q, ctx);
    if (next !== IPPROTO_HOPOPTS && next !== IPPROTO_ROUTING && next !== IPPROTO_DSTOPTS && next !== IPPROTO_AH && next !== IPPROTO_FRAGMENT) {
      return transport(frame, out, buf, q, ipEnd, next, wireEnd - q, ctx); // tunnels; UDP, ICMPv6, ESP, no-next-header...
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

/**
 * The IP payload: TCP is decoded, anything else goes to `tunnel`. Kept this small on purpose: V8
 * then inlines it and `tcp` into `ipv4`; with the tunnel switch in here it did not, and plain
 * Ethernet/IPv4/TCP decoding was measured ~10% slower.
 */
function transport(frame: RawFrame, out: Decoded, buf: Uint8Array, p: number, end: number, protocol: number, wireLength: number, ctx: DecodeContext | undefined): Decoded {
  out.kind = 'other';
  if (protocol === IPPROTO_TCP) return tcp(out, buf, p, end, wireLength);
  return tunnel(frame, out, buf, p, end, protocol, wireLength, ctx);
}

/**
 * An IP payload that is not TCP: GRE, IP in IP (4: IPv4, 41: IPv6) and VXLAN are followed to the
 * packet inside, which then replaces the outer one in `out`; other UDP and ICMP/ICMPv6 are located
 * (kinds 'udp', 'icmp'); anything else is 'other'.
 */
function tunnel(frame: RawFrame, out: Decoded, buf: Uint8Array, p: number, end: number, protocol: number, wireLength: number, ctx: DecodeContext | undefined): Decoded {
  switch (protocol) {
    case IPPROTO_UDP:
      return udp(frame, out, buf, p, end, wireLength, ctx);
    case IPPROTO_ICMP:
      return out.ipVersion === 4 ? icmp(out, p, end, wireLength) : out;
    case IPPROTO_ICMPV6:
      return out.ipVersion === 6 ? icmp(out, p, end, wireLength) : out;
    case IPPROTO_GRE:
      return gre(frame, out, buf, p, end, ctx);
    case IPPROTO_IPIP:
      if (!enter(out, Encapsulation['ipv4-in-ip'], 'ipv4')) return out;
      return ipv4(frame, out, buf, p, end, ctx);
    case IPPROTO_IPV6:
      if (!enter(out, Encapsulation['ipv6-in-ip'], 'ipv6')) return out;
      return ipv6(frame, out, buf, p, end, ctx);
    default:
      return out;
  }
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
