// Does `mailwire live` keep up? Replays a generated capture onto the loopback interface with
// tcpreplay while mailwire (through `cap`) and, as a reference, tcpdump capture it; then compares
// what each saw with what was sent. Needs root, tcpreplay (apt-get install tcpreplay) and tcpdump.
//
//   npm run build && node bench/live.mjs [--size 100M] [--mbps 1000|top] [--iface lo]
//
// `cap` 0.2.1 exposes no pcap_stats(), so mailwire's kernel drops are measured as the difference
// between the TCP packets tcpreplay sent and the frames mailwire counted; tcpdump's own report
// ("dropped by kernel") says whether the kernel dropped anything for a plain reader at that rate.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureSpec, ensureCapture, parseSize } from './generate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const o = { size: '100M', mbps: '1000', iface: 'lo' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--size' || a === '--mbps' || a === '--iface') o[a.slice(2)] = process.argv[++i];
  else throw new Error(`unknown option ${a}`);
}
for (const cmd of ['tcpreplay', 'tcpdump']) {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) throw new Error(`${cmd} is not installed (apt-get install ${cmd})`);
}

const input = ensureCapture(captureSpec({ size: parseSize(o.size) }));
const tcpPackets = input.summary.packets - input.summary.udpPackets;
const out = join(tmpdir(), `mailwire-live-${process.pid}.jsonl`);

const wait = (child) => new Promise((resolve) => child.on('exit', resolve));
const collect = (child) => {
  let s = '';
  child.stderr.on('data', (d) => { s += d; });
  child.stdout?.on('data', (d) => { s += d; });
  return () => s;
};

const mw = spawn(process.execPath, [join(root, 'bin', 'mailwire'), 'live', '-i', o.iface, '--format', 'jsonl', '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] });
const mwErr = collect(mw);
const td = spawn('tcpdump', ['-i', o.iface, '-n', '-w', '/dev/null', 'tcp'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
mw.kill('SIGINT');
td.kill('SIGINT');
await Promise.all([wait(mw), wait(td)]);

const sent = /Actual: (\d+) packets \((\d+) bytes\) sent in ([\d.]+) seconds/.exec(rp.stdout);
const rated = /Rated: ([\d.]+) Bps, ([\d.]+) Mbps, ([\d.]+) pps/.exec(rp.stdout);
const tdStats = {
  captured: Number(/(\d+) packets? captured/.exec(tdErr())?.[1] ?? NaN),
  dropped: Number(/(\d+) packets? dropped by kernel/.exec(tdErr())?.[1] ?? NaN),
};
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
const mwFrames = stats?.frames ?? stats?.inputs?.[0]?.capture?.frames;
const result = {
  input: input.path.slice(root.length + 1),
  iface: o.iface,
  requestedMbps: o.mbps,
  sent: sent ? { packets: Number(sent[1]), bytes: Number(sent[2]), seconds: Number(sent[3]) } : rp.stdout,
  rate: rated ? { mbps: Number(rated[2]), pps: Number(rated[3]) } : undefined,
  tcpPacketsInFile: tcpPackets,
  tcpdump: tdStats,
  mailwire: { frames: mwFrames, missed: mwFrames !== undefined ? tcpPackets - mwFrames : undefined, conversations: conv, expected: { imap: input.summary.sessions.imap, pop3: input.summary.sessions.pop3 }, peakRssMiB: +rssPeak.toFixed(1) },
};
console.log(JSON.stringify(result, null, 2));
if (mwFrames === undefined) console.log(mwErr());
