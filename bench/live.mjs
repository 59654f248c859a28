// Does `mailwire live` keep up? Replays a generated capture onto the loopback interface with
// tcpreplay while mailwire (through its libpcap addon, native/) and, as a reference, tcpdump capture
// it; then compares what each saw with what was sent. Needs root, tcpreplay (apt-get install
// tcpreplay), tcpdump and the addon (npm run build:native).
//
//   npm run build && node bench/live.mjs [--size 100M] [--mbps 1000|top] [--iface lo]
//   node bench/live.mjs --bare addon|cap [--buffer 16] [--size ...] [--mbps ...]
//
// --bare replaces mailwire by a process that only counts packets (the same filter, the kernel buffer
// --buffer MiB, default 16): through the addon (TPACKET_V3, batches) or through the `cap` module
// mailwire used before (immediate mode, TPACKET_V2, one callback per packet; not a dependency any
// more: npm install --no-save cap@0.2.1). It measures the delivery path alone.
//
// mailwire's kernel drops are libpcap's counters from its summary (ps_drop: the ring was full;
// ps_ifdrop: the interface dropped); `missed` is the TCP packets tcpreplay sent minus the frames
// mailwire counted, which should agree. tcpdump's own report ("dropped by kernel") says whether
// the kernel dropped anything for a plain reader at that rate. cpuSeconds is the mailwire process's
// user + system time for the whole run, runQueueSeconds the time it was ready to run but waited
// for a CPU (both from /proc), against the replay's duration.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureSpec, ensureCapture, parseSize } from './generate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const o = { size: '100M', mbps: '1000', iface: 'lo', bare: '', buffer: '16' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (['--size', '--mbps', '--iface', '--bare', '--buffer'].includes(a)) o[a.slice(2)] = process.argv[++i];
  else throw new Error(`unknown option ${a}`);
}
for (const cmd of ['tcpreplay', 'tcpdump']) {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) throw new Error(`${cmd} is not installed (apt-get install ${cmd})`);
}

const input = ensureCapture(captureSpec({ size: parseSize(o.size) }));
// Every generated address is in 10/8 (bench/generate.mjs): other loopback traffic on a shared
// machine (127.0.0.1) stays out of all three counts.
const FILTER = 'tcp and net 10.0.0.0/8';
const tcpPackets = input.summary.packets - input.summary.udpPackets;
const out = join(tmpdir(), `mailwire-live-${process.pid}.jsonl`);

const wait = (child) => new Promise((resolve) => child.on('exit', resolve));
const collect = (child) => {
  let s = '';
  child.stderr.on('data', (d) => { s += d; });
  child.stdout?.on('data', (d) => { s += d; });
  return () => s;
};

