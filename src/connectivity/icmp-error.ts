/**
 * ICMP (RFC 792, RFC 1191) and ICMPv6 (RFC 4443, RFC 8201) error messages that quote a TCP packet:
 * what the error says, who sent it, and the quoted packet's addresses, ports and sequence number, so
 * the connectivity layer can find the connection the error belongs to.
 *
 * Only errors are read (destination unreachable, fragmentation needed / packet too big, time
 * exceeded); echo, router and neighbour messages return undefined after one byte comparison, as do
 * errors quoting anything but TCP. Never throws: a message cut short or malformed gives
 * `{ error }` (ending in "truncated" when the bytes ran out).
 */
import { formatAddress } from '../decode/format-address.js';

/** What an ICMP error means for a connection attempt (one finding per cause). */
export type IcmpCause =
  | 'net-unreachable'
  | 'host-unreachable'
  | 'port-unreachable'
  | 'admin-prohibited'
  | 'protocol-unreachable'
  | 'unreachable-other'
  | 'too-big'
  | 'time-exceeded';

export interface IcmpError {
  /** 4: ICMP, 6: ICMPv6. */
  family: 4 | 6;
  type: number;
  code: number;
  cause: IcmpCause;
  /** Who sent the error (a router, a firewall, or the destination host itself). */
  reporter: string;
  /** Fragmentation needed (ICMP 3/4) / packet too big (ICMPv6 2): the next-hop MTU, 0 when not given. */
  mtu: number;
  /** The quoted packet: the original sender and its destination. */
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** The quoted TCP sequence number (unsigned). */
  seq: number;
  /** The quoted packet's IP length (its size on the wire). */
  quotedLength: number;
  /** Where the quoted source and destination addresses lie in the buffer (4 or 16 bytes each). */
  srcOffset: number;
  dstOffset: number;
}

const ICMP_UNREACHABLE = 3;
const ICMP_TIME_EXCEEDED = 11;
const ICMP6_UNREACHABLE = 1;
const ICMP6_PACKET_TOO_BIG = 2;
const ICMP6_TIME_EXCEEDED = 3;
const IPPROTO_TCP = 6;

/** IPv6 extension headers a quoted packet may carry before TCP (hop-by-hop, routing, fragment, destination options). */
const IPV6_EXTENSIONS = new Set([0, 43, 44, 60]);
const MAX_QUOTED_EXTENSIONS = 8;

/** Whether an ICMP message of this family and first byte is an error this module reads (cheap pre-check). */
export function isIcmpError(family: 4 | 6, type: number): boolean {
  return family === 4 ? type === ICMP_UNREACHABLE || type === ICMP_TIME_EXCEEDED
    : type === ICMP6_UNREACHABLE || type === ICMP6_PACKET_TOO_BIG || type === ICMP6_TIME_EXCEEDED;
}

function cause4(type: number, code: number): IcmpCause {
  if (type === ICMP_TIME_EXCEEDED) return 'time-exceeded';
  switch (code) {
    case 0: case 6: case 11: return 'net-unreachable'; // net, net unknown, net for ToS
    case 1: case 7: case 12: return 'host-unreachable'; // host, host unknown, host for ToS
    case 2: return 'protocol-unreachable';
    case 3: return 'port-unreachable';
    case 4: return 'too-big';
    case 9: case 10: case 13: return 'admin-prohibited'; // net/host prohibited (RFC 1122), communication prohibited (RFC 1812)
    default: return 'unreachable-other';
  }
}

function cause6(type: number, code: number): IcmpCause {
  if (type === ICMP6_PACKET_TOO_BIG) return 'too-big';
  if (type === ICMP6_TIME_EXCEEDED) return 'time-exceeded';
  switch (code) {
    case 0: return 'net-unreachable'; // no route to destination
    case 1: case 5: case 6: return 'admin-prohibited'; // prohibited, ingress/egress policy, reject route
    case 3: return 'host-unreachable'; // address unreachable
    case 4: return 'port-unreachable';
    default: return 'unreachable-other';
  }
}

/**
 * Reads the ICMP/ICMPv6 message at buf[p, p + length) sent by the host at buf[reporterOffset]. Returns
 * undefined for messages that are not an error quoting TCP.
 */
