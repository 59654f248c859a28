import { describe, expect, it } from 'vitest';
import { createDecodeContext, decodeFrame } from '../../src/decode/decode-frame.js';
import { newDecoded, TcpFlag, type Decoded } from '../../src/decode/decoded.js';
import { formatAddress } from '../../src/decode/format-address.js';
import {
  concat, ETH_ADDRS, ETH_PADDED_ACK, frameOf, hex, IPV4_OPTS_TCP, IPV4_TCP, IPV6_EXT_TCP, IPV6_TCP, PAYLOAD, TCP_V4, TCP_V6,
} from './packets.js';

const text = (d: Decoded) => Buffer.from(d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength)).toString('latin1');
const src = (d: Decoded) => formatAddress(d.buf, d.srcAddrOffset, d.addrLength as 4 | 16);
const dst = (d: Decoded) => formatAddress(d.buf, d.dstAddrOffset, d.addrLength as 4 | 16);

function decode(linkType: number, bytes: Uint8Array, opts?: Parameters<typeof frameOf>[2]): Decoded {
  return decodeFrame(frameOf(linkType, bytes, opts), newDecoded());
}

describe('decodeFrame: link types and encapsulations', () => {
  const cases: Array<{ name: string; linkType: number; bytes: Uint8Array; v: 4 | 6; vlans?: number[] }> = [
    // 0011 2233 4455 6677 8899 aabb 0800 | IPv4 | TCP
    { name: 'Ethernet IPv4', linkType: 1, bytes: concat(ETH_ADDRS, hex('0800'), IPV4_TCP), v: 4 },
    // 0011 2233 4455 6677 8899 aabb 86dd | IPv6 | TCP
    { name: 'Ethernet IPv6', linkType: 1, bytes: concat(ETH_ADDRS, hex('86dd'), IPV6_TCP), v: 6 },
    // ... 8100 0064 (VLAN 100) 0800 | IPv4
    { name: 'Ethernet 802.1Q', linkType: 1, bytes: concat(ETH_ADDRS, hex('8100 0064 0800'), IPV4_TCP), v: 4, vlans: [100] },
    // ... 88a8 00c8 (S-tag 200) 8100 2064 (C-tag 100, PCP 1) 0800 | IPv4
    { name: 'Ethernet QinQ', linkType: 1, bytes: concat(ETH_ADDRS, hex('88a8 00c8 8100 2064 0800'), IPV4_TCP), v: 4, vlans: [200, 100] },
    // ... 9100 0fff (old QinQ, VLAN 4095) 86dd | IPv6
    { name: 'Ethernet 0x9100 tag', linkType: 1, bytes: concat(ETH_ADDRS, hex('9100 0fff 86dd'), IPV6_TCP), v: 6, vlans: [4095] },
    // SLL: pkttype 0000 (to us), hatype 0001, halen 0006, addr 6677 8899 aabb 0000, protocol 0800
    { name: 'Linux SLL', linkType: 113, bytes: concat(hex('0000 0001 0006 6677 8899 aabb 0000 0800'), IPV4_TCP), v: 4 },
    // SLL with a VLAN tag in the payload: protocol 8100, tag 0005, 86dd
    { name: 'Linux SLL + VLAN', linkType: 113, bytes: concat(hex('0000 0001 0006 6677 8899 aabb 0000 8100 0005 86dd'), IPV6_TCP), v: 6, vlans: [5] },
    // SLL2: protocol 0800, reserved 0000, ifindex 0000 0002, hatype 0001, pkttype 00, halen 06, addr
    { name: 'Linux SLL2', linkType: 276, bytes: concat(hex('0800 0000 0000 0002 0001 00 06 6677 8899 aabb 0000'), IPV4_TCP), v: 4 },
    // NULL, family 2 written little-endian: 0200 0000
    { name: 'BSD NULL little-endian', linkType: 0, bytes: concat(hex('0200 0000'), IPV4_TCP), v: 4 },
    // NULL, family 2 written big-endian: 0000 0002
    { name: 'BSD NULL big-endian', linkType: 0, bytes: concat(hex('0000 0002'), IPV4_TCP), v: 4 },
    // NULL, AF_INET6 Darwin 30 (1e00 0000), FreeBSD 28 (big-endian 0000 001c), BSD 24 (1800 0000)
    { name: 'BSD NULL IPv6 (Darwin 30)', linkType: 0, bytes: concat(hex('1e00 0000'), IPV6_TCP), v: 6 },
    { name: 'BSD NULL IPv6 (FreeBSD 28, BE)', linkType: 0, bytes: concat(hex('0000 001c'), IPV6_TCP), v: 6 },
    { name: 'BSD NULL IPv6 (BSD 24)', linkType: 0, bytes: concat(hex('1800 0000'), IPV6_TCP), v: 6 },
    // LOOP: family in network order 0000 0002
    { name: 'OpenBSD LOOP', linkType: 108, bytes: concat(hex('0000 0002'), IPV4_TCP), v: 4 },
    { name: 'RAW 101 IPv4', linkType: 101, bytes: IPV4_TCP, v: 4 },
    { name: 'RAW 101 IPv6', linkType: 101, bytes: IPV6_TCP, v: 6 },
    { name: 'RAW 12', linkType: 12, bytes: IPV4_TCP, v: 4 },
    { name: 'RAW 14', linkType: 14, bytes: IPV6_TCP, v: 6 },
    { name: 'IPV4 228', linkType: 228, bytes: IPV4_TCP, v: 4 },
    { name: 'IPV6 229', linkType: 229, bytes: IPV6_TCP, v: 6 },
    // IPv4 IHL 6 with router alert 9404 0000: options skipped
    { name: 'IPv4 with options', linkType: 228, bytes: IPV4_OPTS_TCP, v: 4 },
    // IPv6 + hop-by-hop 3c00 0104 0000 0000 + destination options 0600 0104 0000 0000
    { name: 'IPv6 hop-by-hop + destination options', linkType: 229, bytes: IPV6_EXT_TCP, v: 6 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decode(c.linkType, c.bytes);
      expect(d.kind).toBe('tcp');
      expect(d.stop).toBeUndefined();
      expect(d.truncated).toBe(false);
      expect(d.linkType).toBe(c.linkType);
      expect(d.vlans).toEqual(c.vlans ?? []);
      expect(d.ipVersion).toBe(c.v);
      expect(d.addrLength).toBe(c.v === 4 ? 4 : 16);
      expect([src(d), dst(d)]).toEqual(c.v === 4 ? ['192.0.2.1', '198.51.100.2'] : ['2001:db8::1', '2001:db8::2']);
      expect(d.ipTtl).toBe(64);
      expect(d.ipId).toBe(c.v === 4 ? 0x1234 : 0);
      expect([d.srcPort, d.dstPort]).toEqual([49152, 143]);
      expect(d.seq).toBe(0x01020304);
      expect(d.ack).toBe(0xfffffffe);
      expect(d.flags).toBe(TcpFlag.PSH | TcpFlag.ACK);
      expect(d.window).toBe(65535);
      expect([d.mss, d.windowScale]).toEqual([1460, 7]);
      expect(text(d)).toBe('a1 NOOP\r\n');
      expect([d.payloadLength, d.payloadWireLength]).toEqual([9, 9]);
    });
  }

  it('trims Ethernet padding: the IP total length bounds the segment', () => {
    // 60-byte frame: IPv4 total length 40 (20 + 20, no payload) + "PADPAD"
    const d = decode(1, ETH_PADDED_ACK);
    expect(d.kind).toBe('tcp');
    expect(d.flags).toBe(TcpFlag.ACK);
    expect([d.payloadLength, d.payloadWireLength]).toEqual([0, 0]);
    expect(d.payloadOffset).toBe(7 + 54);
    expect([d.mss, d.windowScale]).toEqual([-1, -1]);
  });

  it('trims trailing bytes after a raw IPv6 packet too', () => {
    const d = decode(229, concat(IPV6_TCP, hex('dead beef')));
    expect([d.kind, d.payloadLength, text(d)]).toEqual(['tcp', 9, 'a1 NOOP\r\n']);
  });

  it('reuses the output object and resets every field', () => {
    const out = newDecoded();
    decodeFrame(frameOf(1, concat(ETH_ADDRS, hex('8100 0064 0800'), IPV4_TCP)), out);
    const again = decodeFrame(frameOf(1, concat(ETH_ADDRS, hex('0806'), hex('0001 0800 0604 0001'))), out); // ARP
    expect(again).toBe(out);
    expect(out).toMatchObject({ kind: 'other', vlans: [], ipVersion: 0, srcPort: 0, seq: 0, mss: -1, windowScale: -1, payloadLength: 0, stop: undefined });
  });
});

