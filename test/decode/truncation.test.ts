import { describe, expect, it } from 'vitest';
import { createDecodeContext, decodeFrame } from '../../src/decode/decode-frame.js';
import { newDecoded, type DecodeLayer } from '../../src/decode/decoded.js';
import {
  concat, eth, ETH_ADDRS, frameOf, greHeader, hex, IPV4_OPTS_TCP, IPV4_TCP, IPV6_EXT_TCP, IPV6_TCP, mplsLabel, outerIpv4, outerIpv6, vxlanHeader,
} from './packets.js';

/** [end (exclusive), layer, error]: a capture shorter than `end` stops there with that error. */
type Stage = [number, DecodeLayer, string];

const ETH = 'ethernet header truncated';
const V4 = (from: number): Stage[] => [[from + 20, 'ipv4', 'ipv4 header truncated'], [from + 52, 'tcp', 'tcp header truncated']];
const V6 = (from: number): Stage[] => [[from + 40, 'ipv6', 'ipv6 header truncated'], [from + 72, 'tcp', 'tcp header truncated']];

const cases: Array<{ name: string; linkType: number; bytes: Uint8Array; stages: Stage[] }> = [
  { name: 'Ethernet IPv4', linkType: 1, bytes: concat(ETH_ADDRS, hex('0800'), IPV4_TCP), stages: [[14, 'link', ETH], ...V4(14)] },
  { name: 'Ethernet IPv6', linkType: 1, bytes: concat(ETH_ADDRS, hex('86dd'), IPV6_TCP), stages: [[14, 'link', ETH], ...V6(14)] },
  { name: 'Ethernet QinQ', linkType: 1, bytes: concat(ETH_ADDRS, hex('88a8 00c8 8100 0064 0800'), IPV4_TCP), stages: [[14, 'link', ETH], [22, 'link', 'vlan tag truncated'], ...V4(22)] },
  { name: 'Linux SLL', linkType: 113, bytes: concat(hex('0000 0001 0006 6677 8899 aabb 0000 0800'), IPV4_TCP), stages: [[16, 'link', 'sll header truncated'], ...V4(16)] },
  { name: 'Linux SLL2', linkType: 276, bytes: concat(hex('86dd 0000 0000 0002 0001 00 06 6677 8899 aabb 0000'), IPV6_TCP), stages: [[20, 'link', 'sll2 header truncated'], ...V6(20)] },
  { name: 'BSD NULL', linkType: 0, bytes: concat(hex('0200 0000'), IPV4_TCP), stages: [[4, 'link', 'null header truncated'], ...V4(4)] },
  { name: 'OpenBSD LOOP', linkType: 108, bytes: concat(hex('0000 0018'), IPV6_TCP), stages: [[4, 'link', 'loop header truncated'], ...V6(4)] },
  { name: 'RAW IPv4', linkType: 101, bytes: IPV4_TCP, stages: [[1, 'link', 'raw ip header truncated'], ...V4(0)] },
  { name: 'RAW IPv6', linkType: 101, bytes: IPV6_TCP, stages: [[1, 'link', 'raw ip header truncated'], ...V6(0)] },
  {
    name: 'IPv4 with options', linkType: 228, bytes: IPV4_OPTS_TCP,
    stages: [[24, 'ipv4', 'ipv4 header truncated'], [56, 'tcp', 'tcp header truncated']],
  },
  {
    name: 'IPv6 with extension headers', linkType: 229, bytes: IPV6_EXT_TCP,
    stages: [[40, 'ipv6', 'ipv6 header truncated'], [56, 'ipv6', 'ipv6 extension header truncated'], [88, 'tcp', 'tcp header truncated']],
  },
  // Tunnels: every header on the way in, then the inner packet's own stages.
  {
    name: 'MPLS, two labels', linkType: 1, bytes: concat(eth('8847'), mplsLabel(16, false), mplsLabel(17, true), IPV4_TCP),
    stages: [[14, 'link', ETH], [22, 'mpls', 'mpls label truncated'], [23, 'mpls', 'mpls payload truncated'], ...V4(22)],
  },
  {
    name: 'MPLS pseudowire', linkType: 1, bytes: concat(eth('8847'), mplsLabel(16, true), hex('0000 0000'), eth('0800'), IPV4_TCP),
    stages: [[14, 'link', ETH], [18, 'mpls', 'mpls label truncated'], [19, 'mpls', 'mpls payload truncated'], [22, 'mpls', 'mpls control word truncated'], [36, 'link', ETH], ...V4(36)],
  },
  {
    name: 'PPPoE', linkType: 1, bytes: concat(eth('8864'), hex('1100 0001 003f 0021'), IPV4_TCP),
    stages: [[14, 'link', ETH], [20, 'pppoe', 'pppoe header truncated'], [22, 'ppp', 'ppp protocol truncated'], ...V4(22)],
  },
  { name: 'PPP link with ff 03', linkType: 9, bytes: concat(hex('ff03 0057'), IPV6_TCP), stages: [[4, 'ppp', 'ppp protocol truncated'], ...V6(4)] },
  { name: 'PPP HDLC link', linkType: 50, bytes: concat(hex('ff03 0021'), IPV4_TCP), stages: [[1, 'link', 'ppp hdlc header truncated'], [4, 'ppp', 'ppp protocol truncated'], ...V4(4)] },
  { name: 'Cisco HDLC', linkType: 104, bytes: concat(hex('0f00 0800'), IPV4_TCP), stages: [[4, 'link', 'cisco hdlc header truncated'], ...V4(4)] },
  {
    name: 'GRE with checksum, key and sequence', linkType: 1, bytes: concat(eth('0800'), outerIpv4(47, concat(greHeader(0xb0, 0x0800), IPV4_TCP))),
    stages: [[14, 'link', ETH], [34, 'ipv4', 'ipv4 header truncated'], [50, 'gre', 'gre header truncated'], ...V4(50)],
  },
  {
    name: 'ERSPAN type II', linkType: 1, bytes: concat(eth('0800'), outerIpv4(47, concat(greHeader(0x10, 0x88be), hex('1000 0001 0000 0000'), eth('0800'), IPV4_TCP))),
    stages: [[14, 'link', ETH], [34, 'ipv4', 'ipv4 header truncated'], [42, 'gre', 'gre header truncated'], [50, 'erspan', 'erspan header truncated'], [64, 'link', ETH], ...V4(64)],
  },
  {
    name: 'ERSPAN type III with platform sub-header', linkType: 1,
    bytes: concat(eth('0800'), outerIpv4(47, concat(greHeader(0x10, 0x22eb), hex('2000 0001 0000 0000 0000 0001', '0000 0000 0000 0000'), eth('86dd'), IPV6_TCP))),
    stages: [[14, 'link', ETH], [34, 'ipv4', 'ipv4 header truncated'], [42, 'gre', 'gre header truncated'], [62, 'erspan', 'erspan header truncated'], [76, 'link', ETH], ...V6(76)],
  },
  {
    name: 'IPv6 in IPv4', linkType: 1, bytes: concat(eth('0800'), outerIpv4(41, IPV6_TCP)),
    stages: [[14, 'link', ETH], [34, 'ipv4', 'ipv4 header truncated'], ...V6(34)],
  },
  {
    name: 'IPv4 in IPv6', linkType: 229, bytes: outerIpv6(4, IPV4_TCP),
    stages: [[40, 'ipv6', 'ipv6 header truncated'], ...V4(40)],
  },
];

