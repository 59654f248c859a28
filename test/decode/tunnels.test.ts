import { describe, expect, it } from 'vitest';
import { createDecodeContext, decodeFrame } from '../../src/decode/decode-frame.js';
import { Encapsulation, newDecoded, TcpFlag, type Decoded } from '../../src/decode/decoded.js';
import { formatAddress } from '../../src/decode/format-address.js';
import {
  concat, eth, frameOf, greHeader, hex, IPV4_TCP, IPV6_TCP, mplsLabel, outerIpv4, outerIpv6, tcpSegment, vxlanHeader,
} from './packets.js';

const text = (d: Decoded) => Buffer.from(d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength)).toString('latin1');
const src = (d: Decoded) => formatAddress(d.buf, d.srcAddrOffset, d.addrLength as 4 | 16);
const dst = (d: Decoded) => formatAddress(d.buf, d.dstAddrOffset, d.addrLength as 4 | 16);

function decode(linkType: number, bytes: Uint8Array): Decoded {
  return decodeFrame(frameOf(linkType, bytes), newDecoded(), createDecodeContext());
}

const E = Encapsulation;
const ETH_V4 = concat(eth('0800'), IPV4_TCP);
const ETH_V6 = concat(eth('86dd'), IPV6_TCP);
/** PPPoE session header: ver/type 11, code 00, session 0x0042, length (PPP protocol + packet). */
const pppoe = (ppp: string, packet: Uint8Array) => {
  const h = hex('1100 0042 0000', ppp);
  const length = h.length - 6 + packet.length;
  h[4] = length >> 8; h[5] = length & 255;
  return concat(h, packet);
};
/** ERSPAN type II header: ver 1, vlan 0, cos 0, en 3, t 0, session 0x155; index 7. */
const ERSPAN_II = hex('1000 1955 0000 0007');
/** ERSPAN type III header: ver 2, session 0x155; timestamp; sgt 0, p 1, ft 0, hw id 0x11, d 1, gra 0, O `o`. */
const erspan3 = (o: boolean, frameType = 0) => {
  const h = hex('2000 1955', '0102 0304', '0000 8000');
  const word = 0x8000 | (frameType << 10) | (0x11 << 4) | 0x08 | (o ? 1 : 0);
  h[10] = word >> 8; h[11] = word & 255;
  return o ? concat(h, hex('0c00 0000 dead beef')) : h;
};

