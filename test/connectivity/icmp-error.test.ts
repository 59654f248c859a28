import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIcmpError, icmpName } from '../../src/connectivity/icmp-error.js';
import { decodeFrame } from '../../src/decode/decode-frame.js';
import { newDecoded } from '../../src/decode/decoded.js';
import { collector } from '../helpers/capture-builders.js';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import { frameOf } from '../decode/packets.js';

const hex = (...parts: string[]): Uint8Array => Uint8Array.from(Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex'));

/** The frames of a sample capture, decoded. */
function frames(name: string) {
  const sink = collector();
  const parser = new CaptureParser(sink);
  parser.push(readFileSync(fileURLToPath(new URL(`../../captures/${name}`, import.meta.url))));
  parser.end();
  return sink.frames.map((f) => decodeFrame(frameOf(f.linkType, Uint8Array.from(Buffer.from(f.hex, 'hex'))), newDecoded()));
}

describe('parseIcmpError on the real errors of captures/connectivity-three-failures.pcap (Linux iptables REJECT)', () => {
  const all = frames('connectivity-three-failures.pcap');

  it('frame 4: the firewall 10.19.1.1 answered the SYN to 10.19.2.3:143 with type 3 code 13', () => {
    const d = all[3]!;
    expect(d.kind).toBe('icmp');
    const e = parseIcmpError(d.buf, d.payloadOffset, d.payloadLength, 4, d.srcAddrOffset);
    expect(e).toMatchObject({ family: 4, type: 3, code: 13, cause: 'admin-prohibited', reporter: '10.19.1.1', src: '10.19.1.2', dst: '10.19.2.3', dstPort: 143, quotedLength: 60 });
    const syn = all[2]!;
    expect(e && 'seq' in e && e.seq).toBe(syn.seq);
    expect(e && 'srcPort' in e && e.srcPort).toBe(syn.srcPort);
  });

  it('frame 6: the server host 10.19.2.3 answered the SYN to 993 with port unreachable', () => {
    const d = all[5]!;
    const e = parseIcmpError(d.buf, d.payloadOffset, d.payloadLength, 4, d.srcAddrOffset);
    expect(e).toMatchObject({ type: 3, code: 3, cause: 'port-unreachable', reporter: '10.19.2.3', dst: '10.19.2.3', dstPort: 993 });
  });
});

describe('parseIcmpError', () => {
  // IPv4 header of the quoted SYN 192.0.2.1:50000 → 198.51.100.2:993, then its first 8 TCP bytes
  const QUOTED4 = hex('4500 003c 1234 4000 4006 0000 c000 0201 c633 6402', 'c350 03e1 0000 0001');
  const QUOTED6 = hex('6000 0000 0028 0640', '2001 0db8 0000 0000 0000 0000 0000 0001', '2001 0db8 0000 0000 0000 0000 0000 0002', 'c350 008f 0000 0002');
  const REPORTER = hex('cb00 7101');

  const v4 = (head: string, quoted = QUOTED4) => {
    const buf = new Uint8Array([...REPORTER, ...hex(head), ...quoted]);
    return parseIcmpError(buf, 4, buf.length - 4, 4, 0);
  };

  it.each([
    ['0300 0000 0000 0000', 'net-unreachable'],
    ['0301 0000 0000 0000', 'host-unreachable'],
    ['0302 0000 0000 0000', 'protocol-unreachable'],
    ['030a 0000 0000 0000', 'admin-prohibited'],
    ['0309 0000 0000 0000', 'admin-prohibited'],
    ['030e 0000 0000 0000', 'unreachable-other'],
    ['0b00 0000 0000 0000', 'time-exceeded'],
  ])('ICMP %s → %s', (head, cause) => {
    expect(v4(head)).toMatchObject({ cause, reporter: '203.0.113.1', src: '192.0.2.1', srcPort: 50000, dst: '198.51.100.2', dstPort: 993, seq: 1 });
  });

  it('fragmentation needed carries the next-hop MTU (RFC 1191)', () => {
    expect(v4('0304 0000 0000 0500')).toMatchObject({ cause: 'too-big', mtu: 1280 });
  });

  it('ICMPv6: packet too big (MTU), admin prohibited, port unreachable, time exceeded; extension headers in the quote are walked', () => {
    const reporter = hex('2001 0db8 0000 0000 0000 0000 0000 00fe');
    const v6 = (head: string, quoted = QUOTED6) => {
      const buf = new Uint8Array([...reporter, ...hex(head), ...quoted]);
      return parseIcmpError(buf, 16, buf.length - 16, 6, 0);
    };
    expect(v6('0200 0000 0000 0500')).toMatchObject({ family: 6, cause: 'too-big', mtu: 1280, dstPort: 143, reporter: '2001:db8::fe' });
    expect(v6('0101 0000 0000 0000')).toMatchObject({ cause: 'admin-prohibited', src: '2001:db8::1', dst: '2001:db8::2' });
    expect(v6('0104 0000 0000 0000')).toMatchObject({ cause: 'port-unreachable' });
    expect(v6('0300 0000 0000 0000')).toMatchObject({ cause: 'time-exceeded' });
    // next header 60 (destination options, 8 bytes) before TCP
    const withExt = hex('6000 0000 0030 3c40', '2001 0db8 0000 0000 0000 0000 0000 0001', '2001 0db8 0000 0000 0000 0000 0000 0002', '0600 0000 0000 0000', 'c350 008f 0000 0002');
    expect(v6('0104 0000 0000 0000', withExt)).toMatchObject({ cause: 'port-unreachable', dstPort: 143 });
    expect(icmpName({ family: 6, type: 1, code: 1 })).toBe('destination unreachable: communication administratively prohibited');
  });

  it('not an error, or an error quoting UDP or a non-first fragment: undefined', () => {
    expect(v4('0800 0000 0000 0000')).toBeUndefined(); // echo request
    expect(v4('0303 0000 0000 0000', hex('4500 003c 1234 4000 4011 0000 c000 0201 c633 6402', '0035 0035 0008 0000'))).toBeUndefined();
    expect(v4('0303 0000 0000 0000', hex('4500 003c 1234 2001 4006 0000 c000 0201 c633 6402', 'c350 03e1 0000 0001'))).toBeUndefined();
  });

  it('cut short or invalid: an error saying which, never a throw', () => {
    expect(v4('0303 0000 0000 0000', QUOTED4.subarray(0, 24))).toEqual({ error: 'icmp quoted tcp header truncated' });
    expect(v4('0303 0000 0000 0000', QUOTED4.subarray(0, 10))).toEqual({ error: 'icmp quoted ipv4 header truncated' });
    expect(v4('0303 0000 0000 0000', hex('6000 0000'))).toEqual({ error: 'icmp quotes ip version 6' });
    expect(v4('0303 0000 0000 0000', hex('4300 003c 1234 4000 4006 0000 c000 0201 c633 6402 c350 03e1 0000 0001'))).toEqual({ error: 'icmp quoted ipv4 header length 12 < 20' });
  });

  it('never throws on any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), fc.constantFrom<4 | 6>(4, 6), fc.integer({ min: 0, max: 130 }), (bytes, family, len) => {
      const r = parseIcmpError(bytes, 0, len, family, 0);
      expect(r === undefined || typeof r === 'object').toBe(true);
    }), { numRuns: 3000 });
  });
});
