/**
 * The connection table's memory budget (issue 18): entries beyond it are evicted least recently
 * active first, finished with tcp.evicted, and never re-opened by their later packets.
 */
import { describe, expect, it } from 'vitest';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import { AnalysisSession } from '../../src/analyze.js';
import type { Conversation } from '../../src/model/conversation.js';
import { TcpReassembler } from '../../src/tcp/reassembler.js';
import { ENTRY_BYTES } from '../../src/tcp/limits.js';
import { TcpConnection, TCP_FLAGS, hostAddress, pcapOf, tcpFrame } from '../../scripts/adversarial-packets.mjs';
import { RecordingFactory, Wire } from './helpers.js';

const enc = (s: string): Buffer => Buffer.from(s, 'latin1');

/** A table budget for about `n` connections that carried a short dialogue (windows of 2 × 256 bytes each). */
const budgetFor = (n: number): number => n * (ENTRY_BYTES.dialogue + 512);

/**
 * `n` IMAP connections opened one after the other (handshake, greeting) and left open, so all are
 * open at once; then each, in the same order, runs a NOOP and closes. Returns the frames.
 */
function concurrentConnections(n: number): Buffer[] {
  const conns = Array.from({ length: n }, (_, i) =>
    new TcpConnection({ client: hostAddress(100 + Math.floor(i / 10_000)), sport: 20_000 + (i % 10_000) }));
  const frames: Buffer[] = [];
  for (const c of conns) frames.push(...c.handshake(), ...c.send('s', enc('* OK IMAP4rev1 ready\r\n')));
  for (const c of conns) {
    frames.push(...c.send('c', enc('a1 NOOP\r\n')), ...c.send('s', enc('a1 OK NOOP completed\r\n')), ...c.close());
  }
  return frames;
}

function analyse(frames: Buffer[], tableBudgetBytes: number): { conversations: Conversation[]; tcp: Record<string, number> } {
  const conversations: Conversation[] = [];
  const session = new AnalysisSession({ onConversation: (c) => conversations.push(c), tableBudgetBytes });
  const input = session.input('concurrent');
  const parser = new CaptureParser(input, { source: 'concurrent' });
  parser.push(pcapOf(frames));
  parser.end();
  const summary = input.finish(parser.stats());
  session.finish();
  return { conversations, tcp: summary.tcp! };
}

describe('connection table: a memory budget, and evicted connections stay finished', () => {
  it('5,000 connections open at once with a budget for 1,000: exactly 5,000 conversations, the evicted ones finished and never re-opened', () => {
    const n = 5_000;
    const { conversations, tcp } = analyse(concurrentConnections(n), budgetFor(1_000));
    expect(conversations).toHaveLength(n);
    expect(new Set(conversations.map((c) => c.id)).size).toBe(n);
    expect(Math.max(...conversations.map((c) => c.id))).toBe(n);
    const evicted = conversations.filter((c) => c.tcp?.endReason === 'evicted');
    // About 4,000 were pushed out while the later ones opened; each says so and holds its greeting.
    expect(evicted.length).toBeGreaterThanOrEqual(3_900);
    for (const c of evicted) {
      expect(c.findings.map((f) => f.id)).toContain('tcp.evicted');
      expect(c.events.map((e) => e.raw)).toEqual(['* OK IMAP4rev1 ready']);
      expect(c.tcp!.synFrames).toHaveLength(1);
    }
    // Their NOOP, reply and FIN, FIN, ACK (5 frames each) were counted, not made into conversations.
    expect(tcp.evictedPackets).toBe(evicted.length * 5);
    expect(tcp.connections).toBe(n);
    expect(tcp.evicted).toBe(evicted.length);
    // The others ran to their end.
    const whole = conversations.filter((c) => c.tcp?.endReason !== 'evicted');
    expect(whole.length).toBe(n - evicted.length);
    for (const c of whole) expect(c.events.map((e) => e.raw)).toEqual(['* OK IMAP4rev1 ready', 'a1 NOOP', 'a1 OK NOOP completed']);
  });

  it('the table stays within its budget at every packet', () => {
    const factory = new RecordingFactory();
    const budget = budgetFor(50);
    const r = new TcpReassembler(factory, { tableBudgetBytes: budget });
    let peak = 0;
    for (let i = 0; i < 500; i++) {
      const w = new Wire({ ip: `10.1.${i >> 8}.${i & 255}`, port: 40_000 }, { ip: '10.0.0.2', port: 143 });
      r.packet(...w.pkt('c', 'S', 100, 0));
      r.packet(...w.pkt('s', 'SA', 900, 101));
      r.packet(...w.pkt('s', 'PA', 901, 101, '* OK ready\r\n'));
      peak = Math.max(peak, r.tableMemoryBytes);
    }
    r.finish();
    expect(peak).toBeLessThanOrEqual(budget);
    expect(factory.opened).toHaveLength(500);
    expect(r.stats().evicted).toBeGreaterThan(400);
  });

  it('a retransmitted SYN of an evicted attempt is absorbed; a SYN with a new ISN on the same ports starts a new connection', () => {
    const factory = new RecordingFactory();
    const r = new TcpReassembler(factory, { tableBudgetBytes: 2 * ENTRY_BYTES.tracked });
    const wires = [0, 1, 2].map((i) => new Wire({ ip: `10.0.1.${i}`, port: 40_000 }, { ip: '10.0.0.2', port: 143 }));
    r.packet(...wires[0]!.pkt('c', 'S', 1000, 0));
    r.packet(...wires[1]!.pkt('c', 'S', 2000, 0));
    r.packet(...wires[2]!.pkt('c', 'S', 3000, 0)); // evicts wires[0]
    expect(factory.opened[0]!.summary).toMatchObject({ endReason: 'evicted', noAnswer: true, synFrames: [1] });
    r.packet(...wires[0]!.pkt('c', 'S', 1000, 0)); // its retry: counted
    r.packet(...wires[0]!.pkt('c', 'A', 1001, 77)); // a stray ACK: counted
    expect(factory.opened).toHaveLength(3);
    expect(r.stats().evictedPackets).toBe(2);
    r.packet(...wires[0]!.pkt('c', 'S', 5000, 0)); // the ports reused: a new connection
    expect(factory.opened).toHaveLength(4);
    expect(factory.opened[3]!.info.client).toEqual({ ip: '10.0.1.0', port: 40_000 });
    r.finish();
  });

  it('a SYN flood through a small budget opens each attempt once', () => {
    const frames: Buffer[] = [];
    for (let i = 0; i < 3_000; i++) {
      const syn = { src: hostAddress(100), dst: hostAddress(2), sport: 1024 + i, dport: 110, seq: i * 7919, flags: TCP_FLAGS.SYN };
      frames.push(tcpFrame(syn));
      if (i >= 100) frames.push(tcpFrame({ ...syn, sport: 1024 + i - 100, seq: (i - 100) * 7919 })); // the retry of an attempt 100 SYNs back
    }
    const { conversations, tcp } = analyse(frames, 100 * ENTRY_BYTES.tracked);
    expect(new Set(conversations.map((c) => `${c.client.port}`)).size).toBe(conversations.length);
    expect(tcp.connections).toBe(3_000);
    expect(tcp.evictedPackets).toBeGreaterThan(0);
    expect(tcp.synRetransmissions + (tcp.evictedPackets ?? 0)).toBe(2_900);
  });
});
