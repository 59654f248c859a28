/**
 * The TCP layer's fast paths give the same answers as the plain ones:
 * - retransmission windows reused from the pool (dirty) compare like fresh zeroed ones;
 * - the flow table's numeric endpoint keys find the same connections as a string-keyed map;
 * - retired (closed, declined) connections absorb their stragglers and give way to port reuse as before.
 */
import { describe, expect, it } from 'vitest';
import { TcpReassembler, type ReassemblerOptions } from '../../src/tcp/reassembler.js';
import { Connection } from '../../src/tcp/connection.js';
import { newReassemblyStats, WindowPool, type ReassemblyContext } from '../../src/tcp/context.js';
import { FlowKey } from '../../src/tcp/flow-table.js';
import { RecordingFactory, Wire, type HostPort } from './helpers.js';

const C = 1000;
const S = 5000;

/** A small seeded PRNG (mulberry32), so a failure replays. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Pkt = { wire: number; from: 'c' | 's'; flags: string; seq: number; ack: number; data: Uint8Array };

/**
 * Several connections, some at once and some one after the other (so finished directions hand their
 * windows to later ones), each sending 20-90 KB client→server in segments (the pool keeps windows of
 * 16 KiB and more), with retransmissions of
 * delivered bytes: some identical, some altered, some older than the window, some overlapping the
 * next segment. The streams share their byte pattern, so a dirty reused window would often "match".
 */
function scenario(seed: number): { wires: Wire[]; pkts: Pkt[] } {
  const rnd = prng(seed);
  const wires: Wire[] = [];
  const pkts: Pkt[] = [];
  const pattern = (off: number): number => (off * 7 + 3) & 0xff;
  for (let w = 0; w < 12; w++) {
    wires.push(new Wire({ ip: `10.0.0.${w + 1}`, port: 40000 + w }, { ip: '10.0.1.1', port: 143 }));
    const c: Pkt[] = [];
    const push = (from: 'c' | 's', flags: string, seq: number, ack: number, data = new Uint8Array(0)): void => { c.push({ wire: w, from, flags, seq, ack, data }); };
    push('c', 'S', C, 0);
    push('s', 'SA', S, C + 1);
    push('c', 'A', C + 1, S + 1);
    const total = 20_000 + Math.floor(rnd() * 70_000);
    const sent: Array<[number, number]> = [];
    for (let off = 0; off < total; ) {
      const len = Math.min(total - off, 1 + Math.floor(rnd() * 1400));
      const bytes = new Uint8Array(len).map((_, i) => pattern(off + i));
      push('c', 'PA', C + 1 + off, S + 1, bytes);
      sent.push([off, len]);
      off += len;
      if (rnd() < 0.1) {
        // Retransmit an earlier range, sometimes altered, sometimes overlapping what follows.
        const [o, l] = sent[Math.floor(rnd() * sent.length)]!;
        const extra = rnd() < 0.3 ? Math.floor(rnd() * 50) : 0;
        const r = new Uint8Array(l + extra).map((_, i) => pattern(o + i));
        if (rnd() < 0.4) r[Math.floor(rnd() * l)] ^= 0x55;
        push('c', 'PA', C + 1 + o, S + 1, r);
      }
    }
    push('c', 'FA', C + 1 + total, S + 1);
    push('s', 'FA', S + 1, C + 2 + total);
    pkts.push(...c);
  }
  // Interleave: connections overlap in groups of three, groups one after the other.
  const out: Pkt[] = [];
  for (let g = 0; g < 4; g++) {
    const group = pkts.filter((p) => Math.floor(p.wire / 3) === g);
    const queues = [0, 1, 2].map((k) => group.filter((p) => p.wire === g * 3 + k));
    while (queues.some((q) => q.length > 0)) {
      const q = queues.filter((x) => x.length > 0);
      out.push(q[Math.floor(rnd() * q.length)]!.shift()!);
    }
  }
  return { wires, pkts: out };
}

function play(seed: number, opts: Partial<ReassemblerOptions>) {
  const { wires, pkts } = scenario(seed);
  const factory = new RecordingFactory();
  const r = new TcpReassembler(factory, opts);
  for (const p of pkts) r.packet(...wires[p.wire]!.pkt(p.from, p.flags, p.seq, p.ack, p.data));
  r.finish();
  return { events: factory.opened.map((o) => o.events), stats: r.stats() };
}

