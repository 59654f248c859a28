import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RawFrame } from '../../src/capture/frame.js';
import { createDecodeContext, decodeFrame } from '../../src/decode/decode-frame.js';
import { newDecoded, type Decoded } from '../../src/decode/decoded.js';
import {
  concat, eth, ETH_ADDRS, frameOf, greHeader, hex, ipv4Fragment, ipv6Fragment, IPV4_OPTS_TCP, IPV4_TCP, IPV6_EXT_TCP, IPV6_TCP, mplsLabel, outerIpv4,
  outerIpv6, pattern, tcpSegment, vxlanHeader,
} from './packets.js';

const LINK_TYPES = [0, 1, 9, 12, 14, 50, 51, 101, 104, 108, 113, 228, 229, 276, 147];

/** What must hold for any input: consistent kind/stop, and every offset inside its buffer. */
function checkInvariants(frame: RawFrame, d: Decoded): void {
  expect(['tcp', 'udp', 'icmp', 'other', 'fragment', 'error']).toContain(d.kind);
  expect(d.kind === 'error').toBe(d.stop !== undefined);
  expect(d.truncated).toBe(frame.capLen < frame.wireLen);
  const lo = d.buf === frame.buf ? frame.offset : 0;
  const hi = d.buf === frame.buf ? frame.offset + frame.capLen : d.buf.length;
  if (d.ipVersion !== 0) {
    expect(d.srcAddrOffset).toBeGreaterThanOrEqual(lo);
    expect(d.dstAddrOffset + d.addrLength).toBeLessThanOrEqual(hi);
  }
  if (d.kind === 'tcp' || d.kind === 'udp' || d.kind === 'icmp') {
    expect(d.payloadLength).toBeGreaterThanOrEqual(0);
    expect(d.payloadLength).toBeLessThanOrEqual(d.payloadWireLength);
    expect(d.payloadOffset).toBeGreaterThanOrEqual(lo);
    expect(d.payloadOffset + d.payloadLength).toBeLessThanOrEqual(hi);
    expect(d.seq).toBeGreaterThanOrEqual(0);
    expect(d.ack).toBeGreaterThanOrEqual(0);
  }
}

