import { describe, expect, it } from 'vitest';
import { createDecodeContext, decodeFrame } from '../../src/decode/decode-frame.js';
import { newDecoded, type Decoded } from '../../src/decode/decoded.js';
import { formatAddress } from '../../src/decode/format-address.js';
import type { FragmentLimits } from '../../src/decode/limits.js';
import { concat, ETH_ADDRS, frameOf, hex, ipv4Fragment, ipv6Fragment, pattern, tcpSegment } from './packets.js';

const T0 = 1_700_000_000;

function run(frames: Array<{ linkType: number; bytes: Uint8Array; tsSec?: number; capLen?: number; wireLen?: number }>, limits?: Partial<FragmentLimits>) {
  const ctx = createDecodeContext(limits ? { fragmentLimits: limits } : undefined);
  const out = newDecoded();
  const results: Array<{ kind: Decoded['kind']; error?: string; payload?: Uint8Array; src?: string; ports?: number[]; wire?: number; ipId?: number }> = [];
  frames.forEach((f, i) => {
    const d = decodeFrame(frameOf(f.linkType, f.bytes, { index: i + 1, tsSec: f.tsSec ?? T0, capLen: f.capLen, wireLen: f.wireLen }), out, ctx);
    if (d.kind === 'tcp') {
      expect(d.buf).toBe(ctx.fragments!.output);
      results.push({
        kind: d.kind,
        payload: d.buf.slice(d.payloadOffset, d.payloadOffset + d.payloadLength),
        src: formatAddress(d.buf, d.srcAddrOffset, d.addrLength as 4 | 16),
        ports: [d.srcPort, d.dstPort],
        wire: d.payloadWireLength,
        ipId: d.ipId,
      });
    } else {
      results.push(d.stop ? { kind: d.kind, error: d.stop.error } : { kind: d.kind });
    }
  });
  return { results, ctx };
}

// The datagram payload: a TCP header (40000 > 110) and 60 pattern bytes = 80 bytes.
const BODY = pattern(60);
const DGRAM = tcpSegment(BODY);
const v4 = (offset: number, length: number, more: boolean, extra: { id?: number; src?: number } = {}) =>
  ({ linkType: 228, bytes: ipv4Fragment(DGRAM, offset, length, more, extra.id, extra.src) });
const COMPLETE_V4 = { kind: 'tcp', payload: BODY, src: '10.0.0.1', ports: [40000, 110], wire: 60, ipId: 0x4242 };

