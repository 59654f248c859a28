import { describe, expect, it } from 'vitest';
import { TcpReassembler, type ReassemblerOptions } from '../../src/tcp/reassembler.js';
import { ENTRY_BYTES } from '../../src/tcp/limits.js';
import { RecordingFactory, Wire, type Recorder } from './helpers.js';

type Step = [from: 'c' | 's', flags: string, seq: number, ack: number, data?: string, opts?: { ts?: number; wireLength?: number }];

const C = 1000; // client ISN
const S = 5000; // server ISN
const HANDSHAKE: Step[] = [
  ['c', 'S', C, 0],
  ['s', 'SA', S, C + 1],
  ['c', 'A', C + 1, S + 1],
];

function run(steps: Step[], opts: Partial<ReassemblerOptions> = {}, wire = new Wire(), finish = true) {
  const factory = new RecordingFactory();
  const r = new TcpReassembler(factory, opts);
  for (const [from, flags, seq, ack, data, o] of steps) {
    const [f, d] = wire.pkt(from, flags, seq, ack, data ?? '', o ?? {});
    r.packet(f, d);
  }
  if (finish) r.finish();
  const rec = factory.opened[0] as Recorder;
  return { factory, r, rec, stats: r.stats() };
}

describe('TcpReassembler: in-order delivery and roles', () => {
  it('delivers a handshake, a dialogue and a FIN close as in-order events', () => {
    const { rec, stats } = run([
      ...HANDSHAKE,
      ['s', 'PA', S + 1, C + 1, '* OK ready\r\n'],
      ['c', 'PA', C + 1, S + 13, 'a1 NOOP\r\n'],
      ['s', 'PA', S + 13, C + 10, 'a1 OK\r\n'],
      ['c', 'FA', C + 10, S + 20],
      ['s', 'FA', S + 20, C + 11],
      ['c', 'A', C + 11, S + 21],
    ]);
    expect(rec.info).toMatchObject({
      id: 1,
      client: { ip: '10.0.0.1', port: 40000 },
      server: { ip: '10.0.0.2', port: 143 },
      roleSource: 'syn',
      sawSyn: true,
      firstFrame: 1,
    });
    expect(rec.compact()).toEqual(['s:* OK ready\r\n', 'c:a1 NOOP\r\n', 's:a1 OK\r\n', 'c:end fin', 's:end fin', 'close']);
    const data = rec.events.filter((e) => e.t === 'data');
    expect(data.map((e) => [e.off, e.first])).toEqual([[0, 4], [0, 5], [12, 6]]);
    expect(rec.summary).toMatchObject({
      established: true, noAnswer: false, refused: false, finBy: 'client', endReason: 'fin',
      frames: [4, 4 - 1 + 1], bytes: [9, 19], gapBytes: [0, 0], synFrames: [1], lastFrame: 8,
    });
    expect(stats).toMatchObject({ connections: 1, mailConnections: 1, retransmissions: 0, gaps: 0 });
  });

  it('takes the SYN-ACK sender as the server when the capture starts there', () => {
    const { rec } = run([
      ['s', 'SA', S, C + 1],
      ['s', 'PA', S + 1, C + 1, '+OK\r\n'],
      ['c', 'PA', C + 1, S + 6, 'QUIT\r\n'],
    ], {}, new Wire({ ip: '10.0.0.1', port: 110 }, { ip: '10.0.0.2', port: 50000 }));
    expect(rec.info).toMatchObject({ client: { port: 110 }, server: { port: 50000 }, roleSource: 'syn', sawSyn: false });
    expect(rec.stream(0)).toBe('QUIT\r\n');
    expect(rec.stream(1)).toBe('+OK\r\n');
  });

  it('starts mid-stream from the first byte seen, with the mail port as server, and drops older bytes', () => {
    const { rec, stats } = run([
      ['c', 'PA', 7000, 9000, 'a2 NOOP\r\n'],
      ['s', 'PA', 9000, 7009, 'a2 OK\r\n'],
      ['c', 'PA', 6990, 9000, '0123456789'], // before the first byte seen: dropped and counted
      ['c', 'PA', 7009, 9007, 'a3\r\n'],
    ]);
    expect(rec.info).toMatchObject({ roleSource: 'port', sawSyn: false, client: { port: 40000 } });
    expect(rec.stream(0)).toBe('a2 NOOP\r\na3\r\n');
    expect(rec.stream(1)).toBe('a2 OK\r\n');
    expect(stats.bytesBeforeStreamStart).toBe(10);
    expect(rec.summary).toMatchObject({ established: true, endReason: 'capture-end' });
    expect(rec.compact().slice(-3)).toEqual(['c:end capture-end', 's:end capture-end', 'close']);
  });

  it('finds the server by port when the client sends first from a mail source port', () => {
    const { rec } = run([['s', 'A', S, C]], {}, new Wire({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 995 }));
    expect(rec.info).toMatchObject({ client: { ip: '10.0.0.1', port: 40000 }, server: { ip: '10.0.0.2', port: 995 }, roleSource: 'port' });
  });
});