describe('retransmission windows from the pool', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`compare retransmissions as fresh windows do (seed ${seed})`, () => {
      for (const extra of [{}, { retransmissionWindowBytes: 16384 }, { maxWindowBytesTotal: 200_000 }]) {
        const fresh = play(seed, { ...extra, windowPoolBytes: 0 });
        const pooled = play(seed, extra);
        expect(pooled).toEqual(fresh);
        // The scenario does exercise the comparison.
        expect(fresh.stats.retransmissionMismatches).toBeGreaterThan(0);
        expect(fresh.stats.retransmissions).toBeGreaterThan(10);
      }
    });
  }

  it('a window made after bytes went by unremembered reads them as zeros, as a fresh one does', () => {
    // Connection A's client direction grows its window to 32 KiB: the 16 KiB one it grew out of,
    // full of A's bytes, goes to the pool. A holds the whole budget, so connection B sends 10,000
    // bytes without a window. A ends (its windows are freed); B's next bytes get a window of 16 KiB:
    // the reused one. A retransmission of B's first, unremembered, bytes is then compared against
    // zeros, as with a fresh window, not against A's bytes (which are the same text).
    const run = (windowPoolBytes: number) => {
      const factory = new RecordingFactory();
      const r = new TcpReassembler(factory, { maxWindowBytesTotal: 32768 + 256, windowPoolBytes });
      const a = new Wire({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 143 });
      const b = new Wire({ ip: '10.0.0.3', port: 40001 }, { ip: '10.0.0.2', port: 143 });
      const text = (off: number, len: number): Uint8Array => new Uint8Array(len).map((_, i) => 0x41 + ((off + i) % 26));
      for (const w of [a, b]) {
        r.packet(...w.pkt('c', 'S', C, 0));
        r.packet(...w.pkt('s', 'SA', S, C + 1));
        r.packet(...w.pkt('c', 'A', C + 1, S + 1));
      }
      for (let off = 0; off < 20_000; off += 1000) r.packet(...a.pkt('c', 'PA', C + 1 + off, S + 1, text(off, 1000))); // a: 32 KiB
      r.packet(...a.pkt('s', 'PA', S + 1, C + 20_001, text(0, 200))); // a: 256 more: the budget is used up
      for (let off = 0; off < 10_000; off += 1000) r.packet(...b.pkt('c', 'PA', C + 1 + off, S + 1, text(off, 1000))); // b: no window
      r.packet(...a.pkt('c', 'RA', C + 20_001, S + 201)); // a ends: its windows are freed
      r.packet(...b.pkt('c', 'PA', C + 10_001, S + 1, text(10_000, 100))); // b: a 16 KiB window now
      r.packet(...b.pkt('c', 'PA', C + 1, S + 1, text(0, 100))); // the same bytes again
      r.finish();
      return { b: factory.opened[1]!.summary, stats: r.stats() };
    };
    const fresh = run(0);
    expect(run(1 << 20)).toEqual(fresh);
    // Fresh windows are zeros where nothing was written: the text differs from them.
    expect(fresh.b?.retransmissionMismatches).toEqual([{ dir: 0, frame: 15, streamOffset: 0, length: 100 }]);
  });
});

