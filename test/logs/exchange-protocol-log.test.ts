/**
 * Exchange protocol logs as an input of `mailwire read`: detected by content, each session a
 * conversation replayed through the IMAP/POP3 dissector, so the Exchange findings fire from the log
 * and say file:line. Samples: captures/logs (scripts/make-log-samples.mjs, built from Microsoft's
 * documented format and the founding story's lines).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze.js';
import { parseContext, parseCsvLine } from '../../src/logs/csv.js';
import { inputKind, inputKindOf } from '../../src/logs/input-kind.js';

const LOGS = fileURLToPath(new URL('../../captures/logs/', import.meta.url));
const IMAP_LOG = join(LOGS, 'exchange-imap4-proxynotauthenticated.log');
const POP3_LOG = join(LOGS, 'exchange-pop3-proxynotauthenticated.log');
const CAPTURE = fileURLToPath(new URL('../../captures/clean-imap.pcap', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/mailwire', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../../scripts/make-log-samples.mjs', import.meta.url));

describe('input kinds, by content', () => {
  it('captures by their magic, Exchange logs by their #Fields header, anything else is left to the capture reader', () => {
    expect(inputKind(CAPTURE)).toBe('capture');
    expect(inputKind(IMAP_LOG)).toBe('exchange-protocol-log');
    expect(inputKindOf(new TextEncoder().encode('hello\nworld\n'))).toBe('capture');
    expect(inputKindOf(Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a))).toBe('capture');
    expect(inputKind('/nonexistent/file')).toBe('capture');
    expect(inputKind('-')).toBe('capture');
  });
});

describe('CSV and context fields', () => {
  it('splits quoted fields with doubled quotes and the R="..." item with its semicolons', () => {
    expect(parseCsvLine('a,"b,c","say ""hi""",,d')).toEqual(['a', 'b,c', 'say "hi"', '', 'd']);
    expect(parseCsvLine('"unterminated')).toEqual(['unterminated']);
    expect(parseContext('R="z NO [X] a;b";Msg=Proxy:h:1993:SSL;ErrMsg=ProxyNotAuthenticated')).toEqual([
      ['R', 'z NO [X] a;b'], ['Msg', 'Proxy:h:1993:SSL'], ['ErrMsg', 'ProxyNotAuthenticated'],
    ]);
    expect(parseContext('Connected;SSL')).toEqual([['Connected', ''], ['SSL', '']]);
  });
});

describe('Exchange IMAP4 protocol log', () => {
  it('gives one conversation per session; the founding story fires exchange.proxy-not-authenticated at its line', async () => {
    const r = await analyzeFiles([IMAP_LOG]);
    expect(r.conversations.map((c) => [c.id, c.protocol, c.client.ip, c.server.port, c.log?.session])).toEqual([
      [1, 'imap', '10.0.0.50', 993, '000000000000A1F3'],
      [2, 'imap', '10.0.0.61', 993, '000000000000A1F4'],
    ]);
    const [failed, ok] = r.conversations;
    expect(failed!.auth.map((a) => [a.user, a.outcome, a.encrypted])).toEqual([['HealthMailbox0a1b2c3d@DOMAIN.COM', 'failed', true]]);
    const proxy = failed!.findings.find((f) => f.id === 'exchange.proxy-not-authenticated')!;
    expect(proxy.lines).toEqual([`${IMAP_LOG}:8`]);
    expect(readFileSync(IMAP_LOG, 'latin1').split('\r\n')[7]).toContain('ErrMsg=ProxyNotAuthenticated');
    expect(failed!.events.filter((e) => e.kind === 'note').map((e) => e.note)).toEqual([
      'log: Connected; SSL', 'log: Msg=Proxy:EXCHANGESERVER.DOMAIN.COM:1993:SSL; ErrMsg=ProxyNotAuthenticated', 'log: Disconnected',
    ]);
    // Events in line order; the exchanges still point at their own lines.
    expect(failed!.events.map((e) => e.frame)).toEqual([...failed!.events.map((e) => e.frame)].sort((a, b) => a - b));
    for (const x of failed!.exchanges) expect(failed!.events[x.commandEvent]!.raw.split(' ')[1]).toBe(x.command);
    // The working session: no warning or error (no password rule speaks from Exchange's mask, no cleartext on 993).
    expect(ok!.auth.map((a) => a.outcome)).toEqual(['ok']);
    expect(ok!.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(r.stats.inputs[0]!.log).toEqual({ format: 'exchange-protocol-log', lines: 13, badLines: 0, sessions: 2 });
  });

  it('is read beside a capture: ids continue across inputs and each conversation names its input', async () => {
    const r = await analyzeFiles([CAPTURE, IMAP_LOG]);
    const fromLog = r.conversations.filter((c) => c.log);
    const fromWire = r.conversations.filter((c) => !c.log);
    expect(fromLog).toHaveLength(2);
    expect(fromWire.length).toBeGreaterThan(0);
    expect(new Set(r.conversations.map((c) => c.id)).size).toBe(r.conversations.length);
    expect(fromLog.every((c) => c.input === IMAP_LOG && c.tcp === undefined)).toBe(true);
  });

  it('rows it cannot read are counted, not fatal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwire-exlog-'));
    const p = join(dir, 'bad.log');
    writeFileSync(p, '#Fields: dateTime,sessionId,seqNumber,sIp,cIp,user,duration,rqsize,rpsize,command,parameters,context\r\nnot a time,1,0\r\n2026-01-01T00:00:00Z,,0\r\n"\r\n');
    const r = await analyzeFiles([p]);
    expect(r.conversations).toEqual([]);
    expect(r.stats.inputs[0]!.log).toMatchObject({ lines: 4, badLines: 3, sessions: 0 });
  });
});

describe('Exchange POP3 protocol log', () => {
  it('PASS answered with ProxyNotAuthenticated: pop3.login-failed and exchange.proxy-not-authenticated, the mask redacted', async () => {
    const r = await analyzeFiles([POP3_LOG]);
    expect(r.conversations.map((c) => c.protocol)).toEqual(['pop3']);
    const ids = r.conversations[0]!.findings.map((f) => f.id).sort();
    expect(ids).toEqual(['exchange.proxy-not-authenticated', 'pop3.login-failed']);
  });
});

describe('the CLI', () => {
  it('reads a log alone and says file and line in text, markdown and json', () => {
    for (const [format, where] of [['text', 'exchange-imap4-proxynotauthenticated.log line 8'], ['markdown', 'exchange-imap4-proxynotauthenticated.log line 8'], ['json', 'exchange-imap4-proxynotauthenticated.log:8']] as const) {
      const r = spawnSync(process.execPath, [BIN, 'read', '--no-color', '--width', '0', '-f', format, IMAP_LOG], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('exchange.proxy-not-authenticated');
      expect(r.stdout).toContain(where);
      expect(r.stdout).not.toContain('*****');
    }
  });

  it('the committed samples are what the script writes', () => {
    expect(execFileSync(process.execPath, [SCRIPT, '--check'], { encoding: 'utf8' })).not.toContain('DIFFERS');
  });
});
