/**
 * The benchmark's capture generator (bench/generate.mjs): deterministic, and what it says it wrote
 * is what mailwire finds in the file (sessions per protocol, logins, mid-stream starts), for classic
 * pcap, pcapng and the small-packet variant. No timing here: speed is measured by bench/run.mjs.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureName, captureSpec, ensureCapture, generateCapture, makeRng, parseSize } from '../../bench/generate.mjs';
import { readLoop } from '../../bench/read-loop.mjs';
import { analyzeFiles } from '../../src/analyze.js';

const dir = mkdtempSync(join(tmpdir(), 'mailwire-gen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('bench/generate.mjs', () => {
  it('parses sizes and names files by their parameters', () => {
    expect(parseSize('100M')).toBe(100e6);
    expect(parseSize('1G')).toBe(1e9);
    expect(parseSize('20MB')).toBe(20e6);
    expect(parseSize(5000)).toBe(5000);
    expect(() => parseSize('lots')).toThrow();
    expect(captureName(captureSpec({ kind: 'mixed', size: 1e9 }))).toBe('mixed-1G-s1.pcap');
    expect(captureName(captureSpec({ size: 100e6, small: true, format: 'pcapng' }))).toBe('mail-small-100M-s1.pcapng');
  });

  it('is deterministic: the same seed gives the same bytes, another seed other bytes', () => {
    const a = join(dir, 'a.pcap');
    const b = join(dir, 'b.pcap');
    const c = join(dir, 'c.pcap');
    const sa = generateCapture(a, captureSpec({ size: 400_000, seed: 7 }));
    const sb = generateCapture(b, captureSpec({ size: 400_000, seed: 7 }));
    generateCapture(c, captureSpec({ size: 400_000, seed: 8 }));
    expect(sha256(a)).toBe(sha256(b));
    expect(sb).toEqual(sa);
    expect(sha256(c)).not.toBe(sha256(a));
    const r1 = makeRng(3);
    const r2 = makeRng(3);
    expect(Array.from({ length: 5 }, () => r1.next())).toEqual(Array.from({ length: 5 }, () => r2.next()));
  });

  it('stops at the requested size and counts every packet it wrote', () => {
    const p = join(dir, 'size.pcap');
    const s = generateCapture(p, captureSpec({ size: 1_000_000 }));
    expect(s.bytes).toBe(readFileSync(p).length);
    expect(s.bytes).toBeGreaterThanOrEqual(1_000_000);
    expect(s.bytes).toBeLessThan(1_000_000 + 2000);
    expect(readLoop(p)).toEqual({ packets: s.packets, bytes: s.bytes });
  });

  for (const variant of [
    { name: 'classic pcap', spec: captureSpec({ size: 3_000_000, seed: 2 }) },
    { name: 'pcapng', spec: captureSpec({ size: 3_000_000, seed: 2, format: 'pcapng' }) },
    { name: 'small packets', spec: captureSpec({ size: 3_000_000, seed: 2, small: true }) },
    { name: 'mixed traffic', spec: captureSpec({ kind: 'mixed', size: 6_000_000, seed: 2 }) },
  ]) {
    it(`mailwire finds the sessions and logins it wrote (${variant.name})`, async () => {
      const p = join(dir, captureName(variant.spec));
      const s = generateCapture(p, variant.spec);
      expect(readLoop(p).packets).toBe(s.packets);
      const r = await analyzeFiles([p]);
      expect(r.stats.frames).toBe(s.packets);
      expect(r.stats.byProtocol).toEqual({ imap: s.sessions.imap, pop3: s.sessions.pop3 });
      expect(r.stats.logins.ok).toBe(s.logins.ok);
      expect(r.stats.logins.failed).toBe(s.logins.failed);
      expect(r.stats.findings.byId['tcp.midstream'] ?? 0).toBe(s.sessions.midStream);
      // Reordering, retransmissions and overlaps carry the same bytes: no mismatch, and a gap only
      // where the end of the capture cut a reordered pair (the later segment came, the earlier not).
      const tcp = r.stats.inputs[0]!.tcp!;
      const gaps = r.conversations.flatMap((c) => c.events.filter((e) => e.kind === 'gap').map((e) => ({ c, e })));
      expect(gaps.length).toBe(tcp['gaps']);
      for (const { c, e } of gaps) {
        expect(c.tcp?.endReason).toBe('capture-end');
        expect(e.frame).toBe(c.lastFrame);
      }
      expect(tcp['retransmissionMismatches']).toBe(0);
      expect(tcp['outOfOrderSegments']).toBeGreaterThan(0);
      expect(tcp['retransmissions']).toBeGreaterThan(0);
      // The unrelated traffic is there and skipped.
      expect(s.httpFlows + s.udpPackets).toBeGreaterThan(0);
      const share = s.mailBytes / (s.mailBytes + s.otherBytes);
      expect(share).toBeCloseTo(variant.spec.mailShare, 1);
    });
  }

  it('the small-packet variant has several times more packets for the same size', () => {
    const normal = generateCapture(join(dir, 'n.pcap'), captureSpec({ size: 2_000_000, seed: 4 }));
    const small = generateCapture(join(dir, 's.pcap'), captureSpec({ size: 2_000_000, seed: 4, small: true }));
    expect(small.packets / normal.packets).toBeGreaterThan(3);
    expect(small.packets / normal.packets).toBeLessThan(10);
  });

  it('ensureCapture reuses a file with the same parameters and regenerates for others', () => {
    const p = join(dir, 'reuse.pcap');
    const first = ensureCapture(captureSpec({ size: 300_000 }), p);
    expect(first.generated).toBe(true);
    const again = ensureCapture(captureSpec({ size: 300_000 }), p);
    expect(again.generated).toBe(false);
    expect(again.summary).toEqual(first.summary);
    const other = ensureCapture(captureSpec({ size: 300_000, seed: 9 }), p);
    expect(other.generated).toBe(true);
  });
});