describe('decodeFrame: not TCP', () => {
  it.each([
    ['ARP', 1, concat(ETH_ADDRS, hex('0806 0001 0800 0604 0001'))],
    ['802.3 length field (LLC)', 1, concat(ETH_ADDRS, hex('0026 4242 0300 0000'))],
    ['NULL with an unknown family', 0, concat(hex('0700 0000'), IPV4_TCP)],
    // IPv6 next header 50 (ESP): stops there
    ['ESP over IPv6', 229, hex('6000 0000 0008 3240', '2001 0db8 0000 0000 0000 0000 0000 0001', '2001 0db8 0000 0000 0000 0000 0000 0002', '0000 0001 0000 0001')],
    // IPv6 next header 59 (no next header)
    ['IPv6 no next header', 229, hex('6000 0000 0000 3b40', '2001 0db8 0000 0000 0000 0000 0000 0001', '2001 0db8 0000 0000 0000 0000 0000 0002')],
  ] as const)('%s → other', (_name, linkType, bytes) => {
    const d = decode(linkType, bytes);
    expect(d.kind).toBe('other');
    expect(d.stop).toBeUndefined();
  });

  it('UDP over IPv4 → udp, with its ports and payload (Ethernet padding and all beyond the IP length left out)', () => {
    // IPv4 protocol 17, total length 0x1e: UDP 53 → 53, length 10, 2 payload bytes, then 2 bytes of padding
    const d = decode(228, hex('4500 001e 0001 0000 4011 0000 c000 0201 c633 6402', '0035 0035 000a 0000', 'abcd', 'eeee'));
    expect(d.kind).toBe('udp');
    expect([d.srcPort, d.dstPort, d.payloadLength, d.payloadWireLength]).toEqual([53, 53, 2, 2]);
    expect(Array.from(d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength))).toEqual([0xab, 0xcd]);
  });

  it('UDP shorter than its header → other, not an error', () => {
    expect(decode(228, hex('4500 001a 0001 0000 4011 0000 c000 0201 c633 6402', '0035 0035 0006')).kind).toBe('other');
  });

  it('ICMPv6 after hop-by-hop → icmp, the message from its type byte', () => {
    const d = decode(229, hex('6000 0000 000c 0040', '2001 0db8 0000 0000 0000 0000 0000 0001', '2001 0db8 0000 0000 0000 0000 0000 0002', '3a00 0104 0000 0000', '8000 0000'));
    expect(d.kind).toBe('icmp');
    expect(d.ipVersion).toBe(6);
    expect([d.buf[d.payloadOffset], d.payloadLength]).toEqual([0x80, 4]);
  });

  it('ICMP over IPv4 → icmp; ICMPv6 inside IPv4 (protocol 58) and ICMP inside IPv6 (1) are not ICMP', () => {
    const d = decode(228, hex('4500 0020 0001 0000 4001 0000 c000 0201 c633 6402', '0303 0000 0000 0000', '4500 001c'));
    expect(d.kind).toBe('icmp');
    expect([d.ipVersion, d.buf[d.payloadOffset], d.buf[d.payloadOffset + 1], d.payloadLength]).toEqual([4, 3, 3, 12]);
    expect(decode(228, hex('4500 0020 0001 0000 403a 0000 c000 0201 c633 6402', '0303 0000 0000 0000', '4500 001c')).kind).toBe('other');
    expect(decode(229, hex('6000 0000 0004 0140', '2001 0db8 0000 0000 0000 0000 0000 0001', '2001 0db8 0000 0000 0000 0000 0000 0002', '8000 0000')).kind).toBe('other');
  });

  it('UDP and ICMP frames are counted as other (decode statistics unchanged)', () => {
    const ctx = createDecodeContext();
    decodeFrame(frameOf(228, hex('4500 001c 0001 0000 4011 0000 c000 0201 c633 6402', '0035 0035 0008 0000')), newDecoded(), ctx);
    decodeFrame(frameOf(228, hex('4500 0020 0001 0000 4001 0000 c000 0201 c633 6402', '0303 0000 0000 0000', '4500 001c')), newDecoded(), ctx);
    expect(ctx.counters.snapshot()).toMatchObject({ frames: 2, other: 2, tcp: 0, error: 0 });
  });

  it('walks AH and routing headers before TCP', () => {
    // next 43 (routing, len 0: 8 bytes) → 51 (AH, payload len 4: (4+2)*4 = 24 bytes) → TCP
    const bytes = concat(
      hex('6000 0000 0049 2b40', '2001 0db8 0000 0000 0000 0000 0000 0001', '2001 0db8 0000 0000 0000 0000 0000 0002'),
      hex('3300 0000 0000 0000'),
      hex('0604 0000 0000 0001 0000 0001', '0000 0000 0000 0000 0000 0000'),
      TCP_V4,
    );
    const d = decode(229, bytes);
    expect([d.kind, d.srcPort, text(d)]).toEqual(['tcp', 49152, 'a1 NOOP\r\n']);
  });

  it('treats an atomic IPv6 fragment (offset 0, M clear) as a whole packet', () => {
    const bytes = concat(
      hex('6000 0000 0031 2c40', '2001 0db8 0000 0000 0000 0000 0000 0001', '2001 0db8 0000 0000 0000 0000 0000 0002'),
      hex('0600 0000 dead beef'),
      TCP_V4,
    );
    const d = decodeFrame(frameOf(229, bytes), newDecoded(), createDecodeContext());
    expect([d.kind, text(d)]).toEqual(['tcp', 'a1 NOOP\r\n']);
  });
});

