/**
 * The bulk path of POP3 message bodies (Pop3Dissector.bodyBulk, the LineFramer's bulk hook and the
 * CRLF scanner) against the line-by-line reference (createPop3DissectorLineByLine): on real POP3
 * streams (the benchmark generator's sessions, read through the capture, decode and TCP layers,
 * and the corpus) and on bodies made of the awkward cases, at any chunking, the conversation and
 * the content streamed to a ContentSink are the same.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { captureSpec, generateCapture } from '../../../bench/generate.mjs';
import { readCapture } from '../../../src/capture/read-capture.js';
import { createDecodeContext, decodeFrame } from '../../../src/decode/decode-frame.js';
import { newDecoded } from '../../../src/decode/decoded.js';
import type { Conversation } from '../../../src/model/conversation.js';
import type { DissectorFactory, DissectorOptions } from '../../../src/protocols/dissector.js';
import { crlfScanner } from '../../../src/protocols/framing/crlf-scan.js';
import { createPop3Dissector, createPop3DissectorLineByLine } from '../../../src/protocols/pop3/pop3-dissector.js';
import { TcpReassembler } from '../../../src/tcp/reassembler.js';
import type { ConnectionInfo, ConnectionSummary, Direction, EndReason, SegmentMeta, StreamHandler } from '../../../src/tcp/stream.js';
import { RecordingSink } from '../../extract/recording-sink.js';
import { closedSummary } from '../../helpers/connection.js';
import { INFO } from './feed.js';

/** What the TCP layer handed a connection's handler, in order (bytes copied). */
type Call =
  | { op: 'data'; dir: Direction; bytes: Uint8Array; meta: SegmentMeta }
  | { op: 'gap'; dir: Direction; length: number; meta: SegmentMeta }
  | { op: 'end'; dir: Direction; reason: EndReason; meta: SegmentMeta }
  | { op: 'close'; summary: ConnectionSummary };

interface Recorded {
  info: ConnectionInfo;
  calls: Call[];
}

/** The POP3 (port 110) connections of a capture as the TCP layer delivers them. */
async function recordPop3(path: string): Promise<Recorded[]> {
  const out: Recorded[] = [];
  const factory = {
    open(info: ConnectionInfo): StreamHandler | undefined {
      if (info.server.port !== 110) return undefined;
      const r: Recorded = { info, calls: [] };
      out.push(r);
      return {
        data: (dir, bytes, meta) => void r.calls.push({ op: 'data', dir, bytes: new Uint8Array(bytes), meta: { ...meta } }),
        gap: (dir, length, meta) => void r.calls.push({ op: 'gap', dir, length, meta: { ...meta } }),
        end: (dir, reason, meta) => void r.calls.push({ op: 'end', dir, reason, meta: { ...meta } }),
        close: (summary) => void r.calls.push({ op: 'close', summary }),
      };
    },
    probe: () => undefined,
  };
  const decoded = newDecoded();
  const ctx = createDecodeContext();
  const tcp = new TcpReassembler(factory, { isMailPort: (p: number) => p === 110 });
  await readCapture(path, {
    frame(f) {
      const d = decodeFrame(f, decoded, ctx);
      if (d.kind === 'tcp') tcp.packet(f, d);
    },
  });
  tcp.finish();
  return out;
}

interface Outcome {
  conversation: string;
  content: Array<{ context: string; text: string; end: unknown }>;
}

/**
 * Plays recorded calls into a dissector, each data call cut at `cuts(i, length)` (offsets inside
 * the chunk; the pieces keep the chunk's frames and get their own stream offsets).
 */
function play(factory: DissectorFactory, r: Recorded, cuts: (i: number, length: number) => number[] = () => []): Outcome {
  let conv: Conversation | undefined;
  const sink = new RecordingSink();
  const opts: DissectorOptions = { security: 'plain', onConversation: (c) => (conv = c), content: sink };
  const d = factory(r.info, opts);
  r.calls.forEach((c, i) => {
    switch (c.op) {
      case 'data': {
        const points = [...new Set(cuts(i, c.bytes.length).filter((x) => x > 0 && x < c.bytes.length))].sort((a, b) => a - b);
        let prev = 0;
        for (const p of [...points, c.bytes.length]) {
          // A copy per call, spoiled afterwards: nothing may keep a view on the caller's bytes.
          const piece = c.bytes.slice(prev, p);
          d.data(c.dir, piece, { ...c.meta, streamOffset: c.meta.streamOffset + prev });
          piece.fill(0xee);
          prev = p;
        }
        break;
      }
      case 'gap':
        d.gap(c.dir, c.length, c.meta);
        break;
      case 'end':
        d.end(c.dir, c.reason, c.meta);
        break;
      case 'close':
        d.close(c.summary);
        break;
    }
  });
  if (!conv) throw new Error('no conversation');
  return {
    conversation: JSON.stringify(conv),
    content: sink.items.map((it) => ({ context: it.start.context, text: it.text(), end: it.end })),
  };
}

