/**
 * The whole pipeline (capture → decode → tcp → IMAP/POP3/TLS/SASL → diagnose → every report format)
 * under random and mutated input: real captures with bytes flipped, inserted, deleted, duplicated
 * and cut; random dialogue bytes on mail ports inside well-formed frames; damaged gzip streams.
 * No exception may escape, no dissector or rule may throw inside (those are caught and reported as
 * internal.* — still bugs), event and connection counts stay under their caps.
 *
 * The layers' own fuzz tests (test/decode/fuzz.test.ts, test/capture/capture-parser.test.ts
 * "hostile input", the SASL and TLS contract suites, the POP3 and IMAP property tests) feed each
 * layer alone; this one feeds them through each other. The mutations that once broke something
 * are kept in test/fixtures/robustness/ and replayed first. `npm run fuzz` (scripts/fuzz.mjs) runs
 * the same properties for minutes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import { readCaptureStream } from '../../src/capture/read-capture.js';
import { AnalysisSession } from '../../src/analyze.js';
import { makeReport } from '../../src/cli/report-factory.js';
import { ruleInfo } from '../../src/report/rule-info.js';
import { LIMITS } from '../../src/protocols/limits.js';
import { ENTRY_BYTES, TCP_LIMITS } from '../../src/tcp/limits.js';
import { isMailwireError } from '../../src/errors.js';
import { applyOperations, chunkingArb, loadSeeds, operationArb, runPipeline, type Operation, type PipelineLib, type Seed } from '../../scripts/fuzz-harness.mjs';
import { PcapngBuilder, collector } from '../helpers/capture-builders.js';
import { TcpConnection, pcapOf } from '../../scripts/adversarial-packets.mjs';
import { CORPUS, HAVE_CORPUS, ROOT } from '../robustness/helpers.js';

const LIB: PipelineLib = { CaptureParser, AnalysisSession, makeReport, ruleInfo, LIMITS, TCP_LIMITS, ENTRY_BYTES };
if (!HAVE_CORPUS) console.warn('pipeline fuzz: ../shared/corpus absent, fuzzing the founding samples only');
const SEEDS = loadSeeds(ROOT, HAVE_CORPUS ? CORPUS : undefined);
const FIXTURES = join(ROOT, 'test/fixtures/robustness');

interface Regression {
  seed: string;
  ops: Operation[];
  chunks: number[];
  found: string;
}

describe('pipeline fuzzing', () => {
  it('has seeds: the founding samples, the TLS samples and (when present) the corpus', () => {
    expect(SEEDS.some((s) => s.name === 'captures/phone-vs-thunderbird.pcap')).toBe(true);
    expect(SEEDS.some((s) => s.keyLogText !== undefined)).toBe(true);
    if (HAVE_CORPUS) expect(SEEDS.length).toBeGreaterThan(40);
  });

  it('every seed runs clean unmutated (so a failure below is the mutation\'s doing)', () => {
    for (const s of SEEDS) expect(() => runPipeline(LIB, s.name, s.bytes, [65536], s), s.name).not.toThrow();
  });

  it('replays the mutations that once broke something (test/fixtures/robustness/*.json)', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
    for (const f of files) {
      const r = JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Regression;
      const seed = SEEDS.find((s) => s.name === r.seed);
      if (!seed) continue; // a corpus seed without the corpus
      const bytes = applyOperations(seed.bytes, r.ops);
      expect(() => runPipeline(LIB, f, bytes, r.chunks, seed), `${f}: ${r.found}`).not.toThrow();
    }
  });

  it('mutated real captures, pushed in random chunks, through every report format', () => {
    fc.assert(
      fc.property(fc.nat({ max: SEEDS.length - 1 }), fc.array(operationArb(), { minLength: 1, maxLength: 8 }), chunkingArb(), (i, ops, chunks) => {
        const seed = SEEDS[i]!;
        runPipeline(LIB, seed.name, applyOperations(seed.bytes, ops), chunks, seed);
      }),
      { numRuns: 250 },
    );
  });

  it('random dialogue bytes in well-formed TCP on every mail port, with random segment boundaries', () => {
    const segment = fc.record({ side: fc.constantFrom('c' as const, 's' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 600 }) });
    // Lines that steer the dissectors into their deeper states, mixed with the random bytes.
    const steer = fc.constantFrom(
      '* OK IMAP4rev1 ready\r\n', '+OK POP3 ready\r\n', 'a1 AUTHENTICATE PLAIN\r\n', '+ \r\n', 'AUTH NTLM\r\n',
      'a2 LOGIN {5}\r\n', 'a3 APPEND INBOX {4294967296}\r\n', '* 1 FETCH (BODY[] {99999999999}\r\n', 'a4 STARTTLS\r\n',
      'a4 OK Begin TLS\r\n', 'STLS\r\n', '+OK begin\r\n', 'a5 COMPRESS DEFLATE\r\n', 'a5 OK\r\n', 'RETR 1\r\n', '+OK\r\n',
      'a6 IDLE\r\n', 'DONE\r\n', 'USER alice\r\n', 'PASS s3cret\r\n', 'TlRMTVNTUAABAAAAB4IIog==\r\n',
    ).map((s) => ({ side: s.startsWith('*') || s.startsWith('+') || /^a\d OK/.test(s) ? 's' as const : 'c' as const, bytes: new Uint8Array(Buffer.from(s, 'latin1')) }));
    fc.assert(
      fc.property(fc.constantFrom(143, 110, 993, 995), fc.array(fc.oneof(segment, steer), { minLength: 1, maxLength: 40 }), chunkingArb(), (port, segs, chunks) => {
        const conn = new TcpConnection({ dport: port });
        const frames = [...conn.handshake(), ...segs.flatMap((s) => conn.send(s.side, s.bytes)), ...conn.close()];
        const run = runPipeline(LIB, `random-${port}`, pcapOf(frames), chunks);
        expect(run.conversations).toBe(1);
      }),
      { numRuns: 300 },
    );
  });

  it('damaged gzip streams: a MailwireError when nothing inflates, otherwise frames and a warning', async () => {
    const small = SEEDS.filter((s) => s.bytes.length < 40_000);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: small.length - 1 }), fc.array(operationArb(), { minLength: 1, maxLength: 4 }), async (i, ops) => {
        const gz = applyOperations(gzipSync(small[i]!.bytes), ops);
        const session = new AnalysisSession({});
        const input = session.input('fuzz.gz');
        try {
          input.finish(await readCaptureStream(Readable.from([gz]), input, { source: 'fuzz.gz' }));
        } catch (err) {
          if (!isMailwireError(err)) throw err;
        }
        session.finish();
      }),
      { numRuns: 60 },
    );
  });
});

describe('timestamps beyond what a Date can hold', () => {
  // pcapng timestamps are 64-bit: 2^63 µs is year ~292,000, past the last Date (year 275,760), where
  // toISOString throws (found by scripts/fuzz.mjs in the reports, then in the TLS date rules).
  const farFuture = (seed: Seed): Uint8Array => {
    const sink = collector();
    const parser = new CaptureParser(sink);
    parser.push(seed.bytes);
    parser.end();
    const b = new PcapngBuilder().shb().idb({ linkType: sink.frames[0]!.linkType });
    for (const f of sink.frames) b.epb({ ifId: 0, ts: 2n ** 63n + BigInt(f.tsSec) * 1_000_000n, data: Buffer.from(f.hex, 'hex'), wireLen: f.wireLen });
    return b.build();
  };
  for (const name of ['captures/phone-vs-thunderbird.pcap', 'captures/tls/tls12-expired-rejected.pcap', 'captures/tls/tls12-not-yet-valid.pcap']) {
    it(`${name} shifted to the year ~292,000: every rule and format still runs`, () => {
      const seed = SEEDS.find((s) => s.name === name)!;
      const run = runPipeline(LIB, name, farFuture(seed), [65536], seed);
      expect(run.conversations).toBeGreaterThan(0);
    });
  }
});
