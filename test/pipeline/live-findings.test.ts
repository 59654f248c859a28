/**
 * Live mode's incremental findings (AnalyzeOptions.incrementalFindings): the findings of `live`
 * rules reach onFinding while their conversation is still open, each once; the others, and every
 * finding of `read` (no incrementalFindings), only when the conversation ends.
 */
import { describe, expect, it, vi } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { RawFrame } from '../../src/capture/frame.js';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import { AnalysisSession, MAX_LIVE_CHECKED_EXCHANGES } from '../../src/analyze.js';
import type { Conversation, Finding } from '../../src/model/conversation.js';
import { JsonLinesReport } from '../../src/report/json.js';
import { EventLinesReport } from '../../src/report/events/event-lines.js';
import { Diagnoser } from '../../src/diagnose/diagnose.js';
import { CATALOGUE } from '../../src/diagnose/catalogue.js';
import { ruleInfo } from '../../src/report/rule-info.js';
import { TcpConnection, pcapOf } from '../../scripts/adversarial-packets.mjs';

const enc = (s: string): Buffer => Buffer.from(s, 'latin1');

interface Timeline {
  /** Each onFinding call: the finding, the frame being fed then, whether its conversation had ended. */
  findings: Array<{ f: Finding; frame: number; ended: boolean }>;
  conversations: Conversation[];
  /** Frame being fed when each conversation was delivered. */
  endedAt: number[];
}

/** Feeds a capture frame by frame through an AnalysisSession, noting when each finding comes out. */
function run(capture: Uint8Array, incrementalFindings: boolean, onFinding?: (f: Finding, c?: Conversation) => void, onConversation?: (c: Conversation) => void): Timeline {
  const t: Timeline = { findings: [], conversations: [], endedAt: [] };
  let frame = 0;
  const session = new AnalysisSession({
    incrementalFindings,
    onFinding: (f, c) => {
      t.findings.push({ f, frame, ended: t.conversations.some((x) => x.id === f.conversation) });
      onFinding?.(f, c);
    },
    onConversation: (c) => {
      t.conversations.push(c);
      t.endedAt.push(frame);
      onConversation?.(c);
    },
  });
  const input = session.input('test');
  const parser = new CaptureParser({
    frame: (f: RawFrame) => {
      frame = f.index;
      input.frame(f);
    },
    warning: (w) => input.warning(w),
  }, { source: 'test' });
  parser.push(capture);
  parser.end();
  frame = Number.POSITIVE_INFINITY; // what finish() flushes comes after the last frame
  input.finish(parser.stats());
  session.finish();
  return t;
}

const key = (f: Finding): string => `${f.id} ${f.frames.join(',')} ${f.events.join(',')}`;

/** A failed LOGIN, a good one, then an IDLE the server keeps feeding until the client hangs up. */
function failedLoginThenLongIdle(): { pcap: Buffer; noFrame: number; finFrame: number } {
  const c = new TcpConnection();
  const frames: Buffer[] = [...c.handshake()];
  const push = (side: 'c' | 's', text: string): number => {
    frames.push(...c.send(side, enc(text)));
    return frames.length; // frame numbers are 1-based
  };
  push('s', '* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] ready\r\n');
  push('c', 'a1 LOGIN alice wrong-password\r\n');
  const noFrame = push('s', 'a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n');
  push('c', 'a2 LOGIN alice right-password\r\n');
  push('s', 'a2 OK LOGIN completed\r\n');
  push('c', 'a3 SELECT INBOX\r\n');
  push('s', '* 3 EXISTS\r\na3 OK [READ-WRITE] SELECT completed\r\n');
  push('c', 'a4 IDLE\r\n');
  push('s', '+ idling\r\n');
  for (let i = 4; i < 40; i++) push('s', `* ${i} EXISTS\r\n`);
  const finFrame = frames.length + 1;
  frames.push(...c.close());
  return { pcap: pcapOf(frames), noFrame, finFrame };
}

