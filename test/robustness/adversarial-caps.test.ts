/**
 * Small versions of the adversarial cases of scripts/adversarial.mjs, through the whole pipeline in
 * memory: each hits its cap, and the anomaly or counter that says so is asserted (never time or
 * memory: the script measures peak RSS at full size, docs/security.md records it).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import { AnalysisSession, type InputSummary } from '../../src/analyze.js';
import type { Conversation } from '../../src/model/conversation.js';
import { LIMITS } from '../../src/protocols/limits.js';
import { ENTRY_BYTES, TCP_LIMITS } from '../../src/tcp/limits.js';
import { TCP_FLAGS, TcpConnection, hostAddress, pcapOf, tcpFrame } from '../../scripts/adversarial-packets.mjs';
import { CAPTURES, runCli } from './helpers.js';

const enc = (s: string): Buffer => Buffer.from(s, 'latin1');

function analyse(frames: Buffer[], options: { tableBudgetBytes?: number } = {}): { conversations: Conversation[]; summary: InputSummary } {
  const conversations: Conversation[] = [];
  const session = new AnalysisSession({ onConversation: (c) => conversations.push(c), ...options });
  const input = session.input('adversarial');
  const parser = new CaptureParser(input, { source: 'adversarial' });
  parser.push(pcapOf(frames));
  parser.end();
  const summary = input.finish(parser.stats());
  session.finish();
  return { conversations, summary };
}

const lines = (c: Conversation): string[] => c.events.map((e) => `${e.side}: ${e.raw}`);

describe('adversarial traffic hits a cap, says so, and the dialogue goes on', () => {
  it('a client line that never ends: cut at MAX_LINE_BYTES, reported once, the next command parsed', () => {
    const c = new TcpConnection();
    const frames = [...c.handshake(), ...c.send('s', enc('* OK IMAP4rev1 ready\r\n'))];
    const total = 4 * LIMITS.MAX_LINE_BYTES + 123;
    for (let sent = 0; sent < total; sent += 1460) frames.push(...c.send('c', Math.min(1460, total - sent)));
    frames.push(...c.send('c', enc('\r\na1 NOOP\r\n')), ...c.send('s', enc('a1 OK NOOP completed\r\n')), ...c.close());
    const [conv] = analyse(frames).conversations;
    expect(conv!.anomalies.filter((a) => a.code === 'line-too-long')).toHaveLength(1);
    expect(conv!.anomalies.find((a) => a.code === 'line-too-long')!.detail).toContain(`longer than ${LIMITS.MAX_LINE_BYTES} bytes`);
    expect(lines(conv!).slice(-2)).toEqual(['C: a1 NOOP', 'S: a1 OK NOOP completed']);
    // The cut line is kept at most at the cap, not at the 256 KiB sent.
    for (const e of conv!.events) expect(e.raw.length).toBeLessThanOrEqual(LIMITS.MAX_LINE_BYTES);
  });

  it('a literal that announces 4 GiB: skipped by count (nothing buffered), reported, bytes counted', () => {
    const c = new TcpConnection();
    const frames = [...c.handshake(), ...c.send('s', enc('* OK IMAP4rev1 ready\r\n')), ...c.send('c', enc('a1 LOGIN alice secret\r\n')),
      ...c.send('s', enc('a1 OK LOGIN completed\r\n')), ...c.send('c', enc('a2 APPEND INBOX {4294967296}\r\n')), ...c.send('s', enc('+ Ready\r\n'))];
    const sent = 300 * 1460;
    for (let i = 0; i < 300; i++) frames.push(...c.send('c', 1460));
    frames.push(...c.close());
    const [conv] = analyse(frames).conversations;
    expect(conv!.anomalies.find((a) => a.code === 'literal-too-large')?.detail).toBe('literal of 4294967296 bytes announced: skipped by count');
    const append = conv!.events.find((e) => e.raw.startsWith('a2 APPEND'))!;
    expect(append.literals?.[0]).toMatchObject({ size: 4294967296, received: sent });
    expect(append.literals![0]!.head!.length).toBeLessThanOrEqual(LIMITS.LITERAL_HEAD_BYTES);
    expect(conv!.anomalies.some((a) => a.code === 'truncated-command')).toBe(true);
  });

  it('a SYN flood beyond the connection table\'s budget: the table stays within it, evictions counted', () => {
    const table = 5_000;
    const n = table + 500;
    const frames: Buffer[] = [];
    // Sources that stay below the folding threshold (TCP_LIMITS.FOLD_AFTER_ATTEMPTS): every attempt is a conversation.
    const perSource = TCP_LIMITS.FOLD_AFTER_ATTEMPTS;
    for (let i = 0; i < n; i++) {
      frames.push(tcpFrame({ src: hostAddress(100 + Math.floor(i / perSource)), dst: hostAddress(2), sport: 1024 + (i % perSource), dport: 143, seq: i * 7919, flags: TCP_FLAGS.SYN }));
    }
    const { conversations, summary } = analyse(frames, { tableBudgetBytes: table * ENTRY_BYTES.tracked });
    expect(summary.tcp).toMatchObject({ connections: n, peakConnections: table, evicted: 500 });
    expect(summary.tcp!.foldedAttempts).toBeUndefined();
    expect(conversations).toHaveLength(n);
    expect(conversations.every((c) => c.findings.some((f) => f.id === 'tcp.no-answer'))).toBe(true);
    // The 500 least recently active were dropped, and each says so; the others do not.
    const evicted = conversations.filter((c) => c.findings.some((f) => f.id === 'tcp.evicted'));
    expect(evicted).toHaveLength(500);
    expect(evicted.every((c) => c.tcp!.endReason === 'evicted' && c.id <= 500)).toBe(true);
  }, 120_000);

  it('a SYN flood from one source: its first attempts are conversations, the rest one folded record, memory held to HELD_ATTEMPTS_BYTES', () => {
    const n = 20_000;
    const frames: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      frames.push(tcpFrame({ src: hostAddress(100), dst: hostAddress(2), sport: 1024 + i, dport: 143, seq: i * 7919, flags: TCP_FLAGS.SYN }));
    }
    const { conversations, summary } = analyse(frames);
    const fold = TCP_LIMITS.FOLD_AFTER_ATTEMPTS;
    expect(conversations).toHaveLength(fold);
    expect(summary.tcp).toMatchObject({ connections: n, foldedAttempts: n - fold, evicted: 0 });
    // Held-back attempts beyond their memory are folded at once: the table never holds them all.
    expect(summary.tcp!.peakConnections).toBeLessThanOrEqual(fold + TCP_LIMITS.HELD_ATTEMPTS_BYTES / ENTRY_BYTES.tracked + 1);
  }, 120_000);

  it('overlapping segments with different contents: the first bytes win, the mismatch is counted and a finding says so', () => {
    const c = new TcpConnection();
    const frames = [...c.handshake(), ...c.send('s', enc('* OK IMAP4rev1 ready\r\n'))];
    const seq = c.cseq;
    frames.push(...c.send('c', enc('a1 LOGIN alice secret\r\n'), { seq }), ...c.send('c', enc('a1 LOGIN mallory evil1\r\n')),
      ...c.send('s', enc('a1 OK LOGIN completed\r\n')), ...c.close());
    const { conversations: [conv], summary } = analyse(frames);
    expect(summary.tcp).toMatchObject({ retransmissions: 1, retransmissionMismatches: 1 });
    expect(conv!.findings.map((f) => f.id)).toContain('tcp.retransmission-mismatch');
    expect(conv!.auth[0]!.user).toBe('alice');
  });

  it('sequence numbers jumping by 2^31 and 2^31 - 1: dropped and counted, the real stream intact', () => {
    const c = new TcpConnection();
    const frames = [...c.handshake(), ...c.send('s', enc('* OK IMAP4rev1 ready\r\n'))];
    for (let i = 0; i < 50; i++) {
      frames.push(...c.send('c', 1000, { seq: (c.cseq + 2 ** 31) >>> 0 }), ...c.send('c', 1000, { seq: (c.cseq + 2 ** 31 - 1) >>> 0 }),
        ...c.send('c', enc(`a${i} NOOP\r\n`)), ...c.send('s', enc(`a${i} OK done\r\n`)));
    }
    frames.push(...c.close());
    const { conversations: [conv], summary } = analyse(frames);
    // 2^31 - 1 ahead is beyond MAX_SEQ_AHEAD_BYTES: bogus; exactly 2^31 is "behind" in serial arithmetic: old bytes.
    expect(summary.tcp!.bogusSegments).toBe(50);
    expect(summary.tcp).toMatchObject({ retransmissions: 50, bytesBeforeStreamStart: 50 * 1000, gaps: 0, bufferedBytes: 0, peakBufferedBytes: 0 });
    expect(conv!.events).toHaveLength(1 + 100);
    expect(conv!.anomalies).toEqual([]);
    expect(lines(conv!).slice(-2)).toEqual(['C: a49 NOOP', 'S: a49 OK done']);
  });

  it('more pipelined commands than MAX_PENDING_COMMANDS: the oldest are dropped and reported', () => {
    const c = new TcpConnection();
    const frames = [...c.handshake(), ...c.send('s', enc('* OK IMAP4rev1 ready\r\n'))];
    const n = LIMITS.MAX_PENDING_COMMANDS + 50;
    for (let i = 0; i < n; i += 100) {
      frames.push(...c.send('c', enc(Array.from({ length: Math.min(100, n - i) }, (_, k) => `t${i + k} NOOP\r\n`).join(''))));
    }
    frames.push(...c.close());
    const [conv] = analyse(frames).conversations;
    const codes = new Set(conv!.anomalies.map((a) => a.code));
    expect([...codes].some((code) => /pending|too-many/.test(code)), [...codes].join(', ')).toBe(true);
    expect(conv!.events.length).toBe(1 + n);
  });
});

describe('one connection cannot grow its conversation without bound', () => {
  it('a million-command pipeline keeps MAX_EXCHANGES_PER_CONVERSATION exchanges, says so, and a later login is still seen', () => {
    const c = new TcpConnection();
    const frames = [...c.handshake(), ...c.send('s', enc('* OK IMAP4rev1 ready\r\n'))];
    const n = LIMITS.MAX_EXCHANGES_PER_CONVERSATION + 5_000;
    for (let i = 0; i < n; i += 500) {
      frames.push(...c.send('c', enc(Array.from({ length: 500 }, (_, k) => `t${i + k} NOOP\r\n`).join(''))));
      frames.push(...c.send('s', enc(Array.from({ length: 500 }, (_, k) => `t${i + k} OK NOOP\r\n`).join(''))));
    }
    frames.push(...c.send('c', enc('z1 LOGIN mallory hunter22\r\n')), ...c.send('s', enc('z1 NO [AUTHENTICATIONFAILED] no\r\n')), ...c.close());
    const [conv] = analyse(frames).conversations;
    expect(conv!.exchanges).toHaveLength(LIMITS.MAX_EXCHANGES_PER_CONVERSATION);
    expect(conv!.events).toHaveLength(LIMITS.MAX_EVENTS_PER_CONVERSATION);
    expect(conv!.anomalies.map((a) => a.code)).toEqual(expect.arrayContaining(['events-capped', 'exchanges-capped']));
    expect(conv!.auth.map((a) => [a.user, a.outcome])).toEqual([['mallory', 'failed']]);
    expect(conv!.findings.map((f) => f.id).filter((id) => id.startsWith('internal.'))).toEqual([]);
  });

  it('password guessing on one POP3 connection keeps MAX_AUTH_ATTEMPTS_PER_CONVERSATION attempts and says so', () => {
    const c = new TcpConnection({ dport: 110 });
    const frames = [...c.handshake(), ...c.send('s', enc('+OK POP3 ready\r\n'))];
    const n = LIMITS.MAX_AUTH_ATTEMPTS_PER_CONVERSATION + 50;
    for (let i = 0; i < n; i += 50) {
      frames.push(...c.send('c', enc(Array.from({ length: 50 }, (_, k) => `USER u${i + k}\r\nPASS p${i + k}\r\n`).join(''))));
      frames.push(...c.send('s', enc(Array.from({ length: 50 }, () => '+OK\r\n-ERR [AUTH] no\r\n').join(''))));
    }
    frames.push(...c.close());
    const [conv] = analyse(frames).conversations;
    expect(conv!.protocol).toBe('pop3');
    expect(conv!.auth).toHaveLength(LIMITS.MAX_AUTH_ATTEMPTS_PER_CONVERSATION);
    expect(conv!.auth.every((a, i) => a.n === i && a.outcome === 'failed')).toBe(true);
    expect(conv!.anomalies.filter((a) => a.code === 'auth-capped')).toHaveLength(1);
    expect(conv!.findings.map((f) => f.id).filter((id) => id.startsWith('internal.'))).toEqual([]);
  });

  it('a stream of malformed lines keeps MAX_ANOMALIES_PER_CODE of them and one saying the rest were dropped', () => {
    const c = new TcpConnection({ dport: 110 });
    const frames = [...c.handshake(), ...c.send('s', enc('+OK POP3 ready\r\n'))];
    const n = 30 * LIMITS.MAX_ANOMALIES_PER_CODE;
    for (let i = 0; i < n; i += 500) frames.push(...c.send('s', enc(Array.from({ length: 500 }, () => '\x00garbage\n').join(''))));
    frames.push(...c.close());
    const [conv] = analyse(frames).conversations;
    const codes = conv!.anomalies.map((a) => a.code);
    expect(codes.filter((code) => code === 'malformed-response')).toHaveLength(LIMITS.MAX_ANOMALIES_PER_CODE);
    expect(conv!.anomalies.filter((a) => a.code === 'anomalies-capped')).toEqual([
      expect.objectContaining({ detail: `more than ${LIMITS.MAX_ANOMALIES_PER_CODE} 'malformed-response' anomalies; the rest are dropped` }),
    ]);
    // The once-only anomaly the dissector fills in at the end (bare LF count) is still there and right.
    expect(conv!.anomalies.find((a) => a.code === 'bare-lf')?.detail).toBe(`${n} server line(s) ended with a bare LF instead of CRLF`);
  });
});

describe('the summaries say which reassembly caps were hit', () => {
  it('bogus sequence numbers and evictions appear under the input', () => {
    const c = new TcpConnection();
    const frames = [...c.handshake(), ...c.send('s', enc('* OK IMAP4rev1 ready\r\n'))];
    for (let i = 0; i < 7; i++) frames.push(...c.send('c', 100, { seq: (c.cseq + 2 ** 31 - 1) >>> 0 }), ...c.send('c', enc(`a${i} NOOP\r\n`)));
    frames.push(...c.close());
    const path = join(mkdtempSync(join(tmpdir(), 'mailwire-caps-')), 'bogus.pcap');
    writeFileSync(path, pcapOf(frames));
    const r = runCli(['read', path]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('caps hit: 7 segments with implausible sequence numbers dropped');
    expect(runCli(['read', join(CAPTURES, 'clean-imap.pcap')]).stdout).not.toContain('caps hit');
    expect(runCli(['read', path, '--format', 'markdown']).stdout).toContain('caps hit: 7 segments with implausible sequence numbers dropped');
    expect(runCli(['read', path, '--format', 'html']).stdout).toContain('caps hit: 7 segments with implausible sequence numbers dropped');
  });
});