/** A connection made of scripted server and client bytes, one frame per step. */
function scripted(steps: Array<[Direction, string]>): Recorded {
  const calls: Call[] = [];
  const off: [number, number] = [0, 0];
  let frame = 4;
  for (const [dir, text] of steps) {
    const bytes = new Uint8Array(Buffer.from(text, 'latin1'));
    calls.push({ op: 'data', dir, bytes, meta: { streamOffset: off[dir], firstFrame: frame, lastFrame: frame, ts: 1000 + frame / 100 } });
    off[dir] += bytes.length;
    frame++;
  }
  calls.push({ op: 'close', summary: closedSummary({ lastFrame: frame, endTs: 1000 + frame / 100, bytes: [off[0], off[1]] }) });
  return { info: INFO, calls };
}

const dir = mkdtempSync(join(tmpdir(), 'mailwire-body-bulk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('POP3 message bodies in bulk', () => {
  it('runs the WebAssembly scanner here (the JS one is compared with it in crlf-scan.test.ts)', () => {
    expect(crlfScanner.accelerated).toBe(true);
  });

  it('gives the line-by-line result on generated POP3 sessions (real capture, decode and TCP layers), at any chunking', async () => {
    const path = join(dir, 'mail.pcap');
    // Mail traffic with dot-stuffed bodies of 1 KB-500 KB, reordering, retransmissions and a cut end.
    generateCapture(path, captureSpec({ size: 3_000_000, seed: 11 }));
    const conns = (await recordPop3(path)).filter((r) => r.calls.some((c) => c.op === 'data'));
    expect(conns.length).toBeGreaterThan(2);
    let bodies = 0;
    for (const r of conns) {
      const ref = play(createPop3DissectorLineByLine, r);
      bodies += ref.content.length;
      expect(play(createPop3Dissector, r)).toEqual(ref);
      // Every chunk cut at a few random places, and every chunk cut into 7-byte pieces.
      fc.assert(
        fc.property(fc.array(fc.array(fc.nat({ max: 1500 }), { maxLength: 4 }), { maxLength: r.calls.length }), (cuts) => {
          expect(play(createPop3Dissector, r, (i) => cuts[i] ?? [])).toEqual(ref);
        }),
        { numRuns: 5 },
      );
      expect(play(createPop3Dissector, r, (_i, n) => Array.from({ length: Math.ceil(n / 7) }, (_, k) => k * 7))).toEqual(ref);
    }
    expect(bodies).toBeGreaterThan(3);
  }, 120_000);

  it('gives the line-by-line result on the POP3 connections of the corpus', async () => {
    const corpus = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));
    const files = ['zeek/pop3.pcap', 'nDPI/pop3.pcap', 'suricata-verify/pop3/input.pcap', 'zeek/bad-list-retr-crafted.pcap', 'protolens/pop3.pcap'].map((f) => join(corpus, f)).filter((f) => existsSync(f));
    for (const f of files) {
      for (const r of await recordPop3(f)) {
        const ref = play(createPop3DissectorLineByLine, r);
        expect(play(createPop3Dissector, r)).toEqual(ref);
        expect(play(createPop3Dissector, r, (_i, n) => Array.from({ length: n }, (_, k) => k))).toEqual(ref);
      }
    }
  }, 60_000);

  it('gives the line-by-line result on bodies of awkward lines, at any chunking', () => {
    // Stuffed lines, a line that is only "..", ".\r\r\n", empty lines, bare LF (alone and after
    // CR CR), lone CRs, a line of exactly the cap and an overlong one (cap 65536), long runs of
    // ordinary lines (the scanner's 16-byte steps and memory growth), and the terminator's look-alikes.
    const long = 'x'.repeat(65_534);
    const plain = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'abcdefghij'.repeat(i % 9)}`).join('\r\n');
    const body = [
      'Subject: awkward', '', '..stuffed', '..', '...', '.\r', '. ', 'a\rb', '', '\r', 'bare\nLF', 'cr cr\r\r\nafter', plain,
      long, long + 'yz', '.' + long, 'end', '.x', '..',
    ].join('\r\n');
    const r = scripted([
      [1, '+OK ready\r\n'],
      [0, 'USER a\r\n'],
      [1, '+OK\r\n'],
      [0, 'PASS b\r\n'],
      [1, '+OK\r\n'],
      [0, 'RETR 1\r\n'],
      [1, `+OK\r\n${body}\r\n.\r\n`],
      [0, 'TOP 1 2\r\n'],
      [1, `+OK\r\n..a\r\nb\n.\r\n`],
      [0, 'RETR 2\r\n'],
      [1, `+OK\r\n${plain}\r\n`],
      [1, `.\r\n+OK unsolicited\r\n`],
      [0, 'RETR 3\r\n'],
      [1, `+OK\r\n${plain.slice(0, 5000)}`],
    ]);
    const ref = play(createPop3DissectorLineByLine, r);
    // The reference itself: four bodies, unstuffed, the overlong line cut in the content.
    expect(ref.content.length).toBe(4);
    expect(ref.content[0]!.text.startsWith('Subject: awkward\r\n\r\n.stuffed\r\n.\r\n..\r\n')).toBe(true);
    expect(ref.content[1]!.text).toBe('.a\r\nb\n');
    expect(play(createPop3Dissector, r)).toEqual(ref);
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat({ max: 210_000 }), { maxLength: 40 }), { maxLength: r.calls.length }), (cuts) => {
        expect(play(createPop3Dissector, r, (i) => cuts[i] ?? [])).toEqual(ref);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('gives the line-by-line result on a body of several MB in one chunk (longer than the scanner takes at once)', () => {
    const lines = Array.from({ length: 60_000 }, (_, i) => (i % 97 === 0 ? `.dot ${i}` : `line ${i} ${'0123456789'.repeat(i % 7)}`));
    const body = lines.join('\r\n');
    const stuffed = lines.map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n');
    const r = scripted([
      [1, '+OK ready\r\n'],
      [0, 'RETR 1\r\n'],
      [1, `+OK\r\n${stuffed}\r\n.\r\n`],
    ]);
    const ref = play(createPop3DissectorLineByLine, r);
    expect(ref.content[0]!.text).toBe(body + '\r\n');
    expect(play(createPop3Dissector, r)).toEqual(ref);
    expect(play(createPop3Dissector, r, (i) => (i === 2 ? [1_048_000, 1_048_600, 2_097_200] : []))).toEqual(ref);
  }, 60_000);

  it('gives the line-by-line result on bodies of bare-LF lines (counted and reported as per line), in big chunks too', () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => (i % 50 === 0 ? `.dot ${i}` : i % 7 === 0 ? '' : `unix line ${i}`));
    const stuffed = lines.map((l) => (l.startsWith('.') ? `.${l}` : l));
    const mixed = stuffed.map((l, i) => l + (i % 3 === 0 ? '\r\n' : '\n'));
    const r = scripted([
      [1, '+OK ready\r\n'],
      [0, 'RETR 1\r\n'],
      [1, `+OK\r\n${stuffed.join('\n')}\n.\n`],
      [0, 'RETR 2\r\n'],
      [1, `+OK\r\n${mixed.join('')}..\n.\r\n`],
    ]);
    const ref = play(createPop3DissectorLineByLine, r);
    expect(ref.content.map((c) => c.text)).toEqual([lines.join('\n') + '\n', lines.map((l, i) => l + (i % 3 === 0 ? '\r\n' : '\n')).join('') + '.\n']);
    expect(JSON.parse(ref.conversation).anomalies).toContainEqual(expect.objectContaining({ code: 'bare-lf', detail: `${40_000 + 26_666 + 1 + 1} server line(s) ended with a bare LF instead of CRLF` }));
    const t0 = Date.now();
    expect(play(createPop3Dissector, r)).toEqual(ref);
    // One scan per chunk, not one per bare-LF line (each of which would copy the rest of the chunk).
    expect(Date.now() - t0).toBeLessThan(5_000);
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat({ max: 700_000 }), { maxLength: 20 }), { maxLength: r.calls.length }), (cuts) => {
        expect(play(createPop3Dissector, r, (i) => cuts[i] ?? [])).toEqual(ref);
      }),
      { numRuns: 10 },
    );
  }, 60_000);
});
