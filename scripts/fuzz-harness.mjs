/**
 * The fuzzing harness shared by the unit test (test/fuzz/pipeline.fuzz.test.ts, which hands it the
 * src/ modules) and the long campaign (scripts/fuzz.mjs, which hands it the dist/ build): seed
 * captures, mutations described as data (so fast-check can shrink them and a failure can be saved
 * and replayed), and one run of the whole pipeline with its invariants.
 *
 * A mutation position is a fraction of the current length, so any list of operations applies to
 * any file and replays exactly.
 */
import fc from 'fast-check';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { HOSTILE_SESSIONS, sessionCapture } from './hostile-sessions.mjs';

/** Seeds larger than this are left out (a fuzz run mutates and re-reads each seed many times). */
export const MAX_SEED_BYTES = 320 * 1024;

/**
 * Seed captures: the founding samples, the TLS samples (with their key logs, so decryption is
 * fuzzed too) and the corpus captures under MAX_SEED_BYTES, sorted by name (stable indexes), then
 * the hostile sessions of scripts/hostile-sessions.mjs.
 */
export function loadSeeds(root, corpus) {
  const seeds = [];
  const add = (dir, base) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir, { recursive: true }).map(String).sort()) {
      const path = join(dir, name);
      if (!/\.(pcap|pcapng|cap)$/.test(name) || !statSync(path).isFile() || statSync(path).size > MAX_SEED_BYTES) continue;
      const keylogPath = [path.replace(/\.(pcap|pcapng|cap)$/, '.keylog'), `${path}.keylog`].find((p) => existsSync(p));
      const seedName = relative(base, path);
      seeds.push({
        name: seedName, bytes: readFileSync(path), keyLogText: keylogPath ? readFileSync(keylogPath, 'latin1') : undefined,
        extraPorts: seedName.startsWith('captures/tls/') ? TLS_SAMPLE_PORTS : [],
      });
    }
  };
  add(join(root, 'captures'), root);
  if (corpus) add(corpus, join(corpus, '..'));
  // Hostile logins (scripts/hostile-sessions.mjs), built here: broken syntax next to secrets is where mutations hurt most.
  for (const s of HOSTILE_SESSIONS) seeds.push({ name: `hostile/${s.name}.pcap`, bytes: sessionCapture(s), keyLogText: undefined, extraPorts: [] });
  return seeds;
}

/** The TLS samples were recorded on these loopback ports (captures/tls/README.md), not on mail ports. */
const TLS_SAMPLE_PORTS = Array.from({ length: 99 }, (_, i) => 40001 + i);

/** Resolution of mutation positions (fractions of the file length). */
const POSITION_STEPS = 1 << 20;

/** Values that make length and offset fields lie. */
const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x3ffff, 0x40000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** fast-check arbitrary of one mutation operation (plain data, JSON-serialisable). */
export function operationArb() {
  // Uniform positions: fast-check's default bias towards 0 would mostly hit the file header, and a
  // file whose magic is gone only ever tests the one-line "not a capture" error.
  const at = fc.noBias(fc.integer({ min: 0, max: POSITION_STEPS - 1 })).map((n) => n / POSITION_STEPS);
  return fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('flip'), at, bit: fc.integer({ min: 0, max: 7 }) }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constant('byte'), at, value: fc.integer({ min: 0, max: 255 }) }), weight: 3 },
    { arbitrary: fc.record({ op: fc.constant('u32'), at, value: fc.constantFrom(...INTERESTING_U32), le: fc.boolean() }), weight: 3 },
    { arbitrary: fc.record({ op: fc.constant('insert'), at, bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 64 }) }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant('delete'), at, length: fc.integer({ min: 1, max: 256 }) }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant('duplicate'), at, length: fc.integer({ min: 1, max: 2048 }), to: at }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant('truncate'), at }), weight: 1 },
  );
}