describe('contract: random bytes never throw', () => {
  it('random bytes on every link type, any snaplen cut', () => {
    const ctx = createDecodeContext({ fragmentLimits: { maxDatagrams: 8, maxBufferBytes: 4096 } });
    const out = newDecoded();
    fc.assert(
      fc.property(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 160 }), fc.nat(160), fc.nat(100), (lt, bytes, cap, extra) => {
        const capLen = Math.min(cap, bytes.length);
        const f = frameOf(lt, bytes, { capLen, wireLen: capLen + extra });
        checkInvariants(f, decodeFrame(f, out, ctx));
      }),
      { numRuns: 3000 },
    );
  });

  const VALID: Array<[number, Uint8Array]> = [
    [1, concat(ETH_ADDRS, hex('8100 0064 0800'), IPV4_TCP)],
    [1, concat(ETH_ADDRS, hex('86dd'), IPV6_EXT_TCP)],
    [113, concat(hex('0000 0001 0006 6677 8899 aabb 0000 86dd'), IPV6_TCP)],
    [276, concat(hex('0800 0000 0000 0002 0001 00 06 6677 8899 aabb 0000'), IPV4_OPTS_TCP)],
    [0, concat(hex('0200 0000'), IPV4_TCP)],
    [108, concat(hex('0000 001e'), IPV6_TCP)],
    [101, ipv4Fragment(tcpSegment(pattern(40)), 0, 32, true)],
    [229, ipv6Fragment(tcpSegment(pattern(40)), 8, 16, true)],
    // Tunnels: random edits reach their flags, label stacks and nested headers.
    [1, concat(eth('8100 0001 8847'), mplsLabel(16, false), mplsLabel(17, true), hex('0000 0000'), eth('0800'), outerIpv4(47, concat(greHeader(0x30, 0x6558), eth('0800'), IPV4_TCP)))],
    [1, concat(eth('0800'), outerIpv4(47, concat(greHeader(0x10, 0x22eb), hex('2000 0001 0000 0000 0000 0001 0000 0000 0000 0000'), eth('86dd'), IPV6_TCP)))],
    [1, concat(eth('0800'), outerIpv4(47, concat(greHeader(0x10, 0x88be), hex('1000 0001 0000 0000'), eth('0800'), IPV4_TCP)))],
    [1, concat(eth('8864'), hex('1100 0001 003f 0021'), IPV4_TCP)],
    [1, concat(eth('0800'), outerIpv4(17, concat(vxlanHeader(75), eth('0800'), IPV4_TCP)))],
    [229, outerIpv6(41, outerIpv6(4, outerIpv4(4, IPV4_TCP)))],
    [228, outerIpv4(4, ipv4Fragment(tcpSegment(pattern(40)), 0, 32, true))],
  ];

  it('valid packets with random bytes overwritten (reaches the deep layers)', () => {
    const ctx = createDecodeContext({ fragmentLimits: { maxDatagrams: 8, maxBufferBytes: 4096 } });
    const out = newDecoded();
    fc.assert(
      fc.property(
        fc.constantFrom(...VALID),
        fc.array(fc.tuple(fc.nat(220), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        ([lt, base], edits, cut) => {
          const bytes = base.slice();
          for (const [pos, value] of edits) if (pos < bytes.length) bytes[pos] = value;
          const capLen = cut ? Math.min(bytes.length, edits[0]![0]) : bytes.length;
          const f = frameOf(lt, bytes, { capLen, wireLen: bytes.length });
          checkInvariants(f, decodeFrame(f, out, ctx));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('random fragment sequences: no throw, and a completed datagram is exactly the original', () => {
    const body = pattern(200, 3);
    const dgram = tcpSegment(body);
    const fragArb = fc.record({
      start: fc.nat(27), // in 8-byte units
      units: fc.integer({ min: 1, max: 28 }),
      v6: fc.boolean(),
      ts: fc.nat(40),
    });
    fc.assert(
      fc.property(fc.array(fragArb, { maxLength: 12 }), (frags) => {
        const ctx = createDecodeContext({ fragmentLimits: { maxDatagrams: 2, maxBufferBytes: 300 } });
        const out = newDecoded();
        for (const fr of frags) {
          const offset = fr.start * 8;
          const length = Math.min(fr.units * 8, dgram.length - offset);
          const more = offset + length < dgram.length;
          const bytes = fr.v6 ? ipv6Fragment(dgram, offset, length, more) : ipv4Fragment(dgram, offset, length, more);
          const f = frameOf(fr.v6 ? 229 : 228, bytes, { tsSec: 1_700_000_000 + fr.ts });
          const d = decodeFrame(f, out, ctx);
          checkInvariants(f, d);
          if (d.kind === 'tcp') {
            expect(Buffer.from(d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength)).equals(Buffer.from(body))).toBe(true);
          } else {
            expect(d.kind === 'fragment' || d.kind === 'error').toBe(true);
          }
        }
        expect(ctx.fragments!.buffered).toBeGreaterThanOrEqual(0);
        expect(ctx.fragments!.buffered).toBeLessThanOrEqual(300);
        expect(ctx.fragments!.inProgress).toBeLessThanOrEqual(2);
      }),
      { numRuns: 2000 },
    );
  });

  it('a frame whose capLen runs past its buffer is clamped, not read out of bounds', () => {
    const f = frameOf(1, concat(ETH_ADDRS, hex('0800'), IPV4_TCP));
    f.capLen = f.buf.length + 100;
    f.wireLen = f.capLen;
    const d = decodeFrame(f, newDecoded());
    // the IP total length still bounds the segment inside the buffer
    expect([d.kind, d.payloadLength, d.payloadOffset + d.payloadLength <= f.buf.length]).toEqual(['tcp', 9, true]);
    const long = frameOf(228, concat(hex('4500 00c8'), IPV4_TCP.subarray(4))); // total length 200
    long.capLen = long.wireLen = 1000;
    expect(decodeFrame(long, newDecoded()).stop).toEqual({ layer: 'ipv4', error: 'ipv4 total length 200 > captured 66' });
    f.offset = f.buf.length + 5;
    expect(decodeFrame(f, newDecoded()).stop).toEqual({ layer: 'link', error: 'frame outside its buffer' });
  });
});
