#!/usr/bin/env node
/**
 * The long fuzzing campaign (`npm run fuzz -- --minutes 5`): the properties of
 * test/fuzz/pipeline.fuzz.test.ts, run on the built dist/ for a time box instead of a few hundred
 * cases. Each failure is shrunk by fast-check and saved as test/fixtures/robustness/<name>.json
 * (seed, mutation operations, chunking, what broke), which the unit test then replays for ever.
 *
 *   node scripts/fuzz.mjs [--minutes N] [--seed S] [--no-save]
 *
 * Needs `npm run build` first. Exit status 1 when something broke, 0 otherwise.
 */
import fc from 'fast-check';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { applyOperations, chunkingArb, loadSeeds, operationArb, runPipeline } from './fuzz-harness.mjs';
import { TcpConnection, pcapOf } from './adversarial-packets.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CORPUS = fileURLToPath(new URL('../../shared/corpus/', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/robustness');

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '5' }, seed: { type: 'string' }, 'no-save': { type: 'boolean', default: false } },
});
const minutes = Number(values.minutes);
if (!(minutes > 0)) {
  process.stderr.write('fuzz: --minutes must be a positive number\n');
  process.exit(2);
}
if (!existsSync(join(ROOT, 'dist/analyze.js'))) {
  process.stderr.write('fuzz: dist/ is missing; run `npm run build` first\n');
  process.exit(2);
}

const dist = (p) => import(new URL(`../dist/${p}`, import.meta.url).href);
const [{ CaptureParser }, { AnalysisSession }, { makeReport }, { ruleInfo }, { LIMITS }, { TCP_LIMITS, ENTRY_BYTES }] = await Promise.all([
  dist('capture/capture-parser.js'), dist('analyze.js'), dist('cli/report-factory.js'), dist('report/rule-info.js'),
  dist('protocols/limits.js'), dist('tcp/limits.js'),
]);
const LIB = { CaptureParser, AnalysisSession, makeReport, ruleInfo, LIMITS, TCP_LIMITS, ENTRY_BYTES };
const SEEDS = loadSeeds(ROOT, existsSync(CORPUS) ? CORPUS : undefined);
const deadline = Date.now() + minutes * 60_000;
const totals = { runs: 0, frames: 0, conversations: 0, events: 0, warnings: 0, fatal: 0, outputBytes: 0 };
const failures = [];

function count(r) {
  totals.runs++;
  totals.frames += r.frames;
  totals.conversations += r.conversations;
  totals.events += r.events;
  totals.warnings += r.warnings;
  totals.outputBytes += r.outputBytes;
  if (r.fatal) totals.fatal++;
}

const mutated = fc.property(fc.nat({ max: SEEDS.length - 1 }), fc.array(operationArb(), { minLength: 1, maxLength: 12 }), chunkingArb(), (i, ops, chunks) => {
  const seed = SEEDS[i];
  count(runPipeline(LIB, seed.name, applyOperations(seed.bytes, ops), chunks, seed));
});

const dialogue = fc.property(
  fc.constantFrom(143, 110, 993, 995),
  fc.array(fc.record({ side: fc.constantFrom('c', 's'), bytes: fc.uint8Array({ minLength: 1, maxLength: 2000 }) }), { minLength: 1, maxLength: 60 }),
  chunkingArb(),
  (port, segs, chunks) => {
    const conn = new TcpConnection({ dport: port });
    const frames = [...conn.handshake(), ...segs.flatMap((s) => conn.send(s.side, s.bytes)), ...conn.close()];
    count(runPipeline(LIB, `random-${port}`, pcapOf(frames), chunks));
  },
);

let round = 0;
const baseSeed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
process.stderr.write(`fuzz: ${SEEDS.length} seed captures, ${minutes} min, base seed ${baseSeed}\n`);
while (Date.now() < deadline) {
  const [name, property] = round % 3 === 2 ? ['dialogue', dialogue] : ['mutated', mutated];
  const seed = (baseSeed + round) % 2 ** 31;
  round++;
  const result = fc.check(property, { seed, numRuns: 1_000_000, interruptAfterTimeLimit: Math.min(60_000, Math.max(1000, deadline - Date.now())) });
  if (!result.failed) continue;
  const [a, b, c] = result.counterexample;
  const found = String(result.errorInstance?.message ?? result.error).split('\n')[0];
  failures.push({ property: name, seed, found });
  process.stderr.write(`fuzz: ${name} property failed (seed ${seed}, path ${result.counterexamplePath}): ${found}\n`);
  if (name === 'mutated' && !values['no-save']) {
    mkdirSync(FIXTURES, { recursive: true });
    const file = join(FIXTURES, `found-${new Date().toISOString().slice(0, 10)}-${seed}.json`);
    writeFileSync(file, `${JSON.stringify({ seed: SEEDS[a].name, ops: b, chunks: c, found }, null, 2)}\n`);
    process.stderr.write(`fuzz: saved ${file}\n`);
  } else if (name === 'dialogue') {
    process.stderr.write(`fuzz: counterexample ${JSON.stringify({ port: a, segs: b.map((s) => ({ side: s.side, hex: Buffer.from(s.bytes).toString('hex') })), chunks: c })}\n`);
  }
}
process.stdout.write(`${JSON.stringify({ minutes, baseSeed, rounds: round, ...totals, failures }, null, 2)}\n`);
process.exitCode = failures.length > 0 ? 1 : 0;