describe('incremental findings (live)', () => {
  it('a failed login followed by a long IDLE: imap.login-failed comes out at the NO, once; imap.no-logout only at the end', () => {
    const { pcap, noFrame, finFrame } = failedLoginThenLongIdle();
    const t = run(pcap, true);
    expect(t.conversations).toHaveLength(1);
    const conv = t.conversations[0]!;

    const failed = t.findings.filter((x) => x.f.id === 'imap.login-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.frame).toBe(noFrame);
    expect(failed[0]!.ended).toBe(false);
    expect(failed[0]!.f.conversation).toBe(conv.id);

    const noLogout = t.findings.filter((x) => x.f.id === 'imap.no-logout');
    expect(noLogout).toHaveLength(1);
    expect(noLogout[0]!.ended).toBe(true);
    expect(noLogout[0]!.frame).toBeGreaterThanOrEqual(finFrame);

    // Every finding the conversation carries went out exactly once; nothing else did.
    expect(t.findings.map((x) => key(x.f)).sort()).toEqual(conv.findings.map(key).sort());
    expect(conv.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['imap.login-failed', 'imap.cleartext-login', 'imap.no-logout']));
    // Nothing that was emitted early belongs to a rule that is not live.
    for (const x of t.findings.filter((y) => !y.ended)) expect(['imap.login-failed', 'imap.cleartext-login']).toContain(x.f.id);
  });

  it(`beyond MAX_LIVE_CHECKED_EXCHANGES commands the live rules wait for the end: the refused login still comes out once`, () => {
    const c = new TcpConnection();
    const frames: Buffer[] = [...c.handshake(), ...c.send('s', enc('* OK ready\r\n'))];
    for (let i = 0; i <= MAX_LIVE_CHECKED_EXCHANGES; i++) frames.push(...c.send('c', enc(`n${i} NOOP\r\n`)), ...c.send('s', enc(`n${i} OK NOOP completed\r\n`)));
    frames.push(...c.send('c', enc('a1 LOGIN alice wrong\r\n')), ...c.send('s', enc('a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n')), ...c.close());
    const t = run(pcapOf(frames), true);
    const failed = t.findings.filter((x) => x.f.id === 'imap.login-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.ended).toBe(true);
    expectEachOnce(t, 'many commands');
  });

  it('without incrementalFindings (read) every finding comes out after its conversation, and the conversation is the same', () => {
    const { pcap } = failedLoginThenLongIdle();
    const live = run(pcap, true);
    const read = run(pcap, false);
    expect(read.findings.length).toBeGreaterThan(0);
    for (const x of read.findings) expect(x.ended).toBe(true);
    expect(read.conversations.map((c) => c.findings)).toEqual(live.conversations.map((c) => c.findings));
  });

  it('on a real capture (Exchange 2013 ProxyNotAuthenticated): the refused login shows before the LOGOUT; the vendor summary at the end', () => {
    const pcap = readFileSync(new URL('../../captures/exchange2013-proxynotauthenticated.pcap', import.meta.url));
    const t = run(pcap, true);
    expect(t.conversations).toHaveLength(1);
    const failed = t.findings.filter((x) => x.f.id === 'imap.login-failed');
    expect(failed).toHaveLength(1);
    // Frame 8 carries `a1 NO [Error=ProxyNotAuthenticated ...] LOGIN failed.`; LOGOUT is frame 10.
    expect(failed[0]!.frame).toBe(8);
    expect(failed[0]!.ended).toBe(false);
    const vendor = t.findings.filter((x) => x.f.id === 'exchange.proxy-not-authenticated');
    expect(vendor).toHaveLength(1);
    expect(vendor[0]!.ended).toBe(true);
    expect(t.findings.map((x) => key(x.f)).sort()).toEqual(t.conversations[0]!.findings.map(key).sort());
  });

  it('jsonl with incremental findings: the finding line comes before the conversation line, and no finding line twice', () => {
    const { pcap } = failedLoginThenLongIdle();
    const out: string[] = [];
    const report = new JsonLinesReport((s) => out.push(s), {
      showSecrets: false, color: false, minSeverity: 'info', onlyProblems: false, ruleInfo, version: 'test', inputs: ['test'],
    });
    report.incrementalFindings = true;
    const t = run(pcap, true, (f) => report.finding(f), (c) => report.conversation(c));
    const lines = out.join('').trim().split('\n').map((l) => JSON.parse(l) as { type: string; id?: string });
    const convAt = lines.findIndex((l) => l.type === 'conversation');
    const failedAt = lines.findIndex((l) => l.type === 'finding' && l.id === 'imap.login-failed');
    expect(failedAt).toBeGreaterThanOrEqual(0);
    expect(failedAt).toBeLessThan(convAt);
    const findingLines = lines.filter((l) => l.type === 'finding');
    expect(findingLines).toHaveLength(t.conversations[0]!.findings.length);
    expect(new Set(findingLines.map((l) => JSON.stringify(l))).size).toBe(findingLines.length);
  });
});

describe('event lines (schema 2) in live', () => {
  it('a finding record comes before its conversation record, once, with the same uid, endpoints and input', () => {
    const { pcap } = failedLoginThenLongIdle();
    const out: string[] = [];
    const report = new EventLinesReport((s) => out.push(s), {
      showSecrets: false, color: false, minSeverity: 'info', onlyProblems: false, ruleInfo, version: 'test', inputs: ['test'], sensor: 'edge-1', // 'test': the input run() reads, as live names its one input
    });
    report.incrementalFindings = true;
    const t = run(pcap, true, (f, c) => report.finding(f, c), (c) => report.conversation(c));
    const records = out.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const convAt = records.findIndex((r) => r['mailwire.record'] === 'conversation');
    const failedAt = records.findIndex((r) => r['rule.id'] === 'imap.login-failed');
    expect(failedAt).toBeGreaterThanOrEqual(0);
    expect(failedAt).toBeLessThan(convAt);
    const conv = records[convAt]!;
    const findings = records.filter((r) => r['mailwire.record'] === 'finding');
    expect(findings).toHaveLength(t.conversations[0]!.findings.length);
    expect(new Set(findings.map((r) => r['rule.id'] + String(r['mailwire.finding.frames']))).size).toBe(findings.length);
    for (const f of findings) {
      for (const k of ['mailwire.conversation.uid', 'network.community_id', 'source.ip', 'source.port', 'destination.port', 'mailwire.input', 'observer.name']) expect(f[k], k).toEqual(conv[k]);
    }
    expect(conv['observer.name']).toBe('edge-1');
    expect(conv['mailwire.input']).toBe('test');
  });
});

describe('incremental findings: the live rules run again only when they may have something new', () => {
  /** Counts the Diagnoser's live passes while `run` feeds the capture. */
  function runCounting(pcap: Buffer): { t: Timeline; passes: number } {
    let passes = 0;
    const original = Diagnoser.prototype.progress;
    const spy = vi.spyOn(Diagnoser.prototype, 'progress').mockImplementation(function (this: Diagnoser, ...args) {
      passes++;
      return original.apply(this, args);
    });
    try {
      return { t: run(pcap, true), passes };
    } finally {
      spy.mockRestore();
    }
  }

  it('thirty FETCHes answered OK after a failed login cost no live pass; the refused login still comes out at its NO', () => {
    const c = new TcpConnection();
    const frames: Buffer[] = [...c.handshake(), ...c.send('s', enc('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n'))];
    frames.push(...c.send('c', enc('a1 LOGIN alice wrong\r\n')));
    frames.push(...c.send('s', enc('a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n')));
    const noFrame = frames.length;
    frames.push(...c.send('c', enc('a2 LOGIN alice right\r\n')), ...c.send('s', enc('a2 OK done\r\n')));
    frames.push(...c.send('c', enc('a3 SELECT INBOX\r\n')), ...c.send('s', enc('* 30 EXISTS\r\na3 OK [READ-WRITE] done\r\n')));
    for (let i = 1; i <= 30; i++) frames.push(...c.send('c', enc(`f${i} FETCH ${i} FLAGS\r\n`)), ...c.send('s', enc(`* ${i} FETCH (FLAGS (\\Seen))\r\nf${i} OK done\r\n`)));
    frames.push(...c.send('c', enc('a4 BOGUS\r\n')), ...c.send('s', enc('a4 BAD unknown command\r\n')));
    const badFrame = frames.length;
    frames.push(...c.close());
    const { t, passes } = runCounting(pcapOf(frames));
    // One pass per LOGIN and one for BOGUS (the first LOGIN's is also the conversation's first
    // look); none for the SELECT or the 30 FETCHes, which used to cost one each (34 in all).
    expect(passes).toBe(3);
    const at = (id: string) => t.findings.filter((x) => x.f.id === id).map((x) => x.frame);
    expect(at('imap.login-failed')).toEqual([noFrame]);
    expect(at('imap.unknown-command')).toEqual([badFrame]);
    expectEachOnce(t, 'fetches');
  });

  it('pipelined: a LOGIN answered after the NOOP sent behind it is still looked at when its NO comes', () => {
    const c = new TcpConnection();
    const frames: Buffer[] = [...c.handshake(), ...c.send('s', enc('* OK ready\r\n'))];
    frames.push(...c.send('c', enc('a1 LOGIN alice wrong\r\na2 NOOP\r\n')));
    frames.push(...c.send('s', enc('a2 OK NOOP done\r\n')));
    frames.push(...c.send('s', enc('a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n')));
    const noFrame = frames.length;
    frames.push(...c.send('c', enc('a3 NOOP\r\n')), ...c.send('s', enc('a3 OK done\r\n')), ...c.close());
    const t = run(pcapOf(frames), true);
    const failed = t.findings.filter((x) => x.f.id === 'imap.login-failed');
    expect(failed.map((x) => [x.frame, x.ended])).toEqual([[noFrame, false]]);
    expectEachOnce(t, 'pipelined');
  });

  it('the live rules are the ones live-trigger.ts was written for (a new live rule must be checked against mayRaiseLiveFinding)', () => {
    expect(CATALOGUE.filter((r) => r.live).map((r) => r.id).sort()).toEqual([
      'imap.auth-cancelled', 'imap.bad-response', 'imap.cleartext-login', 'imap.credential-whitespace',
      'imap.login-despite-auth-list', 'imap.login-disabled-ignored', 'imap.login-failed', 'imap.mechanism-not-advertised',
      'imap.starttls-injection', 'imap.unknown-command', 'imap.unquoted-credentials',
      'pop3.apop-md5', 'pop3.auth-cancelled', 'pop3.cleartext-login', 'pop3.credential-whitespace',
      'pop3.login-disabled-ignored', 'pop3.login-failed', 'pop3.starttls-injection', 'pop3.unknown-command',
      'smtp.cleartext-login', 'smtp.login-failed', 'smtp.unknown-command',
    ]);
  });
});

const CORPUS = new URL('../../../shared/corpus/', import.meta.url);
const SAMPLES = new URL('../../captures/', import.meta.url);

/** Every pcap/pcapng file in `dir` and its subfolders. */
function capturesIn(dir: URL): URL[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((n) => /\.(pcap|pcapng|cap)$/.test(n)).sort().map((n) => new URL(n, dir));
}

/** Each conversation's findings went to onFinding exactly once (early or at the end), nothing else. */
function expectEachOnce(t: Timeline, name: string): void {
  const given = t.findings.map((x) => `${x.f.conversation} ${key(x.f)}`).sort();
  const carried = t.conversations.flatMap((c) => c.findings.map((f) => `${c.id} ${key(f)}`)).sort();
  expect(given, name).toEqual(carried);
}

describe('incremental findings: each finding once, on every sample capture', () => {
  for (const file of capturesIn(SAMPLES)) {
    it(file.pathname.split('/').pop()!, () => {
      expectEachOnce(run(readFileSync(file), true), file.pathname);
    });
  }
});

const corpusPresent = existsSync(CORPUS);
if (!corpusPresent) console.warn('live-findings: /work/shared/corpus absent, corpus checks skipped');
describe.skipIf(!corpusPresent)('incremental findings: each finding once, on the corpus', () => {
  it('every corpus capture', () => {
    const files = capturesIn(CORPUS);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expectEachOnce(run(readFileSync(file), true), file.pathname);
  });
});