describe('decodeFrame: invalid bytes are errors with a layer and a stable reason', () => {
  const v4 = (first: string, rest = '') => hex(first, rest);
  it.each([
    ['unknown link type', 147, IPV4_TCP, 'link', 'unknown link type 147'],
    ['raw with IP version 5', 101, hex('5500 0014'), 'link', 'raw ip version 5'],
    ['IPv4 link type, version 6 inside', 228, IPV6_TCP, 'ipv4', 'ipv4 version 6'],
    ['IPv6 link type, version 4 inside', 229, concat(IPV4_TCP, new Uint8Array(20)), 'ipv6', 'ipv6 version 4'],
    // 4300 ...: IHL 3
    ['IPv4 IHL 3', 228, concat(v4('4300 003d 1234 4000 4006 0000 c000 0201 c633 6402'), TCP_V4), 'ipv4', 'ipv4 header length 3 < 5'],
    // IHL 5 but total length 16
    ['IPv4 total length < header', 228, concat(v4('4500 0010 1234 4000 4006 0000 c000 0201 c633 6402'), TCP_V4), 'ipv4', 'ipv4 header length 20 > total length 16'],
    // total length 200 but 61 bytes captured and not cut by a snaplen
    ['IPv4 total length > captured', 228, concat(v4('4500 00c8 1234 4000 4006 0000 c000 0201 c633 6402'), TCP_V4), 'ipv4', 'ipv4 total length 200 > captured 61'],
    ['IPv6 payload length > captured', 229, concat(hex('6000 0000 0100 0640', '2001 0db8 0000 0000 0000 0000 0000 0001', '2001 0db8 0000 0000 0000 0000 0000 0002'), TCP_V6), 'ipv6', 'ipv6 payload length 256 > captured 41'],
    // hop-by-hop claims len 5 (48 bytes) but the payload length is 8
    ['IPv6 extension header beyond payload', 229, hex('6000 0000 0008 0040', '2001 0db8 0000 0000 0000 0000 0000 0001', '2001 0db8 0000 0000 0000 0000 0000 0002', '0605 0000 0000 0000'), 'ipv6', 'ipv6 extension header beyond payload length'],
    // TCP data offset 4: byte 12 of the segment 40
    ['TCP data offset 4', 228, concat(IPV4_TCP.subarray(0, 32), hex('40'), IPV4_TCP.subarray(33)), 'tcp', 'tcp data offset 4 < 5'],
    // TCP data offset 15 (60 bytes) but the segment is 41 bytes
    ['TCP data offset beyond segment', 228, concat(IPV4_TCP.subarray(0, 32), hex('f0'), IPV4_TCP.subarray(33)), 'tcp', 'tcp header length 60 > segment length 41'],
    // IPv4 total length 30: a 10-byte "segment"
    ['TCP segment shorter than a header', 228, concat(v4('4500 001e 1234 4000 4006 0000 c000 0201 c633 6402'), TCP_V4.subarray(0, 10)), 'tcp', 'tcp segment length 10 < 20'],
    ['more than 8 VLAN tags', 1, concat(ETH_ADDRS, hex('8100 0001'.repeat(9)), hex('0800'), IPV4_TCP), 'link', 'more than 8 vlan tags'],
  ] as const)('%s', (_name, linkType, bytes, layer, error) => {
    const d = decode(linkType, bytes);
    expect(d.kind).toBe('error');
    expect(d.truncated).toBe(false);
    expect(d.stop).toEqual({ layer, error });
  });

  it('keeps the layers that decoded before the error', () => {
    const d = decode(228, concat(IPV4_TCP.subarray(0, 32), hex('40'), IPV4_TCP.subarray(33)));
    expect([src(d), d.srcPort, d.seq]).toEqual(['192.0.2.1', 49152, 0x01020304]);
  });

  it('too many IPv6 extension headers', () => {
    const ext = hex('0000 0104 0000 0000'.repeat(16), '3b00 0104 0000 0000');
    const ip = hex('6000 0000 0088 0040', '2001 0db8 0000 0000 0000 0000 0000 0001', '2001 0db8 0000 0000 0000 0000 0000 0002');
    const d = decode(229, concat(ip, ext));
    expect(d.stop).toEqual({ layer: 'ipv6', error: 'more than 16 ipv6 extension headers' });
  });
});