describe('flow table keys', () => {
  it('finds the same connection for every packet as a map keyed by the endpoints text', () => {
    // Endpoints that share words: IPv4 addresses equal to an IPv6 address's words, IPv6 addresses
    // differing only in one word, ports swapped between connections.
    const hosts: HostPort[] = [];
    for (const ip of ['10.0.0.1', '10.0.0.2', '0.0.0.0', '255.255.255.255', '::a00:1', '::a00:2', 'a00:1::', 'fe80::1', 'fe80::1:0:0:1', 'ffff:ffff::ffff:ffff']) {
      for (const port of [1, 143, 40000, 65535]) hosts.push({ ip, port });
    }
    const rnd = prng(7);
    // IPv4 10.0.0.1 and IPv6 a00:1:: have the same first word and zeros elsewhere: only the
    // address family tells these two connections apart.
    const pairs: Array<[HostPort, HostPort]> = [
      [{ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 143 }],
      [{ ip: 'a00:1::', port: 40000 }, { ip: 'a00:2::', port: 143 }],
      [{ ip: 'fe80::1', port: 40000 }, { ip: 'fe80::1:0:0:1', port: 143 }],
      [{ ip: 'fe80::1:0:0:1', port: 40000 }, { ip: 'fe80::1', port: 143 }],
    ];
    for (let i = 0; i < 300; i++) {
      const a = hosts[Math.floor(rnd() * hosts.length)]!;
      const b = hosts[Math.floor(rnd() * hosts.length)]!;
      if (a.ip.includes(':') !== b.ip.includes(':') || (a.ip === b.ip && a.port === b.port)) continue;
      pairs.push([a, b]);
    }
    const factory = new RecordingFactory();
    // Every connection is "mail" so each gets a recorder named by its endpoints.
    const r = new TcpReassembler(factory, { isMailPort: () => true });
    const expected = new Map<string, string[]>();
    const key = (x: HostPort, y: HostPort): string => [`${x.ip}/${x.port}`, `${y.ip}/${y.port}`].sort().join(' ');
    for (let i = 0; i < 3000; i++) {
      const [a, b] = pairs[Math.floor(rnd() * pairs.length)]!;
      const w = new Wire(a, b);
      w.index = i;
      const from = rnd() < 0.5 ? 'c' : 's';
      const text = `#${i}`;
      const k = key(a, b);
      const seen = expected.get(k);
      // A connection's first packet is an ACK with payload (no SYN: roles by port), later ones continue it.
      r.packet(...w.pkt(from, 'PA', 1, 1, text));
      if (seen === undefined) expected.set(k, [`${from === 'c' ? a.ip : b.ip}/${text}`]);
      else seen.push(`${from === 'c' ? a.ip : b.ip}/${text}`);
    }
    r.finish();
    expect(factory.opened.length).toBe(expected.size);
    for (const rec of factory.opened) {
      const k = key(rec.info.client, rec.info.server);
      expect(expected.has(k)).toBe(true);
      // Every packet of these endpoints (and no other) reached this connection, in order; the
      // stream offsets do not matter here (all packets claim seq 1: retransmissions after the first).
      expect(rec.events.filter((e) => e.t === 'data').length).toBeGreaterThan(0);
      expect(rec.summary!.frames[0] + rec.summary!.frames[1]).toBe(expected.get(k)!.length);
    }
  });
});

describe('Connection.match', () => {
  it('tells apart endpoints that differ in any one address byte, port or family (what a hash collision relies on)', () => {
    const buf = new Uint8Array(64);
    const key = (src: number[], dst: number[], sp: number, dp: number): FlowKey => {
      buf.fill(0);
      buf.set(src, 0);
      buf.set(dst, 32);
      const k = new FlowKey();
      k.load(buf, 0, 32, src.length, sp, dp);
      return k;
    };
    const a6 = Array.from({ length: 16 }, (_, i) => 0x20 + i);
    const b6 = Array.from({ length: 16 }, (_, i) => 0x80 + i);
    const base = key(a6, b6, 40000, 143);
    const c = new Connection(base, inertCtx());
    expect(c.match(key(a6, b6, 40000, 143))).toBe(0);
    expect(c.match(key(b6, a6, 143, 40000))).toBe(1);
    for (let i = 0; i < 16; i++) {
      const x = a6.slice();
      x[i]! ^= 1;
      expect(c.match(key(x, b6, 40000, 143))).toBe(-1);
      expect(c.match(key(b6, x, 143, 40000))).toBe(-1);
      const y = b6.slice();
      y[i]! ^= 0x80;
      expect(c.match(key(a6, y, 40000, 143))).toBe(-1);
      expect(c.match(key(y, a6, 143, 40000))).toBe(-1);
    }
    expect(c.match(key(a6, b6, 40001, 143))).toBe(-1);
    expect(c.match(key(b6, a6, 143, 40001))).toBe(-1);
    // IPv4 10.0.0.1 -> 10.0.0.2 against IPv6 a00:1:: -> a00:2:: (the same words, zeros after).
    const v4 = new Connection(key([10, 0, 0, 1], [10, 0, 0, 2], 1, 2), inertCtx());
    const v6 = key([10, 0, 0, 1, ...new Array(12).fill(0)], [10, 0, 0, 2, ...new Array(12).fill(0)], 1, 2);
    expect(v4.match(v6)).toBe(-1);
    expect(v4.match(key([10, 0, 0, 1], [10, 0, 0, 2], 1, 2))).toBe(0);
    expect(v4.address(0)).toBe('10.0.0.1');
    expect(c.address(1)).toBe('8081:8283:8485:8687:8889:8a8b:8c8d:8e8f');
  });
});

