import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createDecodeContext, decodeFrame } from '../../src/decode/decode-frame.js';
import { newDecoded } from '../../src/decode/decoded.js';
import type { RawFrame } from '../../src/capture/frame.js';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import { formatAddress } from '../../src/decode/format-address.js';

/** Reads a capture with the capture layer's parser, in 64 KiB chunks as a file stream would. */
function readCaptureFrames(url: URL, onFrame: (f: RawFrame) => void): number {
  const parser = new CaptureParser({ frame: onFrame });
  const data = readFileSync(url);
  const CHUNK_BYTES = 64 * 1024;
  for (let o = 0; o < data.length; o += CHUNK_BYTES) parser.push(data.subarray(o, o + CHUNK_BYTES));
  parser.end();
  expect(parser.error).toBeUndefined();
  return parser.stats().frames;
}

// The shared corpus sits next to the repository (<repo>/../shared/corpus); it is not committed.
const CORPUS = new URL('../../../shared/corpus/', import.meta.url);
const haveCorpus = existsSync(CORPUS);
if (!haveCorpus) console.warn('decode corpus tests skipped: no shared corpus at', CORPUS.pathname);

interface Expected {
  files: Record<string, { frames: number; connections: Record<string, { packets: number; payloadBytes: number }> }>;
}
// Generated once with tshark by scripts/make-decode-fixtures.sh.
const expected = JSON.parse(
  readFileSync(new URL('../fixtures/decode/corpus-tcp-counts.json', import.meta.url), 'utf8'),
) as Expected;

const MAIL_PORTS = new Set([143, 993, 110, 995]);

function endpoint(buf: Uint8Array, off: number, len: 4 | 16, port: number): string {
  const a = formatAddress(buf, off, len);
  return len === 4 ? `${a}:${port}` : `[${a}]:${port}`;
}

describe.skipIf(!haveCorpus)('decodeFrame on the real corpus (counts from tshark)', () => {
  for (const [file, want] of Object.entries(expected.files)) {
    it(file, () => {
      const ctx = createDecodeContext();
      const out = newDecoded();
      const got: Record<string, { packets: number; payloadBytes: number }> = {};
      const frames = readCaptureFrames(new URL(file, CORPUS), (f) => {
        const d = decodeFrame(f, out, ctx);
        if (d.kind !== 'tcp' || !(MAIL_PORTS.has(d.srcPort) || MAIL_PORTS.has(d.dstPort))) return;
        const len = d.addrLength as 4 | 16;
        const s = endpoint(d.buf, d.srcAddrOffset, len, d.srcPort);
        const t = endpoint(d.buf, d.dstAddrOffset, len, d.dstPort);
        const key = s < t ? `${s} <> ${t}` : `${t} <> ${s}`;
        const c = (got[key] ??= { packets: 0, payloadBytes: 0 });
        c.packets++;
        c.payloadBytes += d.payloadWireLength;
        // The IP length bounds the payload: Ethernet padding is never counted as TCP bytes.
        if (!d.truncated) expect(d.payloadLength).toBe(d.payloadWireLength);
        expect(d.payloadOffset + d.payloadLength).toBeLessThanOrEqual(d.buf.length);
      });
      ctx.fragments?.finish();
      expect(frames).toBe(want.frames);
      expect(got).toEqual(want.connections);
      expect(ctx.counters.frames).toBe(want.frames);
      expect(ctx.counters.snapshot().errors).toEqual({});
    });
  }
});