describe('decodeFrame: tolerated oddities', () => {
  it('malformed TCP options stop option parsing, not the packet', () => {
    // options: MSS 1460, then kind 3 with length 0 (invalid), then what would be WS 7
    const seg = concat(TCP_V4.subarray(0, 20), hex('0204 05b4 0300 0303 0700 0000'), PAYLOAD);
    const d = decode(228, concat(hex('4500 003d 1234 4000 4006 0000 c000 0201 c633 6402'), seg));
    expect([d.kind, d.mss, d.windowScale, text(d)]).toEqual(['tcp', 1460, -1, 'a1 NOOP\r\n']);
  });

  it('an option running past the header ends parsing', () => {
    // NOP NOP, then window scale with length 9 in 12 bytes of options
    const seg = concat(TCP_V4.subarray(0, 20), hex('0101 0309 0700 0000 0204 05b4'), PAYLOAD);
    const d = decode(228, concat(hex('4500 003d 1234 4000 4006 0000 c000 0201 c633 6402'), seg));
    expect([d.kind, d.mss, d.windowScale]).toEqual(['tcp', -1, -1]);
  });

  it('IPv4 total length 0 (segmentation offload) uses the captured length and says so', () => {
    const ctx = createDecodeContext();
    const d = decodeFrame(frameOf(228, concat(hex('4500 0000'), IPV4_TCP.subarray(4))), newDecoded(), ctx);
    expect([d.kind, d.payloadLength, d.payloadWireLength]).toEqual(['tcp', 9, 9]);
    expect(ctx.counters.snapshot().notices).toEqual({ 'ipv4 total length 0 (segmentation offload): captured length used': 1 });
  });

  it('counts kinds, errors (numbers folded) and keeps the first error frames', () => {
    const ctx = createDecodeContext();
    const out = newDecoded();
    decodeFrame(frameOf(1, concat(ETH_ADDRS, hex('0800'), IPV4_TCP), { index: 1 }), out, ctx);
    decodeFrame(frameOf(147, IPV4_TCP, { index: 2 }), out, ctx);
    decodeFrame(frameOf(148, IPV4_TCP, { index: 3 }), out, ctx);
    decodeFrame(frameOf(1, concat(ETH_ADDRS, hex('0806 0001')), { index: 4 }), out, ctx);
    decodeFrame(frameOf(1, concat(ETH_ADDRS, hex('0800'), IPV4_TCP), { index: 5, capLen: 40, wireLen: 75 }), out, ctx);
    const s = ctx.counters.snapshot();
    expect(s).toMatchObject({ frames: 5, tcp: 1, other: 1, fragment: 0, error: 3, truncated: 1 });
    expect(s.errors).toEqual({ 'link: unknown link type N': 2, 'tcp: tcp header truncated': 1 });
    expect(s.errorExamples).toEqual([
      { frame: 2, layer: 'link', error: 'unknown link type 147', truncated: false },
      { frame: 3, layer: 'link', error: 'unknown link type 148', truncated: false },
      { frame: 5, layer: 'tcp', error: 'tcp header truncated', truncated: true },
    ]);
  });
});