function expected(stages: Stage[], n: number): { kind: string; stop?: { layer: DecodeLayer; error: string } } {
  for (const [end, layer, error] of stages) if (n < end) return { kind: 'error', stop: { layer, error } };
  return { kind: 'tcp' };
}

describe('snaplen cut at every length: no throw, the exact layer where bytes ran out', () => {
  for (const c of cases) {
    it(c.name, () => {
      const out = newDecoded();
      const ctx = createDecodeContext();
      const full = c.bytes.length;
      const payloadStart = c.stages[c.stages.length - 1]![0];
      for (let n = 0; n < full; n++) {
        const d = decodeFrame(frameOf(c.linkType, c.bytes, { capLen: n, wireLen: full }), out, ctx);
        const want = expected(c.stages, n);
        expect({ n, kind: d.kind, stop: d.stop, truncated: d.truncated }).toEqual({ n, ...want, stop: want.stop, truncated: true });
        if (d.kind === 'tcp') {
          expect([d.payloadLength, d.payloadWireLength]).toEqual([n - payloadStart, 9]);
        }
      }
    });
  }
});

describe('VXLAN cut at every length', () => {
  it('UDP cut short is other (it cannot be told from any UDP), then each layer in turn', () => {
    const inner = concat(eth('0800'), IPV4_TCP);
    const bytes = concat(eth('0800'), outerIpv4(17, concat(vxlanHeader(inner.length), inner)));
    const out = newDecoded();
    for (let n = 0; n < bytes.length; n++) {
      const d = decodeFrame(frameOf(1, bytes, { capLen: n, wireLen: bytes.length }), out);
      const want = n < 14 ? { kind: 'error', stop: { layer: 'link', error: ETH } }
        : n < 34 ? { kind: 'error', stop: { layer: 'ipv4', error: 'ipv4 header truncated' } }
          : n < 42 ? { kind: 'other', stop: undefined }
            : n < 50 ? { kind: 'error', stop: { layer: 'vxlan', error: 'vxlan header truncated' } }
              : n < 64 ? { kind: 'error', stop: { layer: 'link', error: ETH } }
                : expected(V4(64), n);
      expect({ n, kind: d.kind, stop: d.stop }).toEqual({ n, kind: want.kind, stop: want.stop });
    }
  });
});

describe('a short frame (not a snaplen cut) at every length', () => {
  it('Ethernet IPv4: headers missing, then the IP total length exceeds what is there', () => {
    const bytes = concat(ETH_ADDRS, hex('0800'), IPV4_TCP);
    const out = newDecoded();
    for (let n = 0; n < bytes.length; n++) {
      const d = decodeFrame(frameOf(1, bytes, { capLen: n, wireLen: n }), out);
      const want = n < 14 ? { layer: 'link', error: ETH }
        : n < 34 ? { layer: 'ipv4', error: 'ipv4 header truncated' }
          : { layer: 'ipv4', error: `ipv4 total length 61 > captured ${n - 14}` };
      expect({ n, kind: d.kind, stop: d.stop, truncated: d.truncated }).toEqual({ n, kind: 'error', stop: want, truncated: false });
    }
  });

  it('IPv6: the payload length exceeds what is there', () => {
    const out = newDecoded();
    for (let n = 40; n < IPV6_TCP.length; n++) {
      const d = decodeFrame(frameOf(229, IPV6_TCP, { capLen: n }), out);
      expect(d.stop).toEqual({ layer: 'ipv6', error: `ipv6 payload length 41 > captured ${n - 40}` });
    }
  });
});