describe('IPv4 fragment reassembly', () => {
  it('in order: fragments, then the rebuilt TCP segment', () => {
    const { results, ctx } = run([v4(0, 24, true), v4(24, 24, true), v4(48, 32, false)]);
    expect(results).toEqual([{ kind: 'fragment' }, { kind: 'fragment' }, COMPLETE_V4]);
    expect(ctx.counters.snapshot()).toMatchObject({ fragment: 2, tcp: 1, reassembled: 1, notices: {} });
    expect(ctx.fragments!.inProgress).toBe(0);
    expect(ctx.fragments!.buffered).toBe(0);
  });

  it('out of order: last, first, middle', () => {
    const { results } = run([v4(48, 32, false), v4(0, 24, true), v4(24, 24, true)]);
    expect(results).toEqual([{ kind: 'fragment' }, { kind: 'fragment' }, COMPLETE_V4]);
  });

  it('over Ethernet with padding after a short last fragment', () => {
    // last fragment: 20-byte IP header + 8 bytes, padded to the 60-byte minimum with "PAD..."
    const eth = (b: Uint8Array) => concat(ETH_ADDRS, hex('0800'), b);
    const last = concat(eth(ipv4Fragment(DGRAM, 72, 8, false)), new Uint8Array(18).fill(0x50));
    const { results } = run([
      { linkType: 1, bytes: eth(ipv4Fragment(DGRAM, 0, 72, true)) },
      { linkType: 1, bytes: last },
    ]);
    expect(results[1]).toEqual(COMPLETE_V4);
  });

  it('identical overlaps (retransmitted fragments) are accepted', () => {
    const { results, ctx } = run([v4(0, 32, true), v4(0, 32, true), v4(16, 40, true), v4(48, 32, false)]);
    expect(results.map((r) => r.kind)).toEqual(['fragment', 'fragment', 'fragment', 'tcp']);
    expect(results[3]).toEqual(COMPLETE_V4);
    expect(ctx.counters.snapshot().notices).toEqual({ 'fragment duplicate': 1 });
  });

  it('overlaps with different bytes drop the whole datagram', () => {
    const forged = ipv4Fragment(DGRAM, 16, 32, true);
    forged[20 + 3] ^= 0xff; // datagram byte 19: inside the overlap [16, 24) with the first fragment
    const { results, ctx } = run([v4(0, 24, true), { linkType: 228, bytes: forged }, v4(48, 32, false), v4(24, 24, true)]);
    expect(results).toEqual([
      { kind: 'fragment' },
      { kind: 'error', error: 'ipv4 fragment overlap conflict' },
      { kind: 'fragment' },
      { kind: 'fragment' },
    ]);
    expect(ctx.counters.snapshot().notices).toEqual({ 'fragment overlap conflict: datagram dropped': 1, 'fragment of a dropped datagram': 2 });
  });

  it('two last fragments that disagree about the end are a conflict', () => {
    const { results } = run([v4(48, 32, false), v4(8, 48, false)]); // ends 80 and 56
    expect(results[1]).toEqual({ kind: 'error', error: 'ipv4 fragment overlap conflict' });
  });

  it('fragments of different sources with the same id do not mix', () => {
    const { results } = run([v4(0, 48, true, { src: 1 }), v4(48, 32, false, { src: 9 }), v4(48, 32, false, { src: 1 })]);
    expect(results.map((r) => r.kind)).toEqual(['fragment', 'fragment', 'tcp']);
  });

  it('a fragment ending beyond 65535 bytes is invalid', () => {
    const big = concat(DGRAM, new Uint8Array(65_600));
    const { results } = run([{ linkType: 228, bytes: ipv4Fragment(big, 65_528, 16, false) }]);
    expect(results).toEqual([{ kind: 'error', error: 'ipv4 fragment beyond 65535 bytes' }]);
  });

  it('a non-last fragment whose length is not a multiple of 8 is invalid', () => {
    const { results } = run([v4(0, 20, true)]);
    expect(results).toEqual([{ kind: 'error', error: 'ipv4 fragment length not a multiple of 8' }]);
  });

  it('without a reassembler fragments stay fragments', () => {
    const ctx = createDecodeContext({ reassemble: false });
    const out = newDecoded();
    const kinds = [v4(0, 24, true), v4(24, 56, false)].map((f) => decodeFrame(frameOf(228, f.bytes), out, ctx).kind);
    expect(kinds).toEqual(['fragment', 'fragment']);
    expect(decodeFrame(frameOf(228, v4(0, 24, true).bytes), out).kind).toBe('fragment');
  });

  it('a fragment cut by the snaplen is counted, not reassembled', () => {
    const first = v4(0, 48, true).bytes;
    const { results, ctx } = run([{ linkType: 228, bytes: first, capLen: 40, wireLen: first.length }, v4(48, 32, false)]);
    expect(results.map((r) => r.kind)).toEqual(['fragment', 'fragment']);
    expect(ctx.counters.snapshot().notices).toEqual({ 'fragment cut by snaplen: not reassembled': 1 });
  });
});