describe('TcpReassembler: reordering, duplicates, overlaps', () => {
  it('buffers an out-of-order segment until the hole fills (late fill: no gap)', () => {
    const { rec, stats } = run([
      ...HANDSHAKE,
      ['c', 'PA', C + 4, S + 1, 'NOOP\r\n'],
      ['c', 'PA', C + 1, S + 1, 'a1 '],
    ]);
    expect(rec.compact().slice(0, 2)).toEqual(['c:a1 ', 'c:NOOP\r\n']);
    const ev = rec.events.filter((e) => e.t === 'data');
    expect(ev.map((e) => [e.off, e.first])).toEqual([[0, 5], [3, 4]]);
    expect(stats).toMatchObject({ outOfOrderSegments: 1, gaps: 0, bufferedBytes: 0, peakBufferedBytes: 6 });
  });

  it('delivers a duplicate once and counts the retransmission', () => {
    const { rec, stats } = run([
      ...HANDSHAKE,
      ['c', 'PA', C + 1, S + 1, 'a1 NOOP\r\n'],
      ['c', 'PA', C + 1, S + 1, 'a1 NOOP\r\n'],
    ]);
    expect(rec.stream(0)).toBe('a1 NOOP\r\n');
    expect(stats).toMatchObject({ retransmissions: 1, retransmissionMismatches: 0 });
    expect(rec.summary?.retransmissionMismatches).toEqual([]);
  });

  it('keeps the first data on overlap and reports differing retransmitted bytes', () => {
    const { rec, stats } = run([
      ...HANDSHAKE,
      ['c', 'PA', C + 1, S + 1, 'abcdef'],
      ['c', 'PA', C + 4, S + 1, 'XYZghi'], // overlaps "def" with different bytes, adds "ghi"
    ]);
    expect(rec.stream(0)).toBe('abcdefghi');
    expect(rec.events.filter((e) => e.t === 'data').map((e) => e.text)).toEqual(['abcdef', 'ghi']);
    expect(stats.retransmissionMismatches).toBe(1);
    expect(rec.summary?.retransmissionMismatches).toEqual([{ dir: 0, frame: 5, streamOffset: 3, length: 3 }]);
  });

  it('keeps buffered out-of-order bytes over a later overlapping in-order segment', () => {
    const { rec, stats } = run([
      ...HANDSHAKE,
      ['c', 'PA', C + 5, S + 1, 'EFGH'],
      ['c', 'PA', C + 1, S + 1, 'abcdefgh'], // bytes 4..7 were already buffered as "EFGH"
    ]);
    expect(rec.stream(0)).toBe('abcdEFGH');
    expect(rec.summary?.retransmissionMismatches).toEqual([{ dir: 0, frame: 5, streamOffset: 4, length: 4 }]);
    expect(stats.retransmissions).toBe(1);
  });

  it('merges overlapping out-of-order segments, first data winning', () => {
    const { rec } = run([
      ...HANDSHAKE,
      ['c', 'PA', C + 6, S + 1, 'fgh'],
      ['c', 'PA', C + 4, S + 1, 'deFGHij'],
      ['c', 'PA', C + 1, S + 1, 'abc'],
    ]);
    expect(rec.stream(0)).toBe('abcdefghij');
    expect(rec.summary?.retransmissionMismatches).toEqual([{ dir: 0, frame: 5, streamOffset: 5, length: 3 }]);
  });

  it('counts retransmissions older than the window as unverified', () => {
    const big = 'x'.repeat(600);
    const { rec, stats } = run([
      ...HANDSHAKE,
      ['c', 'PA', C + 1, S + 1, 'ABCD'],
      ['c', 'PA', C + 5, S + 1, big],
      ['c', 'PA', C + 1, S + 1, 'abcd'],
    ], { retransmissionWindowBytes: 256 });
    expect(rec.stream(0)).toBe(`ABCD${big}`);
    expect(stats).toMatchObject({ retransmissionMismatches: 0, unverifiedRetransmittedBytes: 4, retransmissions: 1 });
  });

  it('survives sequence-number wraparound at 2^32', () => {
    const isn = 2 ** 32 - 3;
    const { rec } = run([
      ['c', 'S', isn, 0],
      ['s', 'SA', S, isn + 1],
      ['c', 'A', isn + 1, S + 1],
      ['c', 'PA', (isn + 5) >>> 0, S + 1, 'EFGH'], // past the wrap, out of order
      ['c', 'PA', isn + 1, S + 1, 'abcd'], // straddles 2^32
      ['c', 'PA', isn + 1, S + 1, 'abcd'], // retransmitted across the wrap
      ['c', 'FA', (isn + 9) >>> 0, S + 1],
    ]);
    expect(rec.stream(0)).toBe('abcdEFGH');
    expect(rec.compact()).toContain('c:end fin');
    expect(rec.summary?.retransmissionMismatches).toEqual([]);
  });
});

