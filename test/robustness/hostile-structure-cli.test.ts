/**
 * Hostile structure that used to lose data: parentheses nested thousands deep in a FETCH response and
 * a SEARCH command (the JSON renderer overflowed its stack and the conversation was lost). The parser
 * caps list depth (IMAP_LIMITS.MAX_LIST_DEPTH, anomaly 'nesting-too-deep', the rest kept as text), so
 * every report keeps the conversation and a reader such as Python's json (recursion limit ~1,000)
 * reads it.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TcpConnection, pcapOf } from '../../scripts/adversarial-packets.mjs';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mailwire-hostile-structure-'));
const enc = (s: string): Buffer => Buffer.from(s, 'latin1');

function deepNesting(depth: number): string {
  const c = new TcpConnection({ dport: 143 });
  const frames = [
    ...c.handshake(),
    ...c.send('s', enc('* PREAUTH ready\r\n')),
    ...c.send('c', enc('a1 SELECT INBOX\r\n')),
    ...c.send('s', enc('* 1 EXISTS\r\na1 OK [READ-WRITE] done\r\n')),
    ...c.send('c', enc(`a2 SEARCH ${'('.repeat(depth)}ALL${')'.repeat(depth)}\r\n`)),
    ...c.send('s', enc('* SEARCH 1\r\na2 OK done\r\n')),
    ...c.send('c', enc('a3 FETCH 1 BODYSTRUCTURE\r\n')),
    ...c.send('s', enc(`* 1 FETCH (BODYSTRUCTURE ${'('.repeat(depth)}"text"${')'.repeat(depth)})\r\na3 OK done\r\n`)),
    ...c.send('c', enc('a4 LOGOUT\r\n')),
    ...c.send('s', enc('* BYE\r\na4 OK bye\r\n')),
    ...c.close(),
  ];
  const path = join(dir, `nesting-${depth}.pcap`);
  writeFileSync(path, pcapOf(frames));
  return path;
}

interface Doc {
  conversations: Array<{ protocol: string; anomalies: Array<{ code: string }>; findings: Array<{ id: string }>; exchanges: Array<{ command: string }> }>;
  summary: { conversations: number };
}

const havePython = spawnSync('python3', ['-c', 'import json'], { stdio: 'ignore' }).status === 0;

describe('parentheses nested 3,000 deep', () => {
  const path = deepNesting(3000);

  it('json: the conversation is kept, dissected as IMAP, with one anomaly per capped line', () => {
    const r = runCli(['read', path, '--format', 'json']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.conversations).toHaveLength(1);
    const c = doc.conversations[0]!;
    expect(c.protocol).toBe('imap');
    expect(c.anomalies.filter((a) => a.code === 'nesting-too-deep')).toHaveLength(2);
    expect(c.anomalies.some((a) => a.code === 'dissector-exception')).toBe(false);
    expect(c.findings.some((f) => f.id.startsWith('internal.'))).toBe(false);
    expect(c.exchanges.map((e) => e.command)).toEqual(['SELECT', 'SEARCH', 'FETCH', 'LOGOUT']);
  });

  it.skipIf(!havePython)('json and jsonl: Python\'s json reads every report', () => {
    for (const format of ['json', 'jsonl']) {
      const out = runCli(['read', path, '--format', format]).stdout;
      const py = spawnSync('python3', ['-c', 'import json,sys\nfor l in ([sys.stdin.read()] if sys.argv[1] == "json" else sys.stdin): json.loads(l)', format], { input: out });
      expect(py.status, `${format}: ${py.stderr.toString()}`).toBe(0);
    }
  });

  it('every other format renders it', () => {
    for (const format of ['text', 'markdown', 'html']) {
      const r = runCli(['read', path, '--format', format]);
      expect(r.status, `${format}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('BODYSTRUCTURE');
    }
  });
});
