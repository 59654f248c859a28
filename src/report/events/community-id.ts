/**
 * The Community ID flow hash, version 1 (github.com/corelight/community-id-spec): a string that
 * Zeek, Suricata, Arkime, Wireshark and Elastic's tools compute for the same connection, so a
 * mailwire conversation can be joined with their records. SHA-1 over seed, the two addresses, the
 * IP protocol, a zero byte and the two ports, in network byte order, with the endpoints ordered so
 * that the smaller address (then port) comes first: both directions give the same id.
 */
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** IP protocol numbers mailwire's flows use. */
export const IPPROTO_TCP = 6;

/** The address as network-order bytes (4 for IPv4, 16 for IPv6), or undefined when it is neither. */
export function addressBytes(ip: string): Uint8Array | undefined {
  if (isIPv4(ip)) return Uint8Array.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) return undefined;
  // An embedded dotted quad (::ffff:1.2.3.4) becomes two groups first.
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const b = dotted[1]!.split('.').map(Number);
    text = text.slice(0, dotted.index) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * Community ID v1 of a flow ("1:" + base64 of the SHA-1), or '' when an address is not IPv4/IPv6
 * or the two are of different families (the spec allows an empty id for flows it does not cover).
 * Ports are left out for protocols without them (pass undefined), as the spec says.
 */
export function communityId(proto: number, srcIp: string, dstIp: string, srcPort: number | undefined, dstPort: number | undefined, seed = 0): string {
  let sa = addressBytes(srcIp);
  let da = addressBytes(dstIp);
  if (!sa || !da || sa.length !== da.length) return '';
  let sp = srcPort;
  let dp = dstPort;
  const order = compare(sa, da);
  if (order > 0 || (order === 0 && (sp ?? 0) > (dp ?? 0))) {
    [sa, da] = [da, sa];
    [sp, dp] = [dp, sp];
  }
  const withPorts = sp !== undefined && dp !== undefined;
  const buf = new Uint8Array(2 + sa.length * 2 + 2 + (withPorts ? 4 : 0));
  const view = new DataView(buf.buffer);
  view.setUint16(0, seed);
  buf.set(sa, 2);
  buf.set(da, 2 + sa.length);
  let off = 2 + sa.length * 2;
  buf[off++] = proto;
  buf[off++] = 0;
  if (withPorts) {
    view.setUint16(off, sp!);
    view.setUint16(off + 2, dp!);
  }
  return `1:${createHash('sha1').update(buf).digest('base64')}`;
}