describe('TcpReassembler: holes that never fill', () => {
  it('delivers a gap of exactly the missing length at capture end, then the rest', () => {
    const { rec, stats } = run([
      ...HANDSHAKE,
      ['c', 'PA', C + 1, S + 1, 'abc'],
      ['c', 'PA', C + 10, S + 1, 'jkl'],
    ]);
    expect(rec.compact()).toEqual(['c:abc', 'c:[gap 6]', 'c:jkl', 'c:end capture-end', 's:end capture-end', 'close']);
    expect(rec.events.find((e) => e.t === 'gap')).toMatchObject({ off: 3, len: 6 });
    expect(rec.summary?.gapBytes).toEqual([6, 0]);
    expect(stats).toMatchObject({ gaps: 1, gapBytes: 6 });
  });

  it('gives up a hole as soon as the peer acknowledges beyond it (ACKed unseen segment)', () => {
    const { rec } = run([
      ...HANDSHAKE,
      ['c', 'PA', C + 1, S + 1, 'abc'],
      ['s', 'A', S + 1, C + 10], // server got 9 bytes: 6 of them never captured
      ['c', 'PA', C + 10, S + 1, 'jkl'],
      ['s', 'PA', S + 1, C + 13, 'ok'],
    ], {}, new Wire(), false);
    expect(rec.compact()).toEqual(['c:abc', 'c:[gap 6]', 'c:jkl', 's:ok']);
    expect(rec.events[1]).toMatchObject({ t: 'gap', off: 3, len: 6, frame: 6 });
  });

  it('gives up a buffered hole when a later ACK covers it', () => {
    const { rec } = run([
      ...HANDSHAKE,
      ['c', 'PA', C + 1, S + 1, 'abc'],
      ['c', 'PA', C + 10, S + 1, 'jkl'],
      ['s', 'A', S + 1, C + 13],
    ], {}, new Wire(), false);
    expect(rec.compact()).toEqual(['c:abc', 'c:[gap 6]', 'c:jkl']);
  });

  it('treats the bytes the snaplen cut as a hole given up when acknowledged', () => {
    const { rec } = run([
      ...HANDSHAKE,
      ['s', 'PA', S + 1, C + 1, '* OK', { wireLength: 12 }],
      ['c', 'A', C + 1, S + 13],
      ['s', 'PA', S + 13, C + 1, '* BYE\r\n'],
    ]);
    expect(rec.stream(1)).toBe('* OK[gap 8]* BYE\r\n');
  });

  it('fills a hole before a FIN with a gap when the connection closes', () => {
    const { rec } = run([
      ...HANDSHAKE,
      ['c', 'PA', C + 1, S + 1, 'ab'],
      ['c', 'FA', C + 6, S + 1], // 3 bytes missing before the FIN
    ]);
    expect(rec.compact()).toEqual(['c:ab', 'c:[gap 3]', 'c:end fin', 's:end capture-end', 'close']);
  });
});