// The tcp cases below were written to pcap files once and read with tshark 4.x: each one's
// frame.protocols showed the same layers (e.g. eth:ethertype:vlan:ethertype:mpls:pwethheuristic:
// pwethcw:eth:ethertype:vlan:ethertype:ip:gre:eth:ethertype:ip:tcp) and the inner port 49152.
describe('tunnels and encapsulations: the inner packet is what Decoded describes', () => {
  const cases: Array<{ name: string; linkType: number; bytes: Uint8Array; v: 4 | 6; vlans?: number[]; encapsulations: number }> = [
    { name: 'MPLS, one label, IPv4', linkType: 1, bytes: concat(eth('8847'), mplsLabel(16, true), IPV4_TCP), v: 4, encapsulations: E.mpls },
    { name: 'MPLS, two labels, IPv6', linkType: 1, bytes: concat(eth('8847'), mplsLabel(1000, false), mplsLabel(2, true), IPV6_TCP), v: 6, encapsulations: E.mpls },
    { name: 'MPLS multicast (0x8848)', linkType: 1, bytes: concat(eth('8848'), mplsLabel(17, true), IPV4_TCP), v: 4, encapsulations: E.mpls },
    {
      // VLAN 10 outside MPLS, pseudowire control word, the customer's Ethernet frame with VLAN 20:
      // the VLAN ids are the inner frame's.
      name: 'VLAN, MPLS pseudowire with control word, Ethernet, VLAN, IPv4', linkType: 1,
      bytes: concat(eth('8100 000a 8847'), mplsLabel(100, false), mplsLabel(200, true), hex('0000 0000'), eth('8100 0014 0800'), IPV4_TCP),
      v: 4, vlans: [20], encapsulations: E.mpls,
    },
    { name: 'PPPoE session, PPP IPv4', linkType: 1, bytes: concat(eth('8864'), pppoe('0021', IPV4_TCP)), v: 4, encapsulations: E.pppoe },
    { name: 'PPPoE session, PPP IPv6', linkType: 1, bytes: concat(eth('8864'), pppoe('0057', IPV6_TCP)), v: 6, encapsulations: E.pppoe },
    { name: 'PPPoE, compressed protocol field (21)', linkType: 1, bytes: concat(eth('8864'), pppoe('21', IPV4_TCP)), v: 4, encapsulations: E.pppoe },
    { name: 'PPPoE in a VLAN (DSL WAN port)', linkType: 1, bytes: concat(eth('8100 0007 8864'), pppoe('0021', IPV4_TCP)), v: 4, vlans: [7], encapsulations: E.pppoe },
    { name: 'link type 51: PPPoE without Ethernet', linkType: 51, bytes: pppoe('0021', IPV4_TCP), v: 4, encapsulations: E.pppoe },
    { name: 'link type 9: PPP with ff 03', linkType: 9, bytes: concat(hex('ff03 0021'), IPV4_TCP), v: 4, encapsulations: 0 },
    { name: 'link type 9: PPP without address/control', linkType: 9, bytes: concat(hex('0057'), IPV6_TCP), v: 6, encapsulations: 0 },
    { name: 'link type 50: PPP in HDLC-like framing', linkType: 50, bytes: concat(hex('ff03 0021'), IPV4_TCP), v: 4, encapsulations: 0 },
    { name: 'link type 50: Cisco HDLC', linkType: 50, bytes: concat(hex('0f00 86dd'), IPV6_TCP), v: 6, encapsulations: 0 },
    { name: 'link type 104: Cisco HDLC', linkType: 104, bytes: concat(hex('8f00 0800'), IPV4_TCP), v: 4, encapsulations: 0 },
    { name: 'GRE, no options, IPv4', linkType: 1, bytes: concat(eth('0800'), outerIpv4(47, concat(greHeader(0, 0x0800), IPV4_TCP))), v: 4, encapsulations: E.gre },
    { name: 'GRE with checksum, key and sequence (12 bytes more)', linkType: 1, bytes: concat(eth('0800'), outerIpv4(47, concat(greHeader(0xb0, 0x0800), IPV4_TCP))), v: 4, encapsulations: E.gre },
    { name: 'GRE with a key only, IPv6 inside', linkType: 1, bytes: concat(eth('0800'), outerIpv4(47, concat(greHeader(0x20, 0x86dd), IPV6_TCP))), v: 6, encapsulations: E.gre },
    { name: 'GRE with a sequence number only', linkType: 1, bytes: concat(eth('0800'), outerIpv4(47, concat(greHeader(0x10, 0x0800), IPV4_TCP))), v: 4, encapsulations: E.gre },
    { name: 'GRE over IPv6', linkType: 1, bytes: concat(eth('86dd'), outerIpv6(47, concat(greHeader(0x80, 0x0800), IPV4_TCP))), v: 4, encapsulations: E.gre },
    { name: 'GRE transparent Ethernet bridging', linkType: 1, bytes: concat(eth('0800'), outerIpv4(47, concat(greHeader(0x20, 0x6558), ETH_V6))), v: 6, encapsulations: E.gre },
    { name: 'GRE carrying MPLS', linkType: 1, bytes: concat(eth('0800'), outerIpv4(47, concat(greHeader(0, 0x8847), mplsLabel(16, true), IPV4_TCP))), v: 4, encapsulations: E.gre | E.mpls },
    { name: 'ERSPAN type I (no GRE sequence number, no ERSPAN header)', linkType: 1, bytes: concat(eth('0800'), outerIpv4(47, concat(greHeader(0, 0x88be), ETH_V4))), v: 4, encapsulations: E.gre | E.erspan },
    {
      name: 'ERSPAN type II (mirrored frame with its VLAN)', linkType: 1,
      bytes: concat(eth('8100 0063 0800'), outerIpv4(47, concat(greHeader(0x10, 0x88be), ERSPAN_II, eth('8100 0005 0800'), IPV4_TCP))),
      v: 4, vlans: [5], encapsulations: E.gre | E.erspan,
    },
    { name: 'ERSPAN type III', linkType: 1, bytes: concat(eth('0800'), outerIpv4(47, concat(greHeader(0x10, 0x22eb), erspan3(false), ETH_V4))), v: 4, encapsulations: E.gre | E.erspan },
    { name: 'ERSPAN type III with the platform sub-header (O bit)', linkType: 1, bytes: concat(eth('0800'), outerIpv4(47, concat(greHeader(0x10, 0x22eb), erspan3(true), ETH_V6))), v: 6, encapsulations: E.gre | E.erspan },
    { name: 'VXLAN (UDP 4789)', linkType: 1, bytes: concat(eth('0800'), outerIpv4(17, concat(vxlanHeader(ETH_V4.length), ETH_V4))), v: 4, encapsulations: E.vxlan },
    { name: 'VXLAN over IPv6', linkType: 1, bytes: concat(eth('86dd'), outerIpv6(17, concat(vxlanHeader(ETH_V6.length), ETH_V6))), v: 6, encapsulations: E.vxlan },
    { name: 'IP in IP (protocol 4)', linkType: 1, bytes: concat(eth('0800'), outerIpv4(4, IPV4_TCP)), v: 4, encapsulations: E['ipv4-in-ip'] },
    { name: '6in4 (protocol 41)', linkType: 1, bytes: concat(eth('0800'), outerIpv4(41, IPV6_TCP)), v: 6, encapsulations: E['ipv6-in-ip'] },
    { name: 'IPv6 in IPv6', linkType: 101, bytes: outerIpv6(41, IPV6_TCP), v: 6, encapsulations: E['ipv6-in-ip'] },
    { name: 'IPv4 in IPv6', linkType: 229, bytes: outerIpv6(4, IPV4_TCP), v: 4, encapsulations: E['ipv4-in-ip'] },
    {
      name: 'nested: VLAN, MPLS, Ethernet, VLAN, IPv4, GRE, Ethernet, IPv4, TCP', linkType: 1,
      bytes: concat(eth('8100 0001 8847'), mplsLabel(30, true), hex('0000 0000'), eth('8100 0002 0800'), outerIpv4(47, concat(greHeader(0x20, 0x6558), ETH_V4))),
      v: 4, vlans: [], encapsulations: E.mpls | E.gre,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decode(c.linkType, c.bytes);
      expect(d.stop).toBeUndefined();
      expect(d.kind).toBe('tcp');
      expect(d.encapsulations).toBe(c.encapsulations);
      expect(d.vlans).toEqual(c.vlans ?? []);
      expect(d.ipVersion).toBe(c.v);
      expect([src(d), dst(d)]).toEqual(c.v === 4 ? ['192.0.2.1', '198.51.100.2'] : ['2001:db8::1', '2001:db8::2']);
      // The inner packet's header fields, not the tunnel's: TTL 64 and id 0x1234 (IPv6: none).
      expect([d.ipTtl, d.ipId]).toEqual([64, c.v === 4 ? 0x1234 : 0]);
      expect([d.srcPort, d.dstPort, d.seq, d.ack, d.flags]).toEqual([49152, 143, 0x01020304, 0xfffffffe, TcpFlag.PSH | TcpFlag.ACK]);
      expect([d.mss, d.windowScale]).toEqual([1460, 7]);
      expect(text(d)).toBe('a1 NOOP\r\n');
      expect([d.payloadLength, d.payloadWireLength]).toEqual([9, 9]);
    });
  }

  it('a plain frame after a tunnelled one: the encapsulation fields are reset', () => {
    const out = newDecoded();
    decodeFrame(frameOf(1, concat(eth('0800'), outerIpv4(4, IPV4_TCP))), out);
    expect(out.encapsulations).toBe(E['ipv4-in-ip']);
    decodeFrame(frameOf(1, ETH_V4), out);
    expect([out.kind, out.encapsulations, out.encapsulationDepth]).toEqual(['tcp', 0, 0]);
  });

  it('the counters say how many frames came through each encapsulation', () => {
    const ctx = createDecodeContext();
    const out = newDecoded();
    const frames = [
      concat(eth('0800'), outerIpv4(47, concat(greHeader(0x10, 0x88be), ERSPAN_II, ETH_V4))), // gre + erspan
      concat(eth('0800'), outerIpv4(47, concat(greHeader(0, 0x0800), IPV4_TCP))), // gre
      concat(eth('8847'), mplsLabel(16, true), IPV4_TCP), // mpls
      concat(eth('8847'), mplsLabel(16, true), hex('0000 0000'), eth('0800'), outerIpv4(4, IPV4_TCP)), // mpls + ipv4-in-ip
      concat(eth('0800'), outerIpv4(17, concat(vxlanHeader(8), hex('0000 0000 0000 0000')))), // vxlan (inner frame truncated: error)
      ETH_V4, // plain
      concat(eth('0800'), outerIpv4(17, hex('0035 0035 0008 0000'))), // plain UDP
    ];
    frames.forEach((bytes, i) => decodeFrame(frameOf(1, bytes, { index: i + 1 }), out, ctx));
    const s = ctx.counters.snapshot();
    expect(s).toMatchObject({ frames: 7, tcp: 5, other: 1, error: 1 });
    expect(s.encapsulated).toEqual({ mpls: 2, gre: 2, erspan: 1, vxlan: 1, 'ipv4-in-ip': 1 });
    expect(s.errors).toEqual({ 'link: ethernet header truncated': 1 });
  });

  it('a capture with no tunnel has no encapsulated counts at all (reports unchanged)', () => {
    const ctx = createDecodeContext();
    decodeFrame(frameOf(1, ETH_V4), newDecoded(), ctx);
    expect('encapsulated' in ctx.counters.snapshot()).toBe(false);
  });
});

