// Where the time goes: runs the pipeline on one capture in this process, one layer more at each
// stage, and prints the time and MB/s of each (best of N). A tool for profiling work, not the
// benchmark (bench/run.mjs measures whole processes).
//
//   npm run build && node bench/stages.mjs FILE [runs]
//
// Stages: read (capture parser, counting frames) → decode (+ Ethernet/IP/TCP headers) → tcp (+ flow
// table and reassembly into handlers that drop the bytes) → dissect (+ IMAP/POP3 dissectors and
// conversation building) → analyze (+ diagnosis and statistics: AnalysisSession) → json (+ the JSON
// report written to a sink that drops it).
import { statSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url);
const load = (p) => import(new URL(p, dist).href);
const { readCapture } = await load('capture/read-capture.js');
const { newDecoded } = await load('decode/decoded.js');
const { createDecodeContext, decodeFrame } = await load('decode/decode-frame.js');
const { TcpReassembler } = await load('tcp/reassembler.js');
const { Dispatcher } = await load('protocols/dispatch.js');
const { makeTlsLayerFactory } = await load('protocols/tls/tls-layer.js');
const { parseKeyLog } = await load('protocols/tls/keylog.js');
const { AnalysisSession } = await load('analyze.js');
const { JsonReport } = await load('report/json.js');

const file = process.argv[2];
const runs = Number(process.argv[3] ?? 3);
if (!file) {
  console.error('usage: node bench/stages.mjs FILE [runs]');
  process.exit(2);
}
const mb = statSync(file).size / 1e6;

const nullHandler = { data() {}, gap() {}, end() {}, close() {} };
const MAIL = new Set([143, 110, 993, 995]);

function decodeSink(next) {
  const decoded = newDecoded();
  const ctx = createDecodeContext();
  return {
    frame(f) {
      const d = decodeFrame(f, decoded, ctx);
      if (next && d.kind === 'tcp') next.packet(f, d);
    },
    finish() { next?.finish(); },
  };
}

function dispatcher() {
  return new Dispatcher({ tls: makeTlsLayerFactory({ keyLog: parseKeyLog('') }), onConversation() {} });
}

const stages = [
  ['read', () => { let n = 0; return { frame() { n++; }, finish() {} }; }],
  ['decode', () => decodeSink(undefined)],
  ['tcp', () => decodeSink(new TcpReassembler({ open: () => nullHandler, probe: () => undefined }, { isMailPort: (p) => MAIL.has(p) }))],
  ['dissect', () => { const d = dispatcher(); return decodeSink(new TcpReassembler(d, { isMailPort: d.isMailPort })); }],
  ['analyze', () => {
    const s = new AnalysisSession({});
    const input = s.input(file);
    return { frame: (f) => input.frame(f), finish: () => { input.finish(); s.finish(); } };
  }],
  ['json', () => {
    const opts = { version: 'bench', inputs: [file], showSecrets: false, onlyProblems: false, minSeverity: 'info', color: false, ruleInfo: () => undefined };
    const report = new JsonReport(() => {}, opts);
    const s = new AnalysisSession({ onConversation: (c) => report.conversation(c) });
    const input = s.input(file);
    return { frame: (f) => input.frame(f), finish: () => { input.finish(); report.finish(s.finish(), s.stats.stats); } };
  }],
];

const only = process.env.STAGES ? process.env.STAGES.split(',') : undefined;
console.log(`${file}: ${mb.toFixed(1)} MB, best of ${runs}`);
for (const [name, make] of stages) {
  if (only && !only.includes(name)) continue;
  let best = Infinity;
  let bestCpu = Infinity;
  for (let r = 0; r < runs; r++) {
    const sink = make();
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    await readCapture(file, sink);
    sink.finish();
    const c = process.cpuUsage(c0);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
    bestCpu = Math.min(bestCpu, (c.user + c.system) / 1e3);
  }
  // CPU time is the steadier number on a shared machine (wall time includes waiting for a core).
  console.log(`${name.padEnd(8)} wall ${best.toFixed(0).padStart(6)} ms  cpu ${bestCpu.toFixed(0).padStart(6)} ms  ${(mb / (bestCpu / 1000)).toFixed(0).padStart(6)} MB/s of CPU`);
}