/** Applies operations in order; returns a new buffer (the input is not changed). */
export function applyOperations(bytes, ops) {
  let b = Buffer.from(bytes);
  for (const o of ops) {
    const p = Math.floor(o.at * b.length);
    switch (o.op) {
      case 'flip':
        if (p < b.length) b[p] ^= 1 << o.bit;
        break;
      case 'byte':
        if (p < b.length) b[p] = o.value;
        break;
      case 'u32':
        if (p + 4 <= b.length) {
          if (o.le) b.writeUInt32LE(o.value >>> 0, p);
          else b.writeUInt32BE(o.value >>> 0, p);
        }
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, p), Buffer.from(o.bytes), b.subarray(p)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, p), b.subarray(p + o.length)]);
        break;
      case 'duplicate': {
        const piece = Buffer.from(b.subarray(p, p + o.length));
        const q = Math.floor(o.to * b.length);
        b = Buffer.concat([b.subarray(0, q), piece, b.subarray(q)]);
        break;
      }
      case 'truncate':
        b = b.subarray(0, p);
        break;
      default:
        throw new Error(`unknown mutation ${o.op}`);
    }
  }
  return b;
}

/** Chunk sizes to push the input in (1 byte to 64 KiB), cycled. */
export function chunkingArb() {
  return fc.array(fc.integer({ min: 1, max: 65536 }), { minLength: 1, maxLength: 8 });
}

export const FORMATS = ['text', 'json', 'jsonl', 'markdown', 'html'];

/**
 * Runs bytes through capture → decode → tcp → protocols → diagnose → every report format, pushing
 * them in `chunks` (with the seed's key log and extra ports when given). `lib` holds { CaptureParser, AnalysisSession, makeReport, ruleInfo, LIMITS,
 * TCP_LIMITS }. Throws (an Error saying which invariant broke) when:
 * - anything throws out of the pipeline or a renderer;
 * - a conversation holds more events than MAX_EVENTS_PER_CONVERSATION, or there are more
 *   conversations than frames, or more connections are tracked at once than the table's budget
 *   holds at the smallest entry cost (TCP_LIMITS.TABLE_BUDGET_BYTES / ENTRY_BYTES.retired);
 * - a dissector or rule exception was caught inside (internal.* findings, dissector-exception
 *   anomalies): those are bugs even though the pipeline survived them;
 * - the JSON report does not parse.
 * Returns counts for the caller's statistics.
 */
export function runPipeline(lib, name, bytes, chunks, { keyLogText, extraPorts = [], formats = FORMATS } = {}) {
  const conversations = [];
  const session = new lib.AnalysisSession({ onConversation: (c) => conversations.push(c), extraPorts, ...(keyLogText ? { keyLogText } : {}) });
  const input = session.input(name);
  const parser = new lib.CaptureParser(input, { source: name });
  for (let p = 0, i = 0; p < bytes.length; i++) {
    const n = chunks[i % chunks.length];
    parser.push(bytes.subarray(p, p + n));
    p += n;
  }
  parser.end();
  const summary = input.finish(parser.stats());
  const cross = session.finish();
  const stats = session.stats.stats;

  const frames = summary.capture?.frames ?? 0;
  if (conversations.length > Math.max(frames, 1)) throw new Error(`${conversations.length} conversations from ${frames} frames`);
  if ((summary.tcp?.peakConnections ?? 0) > lib.TCP_LIMITS.TABLE_BUDGET_BYTES / lib.ENTRY_BYTES.retired) throw new Error(`peak connections ${summary.tcp.peakConnections} above what the table's budget holds`);
  let events = 0;
  for (const c of conversations) {
    events += c.events.length;
    if (c.events.length > lib.LIMITS.MAX_EVENTS_PER_CONVERSATION) throw new Error(`conversation ${c.id}: ${c.events.length} events, above the cap`);
    const caught = c.anomalies.find((a) => a.code === 'dissector-exception');
    if (caught) throw new Error(`conversation ${c.id}: a dissector threw at frame ${caught.frame}: ${caught.detail}`);
  }
  const internal = [...cross, ...conversations.flatMap((c) => c.findings)].find((f) => f.id.startsWith('internal.'));
  if (internal) throw new Error(`${internal.id}: ${JSON.stringify(internal.args)}`);

  let outputBytes = 0;
  for (const format of formats) {
    const out = [];
    const report = lib.makeReport(format, (t) => out.push(t), {
      showSecrets: false, color: format === 'text', minSeverity: 'info', onlyProblems: false,
      ruleInfo: lib.ruleInfo, version: '0.0.0-fuzz', inputs: [name],
    });
    for (const c of conversations) report.conversation(c);
    report.finish(cross, stats);
    const text = out.join('');
    outputBytes += text.length;
    if (format === 'json') JSON.parse(text);
  }
  return { frames, conversations: conversations.length, events, warnings: summary.warningCount, fatal: parser.error?.message, outputBytes };
}