/** The bare counters: print {packets, bytes, stats?} as JSON on SIGINT. */
const bareCounters = {
  // cap does not keep the Buffer it fills alive: the handler must (else the process crashes at the
  // first garbage collection, 'malloc(): unsorted double linked list corrupted').
  cap: `const { Cap } = require('cap'); const c = new Cap(); const buf = Buffer.alloc(65535);
    c.open(IFACE, FILTER, BUFFER, buf); let packets = 0, bytes = 0;
    c.on('packet', (n) => { packets++; bytes += n; if (n > buf.length) throw new Error('overflow'); });
    process.on('SIGINT', () => { console.log(JSON.stringify({ packets, bytes })); c.close(); process.exit(0); });`,
  addon: `const m = require(ROOT + '/native/build/Release/mailwire_pcap.node'); const batch = Buffer.alloc(4 << 20);
    const dev = m.devices().find((d) => d.name === IFACE);
    const c = new m.Capture(IFACE, FILTER, 262144, BUFFER, 50, batch, dev.loopback); let packets = 0, bytes = 0;
    const onBatch = (n) => { for (let i = 0, off = 0; i < n; i++) { const len = batch.readUInt32LE(off + 8); packets++; bytes += len; off += 16 + len; } };
    const poll = () => { c.dispatch(16384, onBatch); t = setTimeout(poll, 10); }; let t = setTimeout(poll, 10);
    process.on('SIGINT', () => { clearTimeout(t); c.dispatch(-1, onBatch); console.log(JSON.stringify({ packets, bytes, stats: c.stats() })); c.close(); process.exit(0); });`,
};
if (o.bare && !bareCounters[o.bare]) throw new Error(`--bare takes addon or cap, not ${o.bare}`);
const mw = o.bare
  ? spawn(process.execPath, ['-e', `const IFACE = ${JSON.stringify(o.iface)}, FILTER = ${JSON.stringify(FILTER)}, ROOT = ${JSON.stringify(root)}, BUFFER = ${Number(o.buffer) * 1024 * 1024};\n${bareCounters[o.bare]}`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  : spawn(process.execPath, [join(root, 'bin', 'mailwire'), 'live', '-i', o.iface, '--format', 'jsonl', '-o', out, FILTER], { stdio: ['ignore', 'pipe', 'pipe'] });
const mwErr = collect(mw);
const td = spawn('tcpdump', ['-i', o.iface, '-n', '-w', '/dev/null', FILTER], { stdio: ['ignore', 'pipe', 'pipe'] });
const tdErr = collect(td);
await sleep(2000);
let rssPeak = 0;
const poll = setInterval(() => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${mw.pid}/status`, 'utf8'));
    if (m) rssPeak = Math.max(rssPeak, Number(m[1]) / 1024);
  } catch { /* ended */ }
}, 200);
const speed = o.mbps === 'top' ? ['--topspeed'] : ['--mbps', o.mbps];
const rp = spawnSync('tcpreplay', ['-i', o.iface, ...speed, input.path], { encoding: 'utf8' });
if (rp.status !== 0) throw new Error(`tcpreplay failed: ${rp.stderr}`);
await sleep(3000);
clearInterval(poll);
const cpuSeconds = (() => {
  try {
    // /proc/PID/stat fields 14 and 15 (after the parenthesised name): utime, stime in clock ticks.
    const f = readFileSync(`/proc/${mw.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
    return +((Number(f[11]) + Number(f[12])) / ticks).toFixed(2);
  } catch { return undefined; }
})();
// /proc/PID/schedstat: time on a CPU, time runnable but waiting for one (ns). On a shared 2-core
// machine the second says how much of a keeping-up problem is the machine's.
const runQueueSeconds = (() => {
  try {
    return +(Number(readFileSync(`/proc/${mw.pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9).toFixed(2);
  } catch { return undefined; }
})();
mw.kill('SIGINT');
td.kill('SIGINT');
await Promise.all([wait(mw), wait(td)]);

const sent = /Actual: (\d+) packets \((\d+) bytes\) sent in ([\d.]+) seconds/.exec(rp.stdout);
const rated = /Rated: ([\d.]+) Bps, ([\d.]+) Mbps, ([\d.]+) pps/.exec(rp.stdout);
const tdStats = {
  captured: Number(/(\d+) packets? captured/.exec(tdErr())?.[1] ?? NaN),
  dropped: Number(/(\d+) packets? dropped by kernel/.exec(tdErr())?.[1] ?? NaN),
};
if (o.bare) {
  let bare;
  try { bare = JSON.parse(mwErr().trim().split('\n').pop()); } catch { bare = mwErr(); }
  console.log(JSON.stringify({
    input: input.path.slice(root.length + 1), iface: o.iface, requestedMbps: o.mbps, bare: o.bare, bufferMiB: Number(o.buffer),
    sent: sent ? { packets: Number(sent[1]), bytes: Number(sent[2]), seconds: Number(sent[3]) } : rp.stdout,
    rate: rated ? { mbps: Number(rated[2]), pps: Number(rated[3]) } : undefined,
    tcpPacketsInFile: tcpPackets, tcpdump: tdStats,
    counter: { ...bare, missed: typeof bare === 'object' ? tcpPackets - bare.packets : undefined, cpuSeconds, runQueueSeconds },
  }, null, 2));
  process.exit(0);
}
let summary;
const conv = { imap: 0, pop3: 0 };
for (const line of readFileSync(out, 'utf8').split('\n')) {
  if (!line) continue;
  const j = JSON.parse(line);
  if (j.type === 'summary') summary = j;
  else if (j.type === 'conversation') conv[j.protocol] = (conv[j.protocol] ?? 0) + 1;
}
if (!process.env.KEEP) rmSync(out, { force: true });
else console.log(`kept ${out}`);
const stats = summary?.summary ?? summary;
const capture = stats?.inputs?.[0]?.capture;
const mwFrames = capture?.frames ?? stats?.frames;
const result = {
  input: input.path.slice(root.length + 1),
  iface: o.iface,
  requestedMbps: o.mbps,
  sent: sent ? { packets: Number(sent[1]), bytes: Number(sent[2]), seconds: Number(sent[3]) } : rp.stdout,
  rate: rated ? { mbps: Number(rated[2]), pps: Number(rated[3]) } : undefined,
  tcpPacketsInFile: tcpPackets,
  tcpdump: tdStats,
  mailwire: {
    frames: mwFrames,
    missed: mwFrames !== undefined ? tcpPackets - mwFrames : undefined,
    kernelDropped: capture?.dropped,
    ifDropped: capture?.ifDropped,
    conversations: conv,
    expected: { imap: input.summary.sessions.imap, pop3: input.summary.sessions.pop3 },
    peakRssMiB: +rssPeak.toFixed(1),
    cpuSeconds,
    runQueueSeconds,
  },
};
console.log(JSON.stringify(result, null, 2));
if (mwFrames === undefined) console.log(mwErr());