describe('TcpReassembler: connection outcomes', () => {
  it('reports a SYN answered by RST as refused', () => {
    const { rec } = run([
      ['c', 'S', C, 0],
      ['s', 'RA', 0, C + 1],
    ]);
    expect(rec.compact()).toEqual(['c:end rst', 's:end rst', 'close']);
    expect(rec.summary).toMatchObject({ refused: true, noAnswer: false, established: false, resetBy: undefined, endReason: 'rst' });
  });

  it('keeps SYN retries after RST answers in one refused connection', () => {
    const { factory, stats } = run([
      ['c', 'S', C, 0, '', { ts: 100 }],
      ['s', 'RA', 0, C + 1, '', { ts: 100.05 }],
      ['c', 'S', C, 0, '', { ts: 100.5 }],
      ['s', 'RA', 0, C + 1, '', { ts: 100.55 }],
      ['c', 'S', 777, 0, '', { ts: 101 }], // a new ISN: a new attempt
    ]);
    expect(factory.opened.map((r) => r.summary)).toMatchObject([
      { refused: true, synFrames: [1, 3], endReason: 'rst' },
      { refused: false, noAnswer: true, synFrames: [5] },
    ]);
    expect(stats).toMatchObject({ connections: 2, synRetransmissions: 1 });
  });

  it('reports a SYN never answered, with its retries', () => {
    const { rec, stats } = run([
      ['c', 'S', C, 0, '', { ts: 100 }],
      ['c', 'S', C, 0, '', { ts: 101 }],
      ['c', 'S', C, 0, '', { ts: 103 }],
    ]);
    expect(rec.summary).toMatchObject({ noAnswer: true, refused: false, established: false, synFrames: [1, 2, 3], endReason: 'capture-end' });
    expect(stats.synRetransmissions).toBe(2);
    expect(stats.connections).toBe(1);
  });

  it.each([
    ['c', 'client'],
    ['s', 'server'],
  ] as const)('reports a reset after establishment by the %s side', (from, who) => {
    const { rec, stats } = run([
      ...HANDSHAKE,
      ['s', 'PA', S + 1, C + 1, '+OK\r\n'],
      [from, 'RA', from === 'c' ? C + 1 : S + 6, from === 'c' ? S + 6 : C + 1],
      ['c', 'PA', C + 1, S + 6, 'late'], // after the reset: absorbed, no new connection
    ]);
    expect(rec.summary).toMatchObject({ resetBy: who, resetFrame: 5, refused: false, established: true, endReason: 'rst' });
    expect(rec.compact()).toEqual(['s:+OK\r\n', 'c:end rst', 's:end rst', 'close']);
    expect(stats.connections).toBe(1);
  });

  it('records who sent the first FIN', () => {
    const { rec } = run([...HANDSHAKE, ['s', 'FA', S + 1, C + 1], ['c', 'FA', C + 1, S + 2]]);
    expect(rec.summary).toMatchObject({ finBy: 'server', endReason: 'fin' });
    expect(rec.compact()).toEqual(['s:end fin', 'c:end fin', 'close']);
  });

  it('starts a new connection when a SYN reuses the ports of a finished one', () => {
    const { factory, stats } = run([
      ...HANDSHAKE,
      ['c', 'FA', C + 1, S + 1],
      ['s', 'FA', S + 1, C + 2],
      ['c', 'A', C + 2, S + 2],
      ['c', 'S', 90000, 0],
      ['s', 'SA', 70000, 90001],
      ['c', 'PA', 90001, 70001, 'x'],
    ]);
    expect(factory.opened.map((r) => r.info.id)).toEqual([1, 2]);
    expect(factory.opened[1]!.stream(0)).toBe('x');
    expect(stats.portReuses).toBe(1);
  });

  it('ignores connections the factory declines, cheaply and once', () => {
    const factory = new RecordingFactory(() => false);
    const r = new TcpReassembler(factory);
    const w = new Wire();
    for (const [from, flags, seq, ack, data] of [...HANDSHAKE, ['c', 'PA', C + 1, S + 1, 'x'] as Step]) r.packet(...w.pkt(from, flags, seq, ack, data));
    r.finish();
    expect(factory.opened).toEqual([]);
    expect(r.stats()).toMatchObject({ connections: 1, ignoredConnections: 1, mailConnections: 0 });
  });
});

