/**
 * Rotation of live's -w and -o files (-C, -G, -W as tcpdump): names, when a file ends, the ring,
 * the stop after -W files with -G; and that every packet and every line lands in exactly one file,
 * in order (the files read back equal what was written).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rotation, parseRotation, strftimeUtc } from '../../src/cli/rotation.js';
import { RotatingPcapWriter, openRotatingOutput } from '../../src/cli/rotating-files.js';
import { readCapture } from '../../src/capture/read-capture.js';
import type { RawFrame } from '../../src/capture/frame.js';
import { UsageError } from '../../src/cli/options.js';

const T0 = Date.UTC(2026, 10, 22, 8, 29, 0) / 1000;

describe('strftimeUtc', () => {
  it('fills the time conversions in UTC', () => {
    expect(strftimeUtc('ev-%Y%m%d-%H%M%S-%j-%y-%s-%%.jsonl', new Date((T0 + 5) * 1000))).toBe(`ev-20261122-082905-326-26-${T0 + 5}-%.jsonl`);
  });
});

describe('Rotation', () => {
  it('-C: a new file before one would pass the size; names FILE, FILE1, FILE2', () => {
    const r = new Rotation('raw.pcap', { sizeBytes: 100 }, '-w');
    expect(r.first(T0)).toBe('raw.pcap');
    expect(r.next(T0, 0, 150)).toBeUndefined(); // an empty file takes even an oversized write
    expect(r.next(T0, 150, 10)).toBe('raw.pcap1');
    expect(r.next(T0, 60, 40)).toBeUndefined();
    expect(r.next(T0, 100, 1)).toBe('raw.pcap2');
  });

  it('-C with -W: a ring of W files numbered with enough digits', () => {
    const r = new Rotation('raw.pcap', { sizeBytes: 10, count: 12 }, '-w');
    const names = [r.first(T0)];
    for (let i = 0; i < 13; i++) names.push(r.next(T0, 10, 5)!);
    expect(names.slice(0, 3)).toEqual(['raw.pcap00', 'raw.pcap01', 'raw.pcap02']);
    expect(names.slice(11, 14)).toEqual(['raw.pcap11', 'raw.pcap00', 'raw.pcap01']);
  });

  it('-G: a file per period, named by the period start; -W with -G alone stops after W files', () => {
    const r = new Rotation('ev-%H%M%S.jsonl', { seconds: 10, count: 3 }, '-o');
    expect(r.first(T0 + 3)).toBe('ev-082900.jsonl');
    expect(r.next(T0 + 9.9, 100, 10)).toBeUndefined();
    expect(r.next(T0 + 10, 100, 10)).toBe('ev-082910.jsonl');
    expect(r.next(T0 + 35, 100, 10)).toBe('ev-082930.jsonl');
    expect(r.limitReached).toBe(false);
    expect(r.next(T0 + 40, 100, 10)).toBeUndefined();
    expect(r.limitReached).toBe(true);
  });

  it('-G with -C: numbered within each period', () => {
    const r = new Rotation('ev-%M.jsonl', { seconds: 60, sizeBytes: 10 }, '-o');
    expect(r.first(T0)).toBe('ev-29.jsonl');
    expect(r.next(T0 + 1, 10, 5)).toBe('ev-29.jsonl1');
    expect(r.next(T0 + 60, 5, 5)).toBe('ev-30.jsonl');
  });

  it('refuses -G without a time in the name (each file would overwrite the last) and -W alone', () => {
    expect(() => new Rotation('raw.pcap', { seconds: 60 }, '-w')).toThrow(UsageError);
    expect(() => parseRotation({ fileCount: '3' })).toThrow('-W needs -C or -G');
    expect(parseRotation({ fileSize: '1.5', rotateSeconds: '60' })).toEqual({ sizeBytes: 1_500_000, seconds: 60 });
    expect(parseRotation({})).toBeUndefined();
  });
});

function frame(i: number, ts: number, size: number): RawFrame {
  const buf = new Uint8Array(size).fill(i & 0xff);
  return { index: i + 1, tsSec: Math.floor(ts), tsNsec: Math.round((ts % 1) * 1e9), capLen: size, wireLen: size, linkType: 1, interfaceId: 0, buf, offset: 0 } as RawFrame;
}

describe('rotating files keep every packet and every line once, in order', () => {
  it('-w with -G 1 and -C: the files read back are the packets written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwire-rotate-'));
    const w = new RotatingPcapWriter(join(dir, 'raw-%H%M%S.pcap'), { seconds: 1, sizeBytes: 2000 }, 1, 262144, T0);
    const sent: Array<[number, number, number]> = [];
    for (let i = 0; i < 200; i++) {
      const ts = T0 + i * 0.037;
      const f = frame(i, ts, 60 + (i % 7) * 40);
      sent.push([f.tsSec, Math.floor(f.tsNsec / 1000), f.capLen]);
      w.writeFrame(f);
    }
    w.close();
    expect(w.files.length).toBeGreaterThan(8);
    expect(readdirSync(dir).sort()).toEqual(w.files.map((f) => f.slice(dir.length + 1)).sort());
    const got: Array<[number, number, number]> = [];
    for (const file of w.files) {
      expect(statSync(file).size).toBeLessThanOrEqual(2000);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      await readCapture(file, { frame: (f) => got.push([f.tsSec, Math.floor(f.tsNsec / 1000), f.capLen]) });
    }
    expect(got).toEqual(sent);
  });

  it('-o with -G: lines split between files only at line ends', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwire-rotate-'));
    let now = T0;
    const out = openRotatingOutput(join(dir, 'ev-%H%M%S.jsonl'), { seconds: 2, sizeBytes: 300 }, false, () => now);
    const lines: string[] = [];
    for (let i = 0; i < 100; i++) {
      now = T0 + i * 0.1;
      const block = `{"n":${i}}\n{"n":${i},"second":true}\n`;
      lines.push(block);
      out.write(block);
    }
    out.close();
    expect(out.files.length).toBeGreaterThan(5);
    expect(out.files.map((f) => readFileSync(f, 'utf8')).join('')).toBe(lines.join(''));
    for (const f of out.files) expect(readFileSync(f, 'utf8')).toMatch(/^(\{[^\n]*\}\n)+$/);
  });
});

describe('mailwire live: rotation usage errors, before any capture starts', () => {
  const BIN = fileURLToPath(new URL('../../bin/mailwire', import.meta.url));
  it.each([
    [['-G', '1'], '-C, -G and -W rotate the -w and -o files'],
    [['-G', '1', '-w', 'raw.pcap'], '-G needs a time in the file name'],
    [['-C', '1', '-o', 'r.json', '--format', 'json'], 'a json report is one document and cannot be split'],
    [['-W', '3', '-w', 'raw.pcap'], '-W needs -C or -G'],
  ])('live %j', (args, message) => {
    const r = spawnSync(process.execPath, [BIN, 'live', '-i', 'lo', ...args], { cwd: mkdtempSync(join(tmpdir(), 'mailwire-rotate-')) });
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toContain(message);
  });
});
