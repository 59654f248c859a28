/**
 * Failed connection attempts folded per (client, server, port) (issue 17 item 11): a SYN flood
 * gives the first FOLD_AFTER_ATTEMPTS conversations per client and one tcp.attempts-folded finding,
 * in every report format; answered attempts are dissected as ever.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import { AnalysisSession } from '../../src/analyze.js';
import type { Conversation, Finding } from '../../src/model/conversation.js';
import { TCP_LIMITS } from '../../src/tcp/limits.js';
import { TcpConnection, TCP_FLAGS, hostAddress, pcapOf, tcpFrame } from '../../scripts/adversarial-packets.mjs';
import { runCli } from '../robustness/helpers.js';

const FOLD = TCP_LIMITS.FOLD_AFTER_ATTEMPTS;
const enc = (s: string): Buffer => Buffer.from(s, 'latin1');

function analyse(frames: Buffer[]): { conversations: Conversation[]; findings: Finding[]; tcp: Record<string, number> } {
  const conversations: Conversation[] = [];
  const session = new AnalysisSession({ onConversation: (c) => conversations.push(c) });
  const input = session.input('flood.pcap');
  const parser = new CaptureParser(input, { source: 'flood.pcap' });
  parser.push(pcapOf(frames));
  parser.end();
  const summary = input.finish(parser.stats());
  return { conversations, findings: session.finish(), tcp: summary.tcp! };
}

/** A SYN from client `c` (hostAddress(100 + c)) port `sport` to 10.0.0.2:`dport`. */
const syn = (c: number, sport: number, dport = 143, seq = sport * 7919): Buffer =>
  tcpFrame({ src: hostAddress(100 + c), dst: hostAddress(2), sport, dport, seq, flags: TCP_FLAGS.SYN });
const rst = (c: number, sport: number, dport = 143, seq = sport * 7919): Buffer =>
  tcpFrame({ src: hostAddress(2), dst: hostAddress(100 + c), sport: dport, dport: sport, seq: 0, ack: seq + 1, flags: TCP_FLAGS.RST | TCP_FLAGS.ACK });

describe('failed connection attempts are folded per client and server port', () => {
  it('a SYN flood from 3 clients: FOLD_AFTER_ATTEMPTS conversations each, the rest in one record per client', () => {
    const frames: Buffer[] = [];
    for (let i = 0; i < 1_000; i++) for (let c = 0; c < 3; c++) frames.push(syn(c, 10_000 + i));
    const { conversations, findings, tcp } = analyse(frames);
    expect(conversations).toHaveLength(3 * FOLD);
    expect(conversations.every((c) => c.findings.some((f) => f.id === 'tcp.no-answer'))).toBe(true);
    expect(tcp.foldedAttempts).toBe(3 * (1_000 - FOLD));
    const folded = findings.filter((f) => f.id === 'tcp.attempts-folded');
    expect(folded).toHaveLength(3);
    expect(folded[0]!.args).toMatchObject({ client: '10.0.0.100', server: '10.0.0.2:143', attempts: 1_000 - FOLD, unanswered: 1_000 - FOLD, refused: 0, syns: 1_000 - FOLD });
    // Client 0's 21st attempt is frame 3 * 20 + 1; its last is the last frame but two.
    expect(folded[0]!.frames).toEqual([3 * FOLD + 1, 3_000 - 2]);
    expect(folded[0]!.message).toMatch(/^10\.0\.0\.100 made 980 more failed connection attempts to 10\.0\.0\.2:143 \(no answer; 980 SYNs\), frames 61 to 2,998 of flood\.pcap/);
  });

  it('refused attempts, and SYN retries with the same ISN counted as one attempt', () => {
    const frames: Buffer[] = [];
    for (let i = 0; i < 50; i++) frames.push(syn(0, 20_000 + i, 110), rst(0, 20_000 + i, 110), syn(0, 20_000 + i, 110), rst(0, 20_000 + i, 110));
    const { conversations, findings } = analyse(frames);
    expect(conversations).toHaveLength(FOLD);
    expect(conversations.every((c) => c.tcp!.refused && c.tcp!.synFrames.length === 2)).toBe(true);
    const [f] = findings.filter((x) => x.id === 'tcp.attempts-folded');
    expect(f!.args).toMatchObject({ server: '10.0.0.2:110', attempts: 50 - FOLD, refused: 50 - FOLD, unanswered: 0 });
  });

  it('attempts the server answers are dissected, also past the threshold', () => {
    const frames: Buffer[] = [];
    for (let i = 0; i < 2 * FOLD; i++) frames.push(syn(0, 30_000 + i));
    const c = new TcpConnection({ client: hostAddress(100), sport: 31_000 });
    frames.push(...c.handshake(), ...c.send('s', enc('* OK ready\r\n')), ...c.send('c', enc('a1 LOGOUT\r\n')),
      ...c.send('s', enc('* BYE\r\na1 OK\r\n')), ...c.close());
    const { conversations, findings } = analyse(frames);
    expect(conversations).toHaveLength(FOLD + 1);
    const session = conversations.find((x) => x.client.port === 31_000)!;
    expect(session.events.map((e) => e.raw)).toEqual(['* OK ready', 'a1 LOGOUT', '* BYE', 'a1 OK']);
    expect(session.findings.map((f) => f.id)).not.toContain('tcp.no-answer');
    expect(findings.filter((x) => x.id === 'tcp.attempts-folded').map((x) => x.args.attempts)).toEqual([FOLD]);
  });

  it('a client with few failed attempts is reported one by one', () => {
    const frames: Buffer[] = [];
    for (let i = 0; i < FOLD; i++) frames.push(syn(0, 40_000 + i));
    const { conversations, findings, tcp } = analyse(frames);
    expect(conversations).toHaveLength(FOLD);
    expect(findings.filter((x) => x.id === 'tcp.attempts-folded')).toEqual([]);
    expect(tcp.foldedAttempts).toBeUndefined();
  });

  it('every report format carries the folded record', () => {
    const frames: Buffer[] = [];
    for (let i = 0; i < FOLD + 5; i++) frames.push(syn(0, 50_000 + i));
    const file = join(mkdtempSync(join(tmpdir(), 'mailwire-fold-')), 'flood.pcap');
    writeFileSync(file, pcapOf(frames));
    for (const format of ['text', 'json', 'jsonl', 'markdown', 'html']) {
      const r = runCli(['read', file, '--format', format]);
      expect(r.status, `${format}: ${r.stderr}`).toBe(0);
      expect(r.stdout, format).toContain('tcp.attempts-folded');
      expect(r.stdout, format).toContain('made 5 more failed connection attempts to 10.0.0.2:143');
    }
  });
});