describe('tunnels: UDP that is not VXLAN is an ordinary datagram', () => {
  it.each([
    ['UDP to 4789 without the VXLAN I flag', 1, concat(eth('0800'), outerIpv4(17, concat(vxlanHeader(ETH_V4.length, 0x00), ETH_V4)))],
    ['UDP to another port', 1, concat(eth('0800'), outerIpv4(17, concat(hex('c350 0035 0018 0000'), hex('0800 0000 1234 5600'), ETH_V4)))],
    ['IP in IP carrying UDP', 1, concat(eth('0800'), outerIpv4(4, hex('4500 001c 0001 0000 4011 0000 c000 0201 c633 6402', '0035 0035 0008 0000')))],
  ] as const)('%s', (_name, linkType, bytes) => {
    const d = decode(linkType, bytes);
    expect(d.stop).toBeUndefined();
    expect(d.kind).toBe('udp');
  });
});

describe('tunnels: payloads that are not ours are other', () => {
  it.each([
    ['PPPoE discovery (0x8863)', 1, concat(eth('8863'), hex('1109 0000 0004 0101 0000'))],
    ['PPPoE session carrying LCP (c021)', 1, concat(eth('8864'), pppoe('c021', hex('0101 0004')))],
    ['PPP link carrying IPCP (8021)', 9, hex('ff03 8021 0101 0004')],
    ['PPP HDLC link, unknown address byte', 50, concat(hex('1203 0021'), IPV4_TCP)],
    ['MPLS payload with first nibble 5', 1, concat(eth('8847'), mplsLabel(16, true), hex('5000 0000'))],
    ['GRE carrying an unknown protocol type', 1, concat(eth('0800'), outerIpv4(47, concat(greHeader(0, 0x1234), IPV4_TCP)))],
    ['GRE carrying ARP', 1, concat(eth('0800'), outerIpv4(47, concat(greHeader(0, 0x0806), hex('0001 0800 0604 0001'))))],
    ['GRE version 1 (PPTP)', 1, concat(eth('0800'), outerIpv4(47, concat(hex('3001 880b 0010 0001 0000 0001'), hex('ff03 0021'), IPV4_TCP)))],
    ['GRE with RFC 1701 routing (R bit)', 1, concat(eth('0800'), outerIpv4(47, concat(hex('4000 0800 0000 0000'), IPV4_TCP)))],
    ['ERSPAN type III frame type 2 (not Ethernet)', 1, concat(eth('0800'), outerIpv4(47, concat(greHeader(0x10, 0x22eb), erspan3(false, 2), IPV4_TCP)))],
    ['UDP header cut short (cannot be VXLAN)', 1, concat(eth('0800'), outerIpv4(17, hex('c350 12b5 00')))],
  ] as const)('%s', (_name, linkType, bytes) => {
    const d = decode(linkType, bytes);
    expect(d.stop).toBeUndefined();
    expect(d.kind).toBe('other');
  });
});