describe('TcpReassembler: probing other ports', () => {
  it('finds an IMAP server on port 1143 by its greeting', () => {
    const wire = new Wire({ ip: '192.0.2.7', port: 51000 }, { ip: '192.0.2.9', port: 1143 });
    const { factory, rec } = run([
      ...HANDSHAKE,
      ['s', 'PA', S + 1, C + 1, '* OK IMAP4rev1 ready\r\n'],
      ['c', 'PA', C + 1, S + 23, 'a1 CAPABILITY\r\n'],
    ], {}, wire);
    expect(factory.probes).toHaveLength(1);
    expect(factory.probes[0]).toMatchObject({ dir: 1, text: '* OK IMAP4rev1 ready\r\n', info: { roleSource: 'syn', server: { port: 1143 } } });
    expect(rec.stream(1)).toBe('* OK IMAP4rev1 ready\r\n');
    expect(rec.stream(0)).toBe('a1 CAPABILITY\r\n');
  });

  it('swaps roles when a mid-stream greeting came from the side that spoke first', () => {
    const wire = new Wire({ ip: '192.0.2.7', port: 1993 }, { ip: '192.0.2.9', port: 52000 });
    const { rec, r } = run([['c', 'PA', 100, 200, '+OK POP3\r\n'], ['s', 'PA', 200, 110, 'USER a\r\n']], {}, wire);
    expect(rec.info).toMatchObject({ client: { port: 52000 }, server: { port: 1993 }, roleSource: 'greeting' });
    expect(rec.stream(1)).toBe('+OK POP3\r\n');
    expect(rec.stream(0)).toBe('USER a\r\n');
    expect(r.stats().probedConnections).toBe(1);
  });

  it('ignores a connection whose first bytes are not a greeting, without probing again', () => {
    const wire = new Wire({ ip: '192.0.2.7', port: 51000 }, { ip: '192.0.2.9', port: 8080 });
    const { factory, stats } = run([
      ...HANDSHAKE,
      ['c', 'PA', C + 1, S + 1, 'GET / HTTP/1.1\r\n'],
      ['s', 'PA', S + 1, C + 17, '* OK not really\r\n'],
    ], {}, wire);
    expect(factory.probes).toHaveLength(1);
    expect(factory.opened).toHaveLength(0);
    expect(stats).toMatchObject({ ignoredConnections: 1, probedConnections: 0 });
  });
});