describe('fragment caps', () => {
  it('table full: the oldest datagram is dropped', () => {
    const { results, ctx } = run(
      [v4(0, 48, true, { id: 1 }), v4(0, 48, true, { id: 2 }), v4(0, 48, true, { id: 3 }), v4(48, 32, false, { id: 1 }), v4(48, 32, false, { id: 3 })],
      { maxDatagrams: 2 },
    );
    expect(results.map((r) => r.kind)).toEqual(['fragment', 'fragment', 'fragment', 'fragment', 'tcp']);
    expect(ctx.counters.snapshot().notices['fragment table full: datagram dropped']).toBe(2);
    ctx.fragments!.finish();
    expect(ctx.counters.snapshot().notices['fragment datagram incomplete at end of capture']).toBe(1);
  });

  it('byte cap: the oldest datagram is dropped to make room', () => {
    // 48 + 48 bytes fit in 100; the 32 more that complete datagram 1 push datagram 2 out
    const { results, ctx } = run([v4(0, 48, true, { id: 1 }), v4(0, 48, true, { id: 2 }), v4(48, 32, false, { id: 1 }), v4(48, 32, false, { id: 2 })], { maxBufferBytes: 100 });
    expect(results.map((r) => r.kind)).toEqual(['fragment', 'fragment', 'tcp', 'fragment']);
    expect(ctx.counters.snapshot().notices).toEqual({ 'fragment buffer cap: datagram dropped': 1 });
    expect(ctx.fragments!.buffered).toBe(32);
  });

  it('byte cap smaller than one datagram: that datagram is dropped', () => {
    const { results, ctx } = run([v4(0, 48, true), v4(48, 32, false)], { maxBufferBytes: 40 });
    expect(results.map((r) => r.kind)).toEqual(['fragment', 'fragment']);
    expect(ctx.counters.snapshot().notices).toEqual({ 'fragment buffer cap: datagram dropped': 1, 'fragment of a dropped datagram': 1 });
  });

  it('fragments per datagram cap', () => {
    const { results, ctx } = run([v4(0, 16, true), v4(16, 16, true), v4(32, 16, true), v4(48, 32, false)], { maxFragmentsPerDatagram: 2 });
    expect(results.map((r) => r.kind)).toEqual(['fragment', 'fragment', 'fragment', 'fragment']);
    expect(ctx.counters.snapshot().notices).toEqual({ 'fragments per datagram cap: datagram dropped': 1, 'fragment of a dropped datagram': 1 });
  });

  it('timeout by capture time', () => {
    const late = run([{ ...v4(0, 48, true), tsSec: T0 }, { ...v4(48, 32, false), tsSec: T0 + 31 }]);
    expect(late.results.map((r) => r.kind)).toEqual(['fragment', 'fragment']);
    expect(late.ctx.counters.snapshot().notices).toEqual({ 'fragment timeout: datagram dropped': 1 });
    const inTime = run([{ ...v4(0, 48, true), tsSec: T0 }, { ...v4(48, 32, false), tsSec: T0 + 29 }]);
    expect(inTime.results.map((r) => r.kind)).toEqual(['fragment', 'tcp']);
  });
});

describe('IPv6 fragment reassembly', () => {
  const BODY6 = pattern(100, 7);
  const DGRAM6 = tcpSegment(BODY6, 143, 50000);
  const v6 = (offset: number, length: number, more: boolean, id?: number) => ({ linkType: 229, bytes: ipv6Fragment(DGRAM6, offset, length, more, id) });
  const COMPLETE_V6 = { kind: 'tcp', payload: BODY6, src: '2001:db8::1', ports: [143, 50000], wire: 100, ipId: 0 };

  it('in order', () => {
    const { results } = run([v6(0, 48, true), v6(48, 48, true), v6(96, 24, false)]);
    expect(results).toEqual([{ kind: 'fragment' }, { kind: 'fragment' }, COMPLETE_V6]);
  });

  it('out of order, over Ethernet', () => {
    const eth = (f: { bytes: Uint8Array }) => ({ linkType: 1, bytes: concat(ETH_ADDRS, hex('86dd'), f.bytes) });
    const { results } = run([eth(v6(48, 48, true)), eth(v6(96, 24, false)), eth(v6(0, 48, true))]);
    expect(results[2]).toEqual(COMPLETE_V6);
  });

  it('identical overlap accepted, conflicting overlap dropped', () => {
    expect(run([v6(0, 56, true), v6(48, 48, true), v6(96, 24, false)]).results[2]).toEqual(COMPLETE_V6);
    const forged = ipv6Fragment(DGRAM6, 48, 48, true);
    forged[48 + 3] ^= 1;
    const { results } = run([v6(0, 56, true), { linkType: 229, bytes: forged }, v6(96, 24, false)]);
    expect(results.map((r) => r.error ?? r.kind)).toEqual(['fragment', 'ipv6 fragment overlap conflict', 'fragment']);
  });

  it('different identifications are different datagrams', () => {
    const { results } = run([v6(0, 96, true, 1), v6(96, 24, false, 2), v6(96, 24, false, 1)]);
    expect(results.map((r) => r.kind)).toEqual(['fragment', 'fragment', 'tcp']);
  });

  it('extension headers inside the fragmentable part are walked after reassembly', () => {
    // fragmentable part: destination options (next TCP, 8 bytes) + the TCP segment
    const part = concat(hex('0600 0104 0000 0000'), DGRAM6);
    const frag = (offset: number, length: number, more: boolean) => {
      const b = ipv6Fragment(part, offset, length, more);
      b[40] = 60; // fragment header's next header: destination options
      return { linkType: 229, bytes: b };
    };
    const { results } = run([frag(64, 64, false), frag(0, 64, true)]);
    expect(results[1]).toEqual(COMPLETE_V6);
  });
});