describe('tunnels: invalid headers and the depth limit', () => {
  it('a PPPoE session header with another version/type or code is an error', () => {
    const bytes = concat(eth('8864'), hex('1200 0042 0016 0021'), IPV4_TCP);
    expect(decode(1, bytes).stop).toEqual({ layer: 'pppoe', error: 'pppoe session header ver/type 18 code 0' });
    const padi = concat(eth('8864'), hex('1109 0000 0000'));
    expect(decode(1, padi).stop).toEqual({ layer: 'pppoe', error: 'pppoe session header ver/type 17 code 9' });
  });

  /** `n` IPv4-in-IPv4 headers around the TCP packet. */
  const ipip = (n: number) => {
    let packet = IPV4_TCP;
    for (let i = 0; i < n; i++) packet = outerIpv4(4, packet);
    return concat(eth('0800'), packet);
  };

  it('8 encapsulations decode; the 9th is an error', () => {
    const eight = decode(1, ipip(8));
    expect([eight.kind, eight.encapsulationDepth, text(eight)]).toEqual(['tcp', 8, 'a1 NOOP\r\n']);
    const nine = decode(1, ipip(9));
    expect([nine.kind, nine.stop]).toEqual(['error', { layer: 'ipv4', error: 'more than 8 encapsulations' }]);
  });

  it('the limit counts every kind of tunnel (GRE in MPLS in ... )', () => {
    // 4 × (MPLS pseudowire → Ethernet → IPv4 → GRE → Ethernet) = 8 encapsulations, then one more GRE.
    let frame = ETH_V4;
    for (let i = 0; i < 4; i++) frame = concat(eth('8847'), mplsLabel(16, true), hex('0000 0000'), eth('0800'), outerIpv4(47, concat(greHeader(0, 0x6558), frame)));
    const d = decode(1, frame);
    expect([d.kind, d.encapsulationDepth]).toEqual(['tcp', 8]);
    const deeper = decode(1, concat(eth('0800'), outerIpv4(47, concat(greHeader(0, 0x6558), frame))));
    // Entered outside in: GRE 1, MPLS 2, GRE 3, ... MPLS 8, and the innermost GRE is the 9th.
    expect(deeper.stop).toEqual({ layer: 'gre', error: 'more than 8 encapsulations' });
  });

  it('a long MPLS label stack is walked (bytes bound it, not a count)', () => {
    const labels = concat(...Array.from({ length: 20 }, (_, i) => mplsLabel(16 + i, false)), mplsLabel(99, true));
    const d = decode(1, concat(eth('8847'), labels, IPV4_TCP));
    expect([d.kind, d.encapsulationDepth, text(d)]).toEqual(['tcp', 1, 'a1 NOOP\r\n']);
  });

  it('an MPLS stack without bottom of stack runs out of bytes', () => {
    const d = decode(1, concat(eth('8847'), mplsLabel(16, false), mplsLabel(17, false)));
    expect(d.stop).toEqual({ layer: 'mpls', error: 'mpls label truncated' });
  });

  it('inner IP lengths are checked like outer ones', () => {
    // Inner IPv4 announcing 200 bytes inside a GRE packet that holds 61: not a snaplen cut.
    const inner = concat(hex('4500 00c8'), IPV4_TCP.subarray(4));
    const d = decode(1, concat(eth('0800'), outerIpv4(47, concat(greHeader(0, 0x0800), inner))));
    expect(d.stop).toEqual({ layer: 'ipv4', error: 'ipv4 total length 200 > captured 61' });
    expect(d.encapsulations).toBe(E.gre);
  });
});