describe('retired connections', () => {
  it('absorb stragglers after close, and a new SYN on the same ports starts a new connection', () => {
    const factory = new RecordingFactory();
    const r = new TcpReassembler(factory);
    const w = new Wire();
    for (const [from, flags, seq, ack, data] of [
      ['c', 'S', C, 0, ''], ['s', 'SA', S, C + 1, ''], ['c', 'A', C + 1, S + 1, ''],
      ['s', 'PA', S + 1, C + 1, '* OK\r\n'],
      ['c', 'RA', C + 1, S + 7, ''], // closed by RST: retired
      ['s', 'PA', S + 7, C + 1, '* BYE\r\n'], // straggler: absorbed
      ['c', 'FA', C + 1, S + 14, ''], // straggler
      ['c', 'S', C + 100, 0, ''], // port reuse: a new connection
      ['s', 'SA', S + 100, C + 101, ''],
      ['s', 'PA', S + 101, C + 101, '+OK\r\n'],
    ] as const) r.packet(...w.pkt(from, flags, seq, ack, data));
    r.finish();
    expect(factory.opened.map((o) => o.compact())).toEqual([
      ['s:* OK\r\n', 'c:end rst', 's:end rst', 'close'],
      ['s:+OK\r\n', 'c:end capture-end', 's:end capture-end', 'close'],
    ]);
    expect(factory.opened[0]!.summary).toMatchObject({ resetBy: 'client', frames: [3, 2], bytes: [0, 6] });
    expect(r.stats()).toMatchObject({ connections: 2, portReuses: 1, packets: 10, activeConnections: 0 });
  });

  it('declined connections stay declined until a FIN, then a SYN starts a new one that is probed again', () => {
    const factory = new RecordingFactory();
    const r = new TcpReassembler(factory);
    const w = new Wire({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 8080 });
    for (const [from, flags, seq, ack, data] of [
      ['c', 'S', C, 0, ''], ['s', 'SA', S, C + 1, ''],
      ['c', 'PA', C + 1, S + 1, 'GET / HTTP/1.1\r\n'], // probed and declined: retired
      ['s', 'PA', S + 1, C + 17, 'HTTP/1.1 200 OK\r\n'],
      ['c', 'S', C + 500, 0, ''], // no FIN yet: still the declined connection
      ['c', 'FA', C + 17, S + 18, ''],
      ['c', 'S', C + 900, 0, ''], // after a FIN: a new connection
      ['s', 'SA', S + 900, C + 901, ''],
      ['s', 'PA', S + 901, C + 901, '* OK hi\r\n'],
    ] as const) r.packet(...w.pkt(from, flags, seq, ack, data));
    r.finish();
    expect(factory.probes.map((p) => p.text)).toEqual(['GET / HTTP/1.1\r\n', '* OK hi\r\n']);
    expect(factory.opened.map((o) => o.compact())).toEqual([['s:* OK hi\r\n', 'c:end capture-end', 's:end capture-end', 'close']]);
    expect(r.stats()).toMatchObject({ connections: 2, ignoredConnections: 1, probedConnections: 1, portReuses: 1 });
  });
});

function inertCtx(): ReassemblyContext {
  return {
    stats: newReassemblyStats(),
    maxBufferedBytesPerConnection: 0,
    maxBufferedBytesTotal: 0,
    maxBufferedSegmentsPerDirection: 0,
    retransmissionWindowBytes: 0,
    maxWindowBytesTotal: 0,
    windowPool: new WindowPool(0),
    maxMismatchesPerConnection: 0,
    maxSeqAheadBytes: 0,
    meta: { streamOffset: 0, firstFrame: 0, lastFrame: 0, ts: 0 },
    ts: 0,
  };
}