describe('TcpReassembler: bounds', () => {
  it('times out idle connections by capture time', () => {
    const a = new Wire({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 143 });
    const b = new Wire({ ip: '10.0.0.3', port: 40001 }, { ip: '10.0.0.2', port: 143 });
    const factory = new RecordingFactory();
    const r = new TcpReassembler(factory, { idleTimeoutSec: 60, sweepIntervalSec: 5 });
    r.packet(...a.pkt('c', 'S', C, 0, '', { ts: 1000 }));
    r.packet(...a.pkt('s', 'SA', S, C + 1, '', { ts: 1000.1 }));
    r.packet(...a.pkt('s', 'PA', S + 1, C + 1, '* OK\r\n', { ts: 1000.2 }));
    r.packet(...b.pkt('c', 'S', C, 0, '', { ts: 1059 }));
    expect(factory.opened[0]!.summary).toBeUndefined();
    // The clock is the median of the last three frame times: 1059 now, so the next sweep is at 1064.
    r.packet(...b.pkt('c', 'S', C, 0, '', { ts: 1061 }));
    r.packet(...b.pkt('c', 'S', C, 0, '', { ts: 1065 }));
    expect(factory.opened[0]!.summary).toBeUndefined();
    r.packet(...b.pkt('c', 'S', C, 0, '', { ts: 1070 })); // clock 1065: swept, 64.8 s idle
    expect(factory.opened[0]!.compact()).toEqual(['s:* OK\r\n', 'c:end timeout', 's:end timeout', 'close']);
    expect(factory.opened[0]!.summary).toMatchObject({ endReason: 'timeout', lastFrame: 3 });
    expect(r.stats()).toMatchObject({ timedOut: 1, activeConnections: 1 });
  });

  it('does not time out on one frame with a wild timestamp, but does on a real jump', () => {
    const factory = new RecordingFactory();
    const r = new TcpReassembler(factory, { idleTimeoutSec: 60, sweepIntervalSec: 5 });
    const a = new Wire();
    r.packet(...a.pkt('c', 'S', C, 0, '', { ts: 1000 }));
    r.packet(...a.pkt('s', 'SA', S, C + 1, '', { ts: 2_960_000_000 })); // year 2063, one frame only
    r.packet(...a.pkt('c', 'A', C + 1, S + 1, '', { ts: 1000.1 }));
    r.packet(...a.pkt('s', 'PA', S + 1, C + 1, '* OK\r\n', { ts: 1000.2 }));
    expect(factory.opened[0]!.summary).toBeUndefined();
    // Two captures back to back, days apart: the old connection times out, the new one lives.
    const b = new Wire({ ip: '10.0.0.3', port: 40001 }, { ip: '10.0.0.2', port: 143 });
    r.packet(...b.pkt('c', 'S', C, 0, '', { ts: 900_000 }));
    r.packet(...b.pkt('c', 'S', C, 0, '', { ts: 900_000.1 }));
    r.packet(...b.pkt('s', 'SA', S, C + 1, '', { ts: 900_000.2 }));
    expect(factory.opened[0]!.summary).toMatchObject({ endReason: 'timeout' });
    expect(factory.opened[1]!.summary).toBeUndefined();
    r.finish();
    expect(factory.opened[1]!.summary).toMatchObject({ endReason: 'capture-end', established: true });
  });

  it('gives up the oldest hole when the per-connection buffer cap is hit', () => {
    const { rec, stats } = run([
      ...HANDSHAKE,
      ['c', 'PA', C + 11, S + 1, 'k'.repeat(60)],
      ['c', 'PA', C + 71, S + 1, 'l'.repeat(60)], // 120 buffered > 100
      ['c', 'PA', C + 1, S + 1, '0123456789'], // too late: already given up
    ], { maxBufferedBytesPerConnection: 100 });
    expect(rec.stream(0)).toBe(`[gap 10]${'k'.repeat(60)}${'l'.repeat(60)}`);
    expect(rec.summary?.capDrops).toBe(1);
    expect(stats).toMatchObject({ capDrops: 1, bufferedBytes: 0, gapBytes: 10 });
  });

  it('gives up holes in the buffering direction when the total buffer cap is hit', () => {
    const factory = new RecordingFactory();
    const r = new TcpReassembler(factory, { maxBufferedBytesTotal: 100 });
    const a = new Wire({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 143 });
    const b = new Wire({ ip: '10.0.0.3', port: 40000 }, { ip: '10.0.0.2', port: 143 });
    for (const w of [a, b]) for (const [from, flags, seq, ack] of HANDSHAKE) r.packet(...w.pkt(from, flags, seq, ack));
    r.packet(...a.pkt('c', 'PA', C + 2, S + 1, 'a'.repeat(60)));
    r.packet(...b.pkt('c', 'PA', C + 3, S + 1, 'b'.repeat(60))); // 120 in total: b's hole goes
    expect(factory.opened[1]!.compact()).toEqual(['c:[gap 2]', `c:${'b'.repeat(60)}`]);
    expect(factory.opened[0]!.compact()).toEqual([]);
    expect(r.stats()).toMatchObject({ capDrops: 1, bufferedBytes: 60, peakBufferedBytes: 120 });
  });

  it('stops comparing retransmissions when the window budget is used up', () => {
    const { rec, stats } = run([
      ...HANDSHAKE,
      ['c', 'PA', C + 1, S + 1, 'abcd'],
      ['c', 'PA', C + 1, S + 1, 'abXd'],
    ], { maxWindowBytesTotal: 0 });
    expect(rec.stream(0)).toBe('abcd');
    expect(stats).toMatchObject({ retransmissionMismatches: 0, unverifiedRetransmittedBytes: 4, windowBytes: 0 });
  });

  it('gives up holes when the segment-count cap is hit', () => {
    const steps: Step[] = [...HANDSHAKE];
    for (let i = 0; i < 5; i++) steps.push(['c', 'PA', C + 2 + 2 * i, S + 1, String(i)]);
    const { rec, stats } = run(steps, { maxBufferedSegmentsPerDirection: 4 });
    expect(rec.stream(0)).toBe('[gap 1]0[gap 1]1[gap 1]2[gap 1]3[gap 1]4');
    expect(stats.capDrops).toBe(1);
  });

  it('evicts the least recently active connection when the table is over its budget', () => {
    const factory = new RecordingFactory();
    // Room for one connection that carried bytes (and its 256-byte window) and one that did not.
    const r = new TcpReassembler(factory, { tableBudgetBytes: ENTRY_BYTES.dialogue + 256 + ENTRY_BYTES.tracked });
    const wires = [0, 1, 2].map((i) => new Wire({ ip: `10.0.1.${i}`, port: 40000 }, { ip: '10.0.0.2', port: 143 }));
    r.packet(...wires[0]!.pkt('c', 'S', C, 0));
    r.packet(...wires[1]!.pkt('c', 'S', C, 0));
    r.packet(...wires[0]!.pkt('c', 'PA', C + 1, 0, 'x'));
    r.packet(...wires[2]!.pkt('c', 'S', C, 0)); // evicts wires[1], the least recently active
    expect(factory.opened[1]!.summary).toMatchObject({ endReason: 'evicted' });
    expect(factory.opened[0]!.summary).toBeUndefined();
    r.finish();
    expect(r.stats()).toMatchObject({ evicted: 1, peakConnections: 2, connections: 3 });
    // finish() closes the rest in id order.
    const closes = factory.opened.map((o) => o.summary?.endReason);
    expect(closes).toEqual(['capture-end', 'evicted', 'capture-end']);
  });

  it('runs a few hundred thousand tiny connections in a bounded table', () => {
    let closed = 0;
    const factory = {
      open: () => ({ data() {}, gap() {}, end() {}, close() { closed++; } }),
      probe: () => undefined,
    };
    const budget = 1000 * ENTRY_BYTES.tracked;
    // Closed connections linger at the smallest cost: that many fit at most.
    const most = budget / ENTRY_BYTES.retired;
    const r = new TcpReassembler(factory, { tableBudgetBytes: budget, maxBufferedBytesTotal: 1 << 16 });
    const w = new Wire();
    const N = 300_000;
    let maxActive = 0;
    let peakMemory = 0;
    for (let i = 0; i < N; i++) {
      (w.client as { ip: string }).ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      const t = 1_000 + i * 0.001;
      r.packet(...w.pkt('c', 'S', i, 0, '', { ts: t }));
      r.packet(...w.pkt('s', 'SA', 7, i + 1, '', { ts: t }));
      if (i % 3 === 0) r.packet(...w.pkt('c', 'PA', i + 10, 8, 'ooo', { ts: t })); // leaves a hole buffered
      if (i % 5 === 0) {
        r.packet(...w.pkt('c', 'FA', i + 1, 8, '', { ts: t }));
        r.packet(...w.pkt('s', 'FA', 7 + 1, i + 2, '', { ts: t }));
      }
      if (i % 1000 === 0) maxActive = Math.max(maxActive, r.stats().activeConnections);
      peakMemory = Math.max(peakMemory, r.tableMemoryBytes);
    }
    expect(peakMemory).toBeLessThanOrEqual(budget);
    const s = r.stats();
    expect(s.peakConnections).toBeLessThanOrEqual(most);
    expect(maxActive).toBeLessThanOrEqual(most);
    expect(s.bufferedBytes).toBeLessThanOrEqual(most * 3);
    expect(s.connections).toBe(N);
    r.finish();
    expect(closed).toBe(N);
    expect(r.stats()).toMatchObject({ activeConnections: 0, bufferedBytes: 0, windowBytes: 0 });
  });
});