describe('tunnels and IP fragments', () => {
  const segment = tcpSegment(new Uint8Array(Buffer.from('* OK tunnelled and fragmented\r\n')), 143, 40000);
  /** The inner IPv4 datagram 10.0.0.1 > 10.0.0.2 (id 0x7777) carrying `segment`, or a fragment of it. */
  const innerIpv4 = (payload: Uint8Array, offset = 0, more = false) => {
    const h = hex('4500 0000 7777 0000 4006 0000 0a00 0001 0a00 0002');
    const total = 20 + payload.length;
    const field = (more ? 0x2000 : 0) | (offset / 8);
    h[2] = total >> 8; h[3] = total & 255; h[6] = field >> 8; h[7] = field & 255;
    return concat(h, payload);
  };

  function run(frames: Uint8Array[]): Decoded[] {
    const ctx = createDecodeContext();
    const out = newDecoded();
    return frames.map((bytes, i) => {
      const d = decodeFrame(frameOf(1, bytes, { index: i + 1 }), out, ctx);
      return { ...d, vlans: [...d.vlans] };
    });
  }
  const payloadText = (d: Decoded) => Buffer.from(d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength)).toString('latin1');

  it('GRE over a fragmented outer IPv4 datagram: the rebuilt datagram is decoded through the tunnel', () => {
    const gre = concat(greHeader(0x20, 0x0800), innerIpv4(segment));
    const results = run([
      concat(eth('0800'), outerIpv4(47, gre.subarray(0, 24), { id: 0x55, offset: 0, more: true })),
      concat(eth('0800'), outerIpv4(47, gre.subarray(24), { id: 0x55, offset: 24 })),
    ]);
    expect(results.map((d) => d.kind)).toEqual(['fragment', 'tcp']);
    const d = results[1]!;
    expect([src(d), dst(d), d.srcPort, d.dstPort, d.encapsulations]).toEqual(['10.0.0.1', '10.0.0.2', 143, 40000, E.gre]);
    expect(payloadText(d)).toBe('* OK tunnelled and fragmented\r\n');
  });

  it('inner fragments inside IP in IP are reassembled', () => {
    const results = run([
      concat(eth('0800'), outerIpv4(4, innerIpv4(segment.subarray(0, 16), 0, true))),
      concat(eth('0800'), outerIpv4(4, innerIpv4(segment.subarray(16), 16))),
    ]);
    expect(results.map((d) => d.kind)).toEqual(['fragment', 'tcp']);
    expect(payloadText(results[1]!)).toBe('* OK tunnelled and fragmented\r\n');
  });

  it('an inner fragment completed by a rebuilt outer datagram (both layers fragmented)', () => {
    const part2 = concat(greHeader(0, 0x0800), innerIpv4(segment.subarray(16), 16));
    const results = run([
      concat(eth('0800'), outerIpv4(47, concat(greHeader(0, 0x0800), innerIpv4(segment.subarray(0, 16), 0, true)), { id: 1 })),
      concat(eth('0800'), outerIpv4(47, part2.subarray(0, 16), { id: 2, offset: 0, more: true })),
      concat(eth('0800'), outerIpv4(47, part2.subarray(16), { id: 2, offset: 16 })),
    ]);
    expect(results.map((d) => d.kind)).toEqual(['fragment', 'fragment', 'tcp']);
    const d = results[2]!;
    expect([src(d), d.srcPort, payloadText(d)]).toEqual(['10.0.0.1', 143, '* OK tunnelled and fragmented\r\n']);
  });
});