export function parseIcmpError(buf: Uint8Array, p: number, length: number, family: 4 | 6, reporterOffset: number): IcmpError | { error: string } | undefined {
  const end = Math.min(p + length, buf.length);
  if (end - p < 8) return undefined;
  const type = buf[p]!;
  if (!isIcmpError(family, type)) return undefined;
  const code = buf[p + 1]!;
  let mtu = 0;
  if (family === 4 && type === ICMP_UNREACHABLE && code === 4) mtu = u16(buf, p + 6);
  else if (family === 6 && type === ICMP6_PACKET_TOO_BIG) mtu = u32(buf, p + 4);
  const q = p + 8;
  if (end - q < 1) return { error: 'icmp quoted packet truncated' };
  const version = buf[q]! >> 4;
  // ICMP quotes IPv4, ICMPv6 quotes IPv6: anything else is not a packet we could have sent.
  if (version !== family) return { error: `icmp quotes ip version ${version}` };
  let src: string;
  let dst: string;
  let srcOffset: number;
  let t: number;
  let quotedLength: number;
  if (version === 4) {
    if (end - q < 20) return { error: 'icmp quoted ipv4 header truncated' };
    const ihl = (buf[q]! & 0x0f) * 4;
    if (ihl < 20) return { error: `icmp quoted ipv4 header length ${ihl} < 20` };
    if (buf[q + 9] !== IPPROTO_TCP) return undefined;
    // A non-first fragment has no TCP header to quote.
    if ((u16(buf, q + 6) & 0x1fff) !== 0) return undefined;
    srcOffset = q + 12;
    src = formatAddress(buf, q + 12, 4);
    dst = formatAddress(buf, q + 16, 4);
    quotedLength = u16(buf, q + 2);
    t = q + ihl;
  } else {
    if (end - q < 40) return { error: 'icmp quoted ipv6 header truncated' };
    srcOffset = q + 8;
    src = formatAddress(buf, q + 8, 16);
    dst = formatAddress(buf, q + 24, 16);
    quotedLength = 40 + u16(buf, q + 4);
    let next = buf[q + 6]!;
    t = q + 40;
    for (let n = 0; next !== IPPROTO_TCP; n++) {
      if (!IPV6_EXTENSIONS.has(next) || n >= MAX_QUOTED_EXTENSIONS) return undefined;
      if (end - t < 8) return { error: 'icmp quoted ipv6 extension header truncated' };
      if (next === 44 && (u16(buf, t + 2) & 0xfff8) !== 0) return undefined; // not the first fragment
      const len = next === 44 ? 8 : (buf[t + 1]! + 1) * 8;
      next = buf[t]!;
      t += len;
    }
  }
  // RFC 792 promises the first 8 bytes of the quoted payload: ports and sequence number.
  if (end - t < 8) return { error: 'icmp quoted tcp header truncated' };
  return {
    family,
    type,
    code,
    cause: family === 4 ? cause4(type, code) : cause6(type, code),
    reporter: formatAddress(buf, reporterOffset, family === 4 ? 4 : 16),
    mtu,
    src,
    dst,
    srcPort: u16(buf, t),
    dstPort: u16(buf, t + 2),
    seq: u32(buf, t + 4),
    quotedLength,
    srcOffset,
    dstOffset: srcOffset + (version === 4 ? 4 : 16),
  };
}

/** The ICMP type/code in words, as a network engineer would name it. */
export function icmpName(e: Pick<IcmpError, 'family' | 'type' | 'code'>): string {
  if (e.family === 4) {
    if (e.type === ICMP_TIME_EXCEEDED) return e.code === 1 ? 'time exceeded (fragment reassembly)' : 'time exceeded (TTL expired in transit)';
    const names: Record<number, string> = {
      0: 'network unreachable', 1: 'host unreachable', 2: 'protocol unreachable', 3: 'port unreachable',
      4: 'fragmentation needed', 5: 'source route failed', 6: 'destination network unknown', 7: 'destination host unknown',
      9: 'network administratively prohibited', 10: 'host administratively prohibited', 11: 'network unreachable for ToS',
      12: 'host unreachable for ToS', 13: 'communication administratively prohibited', 14: 'host precedence violation',
      15: 'precedence cutoff in effect',
    };
    return `destination unreachable: ${names[e.code] ?? `code ${e.code}`}`;
  }
  if (e.type === ICMP6_PACKET_TOO_BIG) return 'packet too big';
  if (e.type === ICMP6_TIME_EXCEEDED) return e.code === 1 ? 'time exceeded (fragment reassembly)' : 'time exceeded (hop limit)';
  const names: Record<number, string> = {
    0: 'no route to destination', 1: 'communication administratively prohibited', 2: 'beyond scope of source address',
    3: 'address unreachable', 4: 'port unreachable', 5: 'source address failed ingress/egress policy', 6: 'reject route to destination',
  };
  return `destination unreachable: ${names[e.code] ?? `code ${e.code}`}`;
}

function u16(buf: Uint8Array, p: number): number {
  return ((buf[p] ?? 0) << 8) | (buf[p + 1] ?? 0);
}

function u32(buf: Uint8Array, p: number): number {
  return (((buf[p] ?? 0) << 24) | ((buf[p + 1] ?? 0) << 16) | ((buf[p + 2] ?? 0) << 8) | (buf[p + 3] ?? 0)) >>> 0;
}
