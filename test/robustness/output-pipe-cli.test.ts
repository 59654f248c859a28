/**
 * The report goes to standard output with blocking writes (src/cli/output.ts): a reader that stops
 * early (`| head`) ends mailwire quietly with status 0, and a slow reader holds mailwire back
 * instead of making it queue the report in memory (measured in scripts/adversarial.mjs, not here).
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TCP_FLAGS, hostAddress, pcapOf, tcpFrame } from '../../scripts/adversarial-packets.mjs';
import { BIN, CAPTURES, ROOT, runCli, stderrLines } from './helpers.js';

/** 5000 unanswered SYNs: a report of several MB, far more than a pipe holds. */
function bigCapture(): string {
  const frames = Array.from({ length: 5000 }, (_, i) => tcpFrame({ src: hostAddress(100), dst: hostAddress(2), sport: 1024 + i, dport: 143, seq: i, flags: TCP_FLAGS.SYN }));
  const path = join(mkdtempSync(join(tmpdir(), 'mailwire-pipe-')), 'syns.pcap');
  writeFileSync(path, pcapOf(frames));
  return path;
}

describe('report on a pipe', () => {
  it('a reader that closes the pipe after the first bytes ends mailwire quietly, status 0', async () => {
    const child = spawn(process.execPath, [BIN, 'read', bigCapture(), '--format', 'jsonl'],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString())));
    child.stdout.destroy();
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(first).toMatch(/^\{"type":"conversation"/);
    expect(first.length).toBeLessThan(5000 * 500); // the reader really stopped before the end
    expect(status).toBe(0);
    expect(stderr).toBe('');
  });
});

describe('a full disk', () => {
  it('-o /dev/full: one line "no space left writing FILE", exit status 2 (not an internal error)', () => {
    const r = runCli(['read', join(CAPTURES, 'clean-imap.pcap'), '-o', '/dev/full']);
    expect(r.status).toBe(2);
    expect(stderrLines(r)).toEqual(['mailwire: no space left writing /dev/full']);
  });

  it('standard output on /dev/full: the same line, naming standard output', () => {
    const r = spawnSync(process.execPath, [BIN, 'read', join(CAPTURES, 'clean-imap.pcap')], { cwd: ROOT, stdio: ['ignore', openSync('/dev/full', 'w'), 'pipe'] });
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toBe('mailwire: no space left writing standard output\n');
  });
});
