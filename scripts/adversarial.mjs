#!/usr/bin/env node
/**
 * Adversarial traffic at full size: builds each hostile capture on disk (streamed, never whole in
 * memory), runs `node bin/mailwire read FILE --format jsonl` on it in a child process under
 * /usr/bin/time, and reports the peak RSS, the time, and the counters that say which cap was hit.
 * Memory must stay flat however big the attack: that is what the peak RSS column shows.
 *
 *   node scripts/adversarial.mjs [--scale F] [--case NAME]... [--keep] [--dir DIR]
 *
 * --scale shrinks every case (0.01 = 1 % of the sizes below) for a quick look. Needs dist/ (npm run
 * build). The unit tests test/robustness/adversarial-caps.test.ts assert the same caps and counters
 * on small versions; this script is where sizes and memory are measured (docs/security.md).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TCP_FLAGS, TcpConnection, hostAddress, pcapHeader, pcapRecord, tcpFrame } from './adversarial-packets.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const GiB = 1024 ** 3;
const SEGMENT_BYTES = 1460;
const T0 = 1_700_000_000;

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    case: { type: 'string', multiple: true },
    keep: { type: 'boolean', default: false },
    dir: { type: 'string' },
  },
});
const scale = Number(values.scale);
if (!(scale > 0 && scale <= 1)) {
  process.stderr.write('adversarial: --scale must be in (0, 1]\n');
  process.exit(2);
}

/** Writes pcap records through one fd with a batching buffer (so a 1 GiB case is not 1 GiB of RAM). */
class CaptureFile {
  constructor(path) {
    this.fd = openSync(path, 'w', 0o600);
    this.parts = [pcapHeader()];
    this.size = 0;
    this.frames = 0;
    this.t = T0;
  }

  add(frames, dt = 0.0001) {
    for (const f of frames) {
      this.parts.push(pcapRecord(this.t, f));
      this.t += dt;
      this.frames++;
      this.size += 16 + f.length;
    }
    if (this.parts.length >= 512) this.flush();
  }

  flush() {
    if (this.parts.length) writeSync(this.fd, Buffer.concat(this.parts));
    this.parts = [];
  }

  close() {
    this.flush();
    closeSync(this.fd);
  }
}

const enc = (s) => Buffer.from(s, 'latin1');

/** Each case writes its capture and names the counters that prove its cap was hit. */
const CASES = {
  'no-line-end': {
    what: '1 GiB from the client without a line end, in 1460-byte segments, then a real command',
    build(w) {
      const c = new TcpConnection();
      w.add([...c.handshake(), ...c.send('s', enc('* OK IMAP4rev1 ready\r\n'))]);
      const segments = Math.ceil((GiB * scale) / SEGMENT_BYTES);
      for (let i = 0; i < segments; i++) w.add(c.send('c', SEGMENT_BYTES));
      w.add([...c.send('c', enc('\r\na1 NOOP\r\n')), ...c.send('s', enc('a1 OK NOOP completed\r\n')), ...c.close()]);
    },
    expect: (s, convs) => [`line-too-long anomaly: ${convs.some((c) => c.anomalies?.some((a) => a.code === 'line-too-long'))}`],
  },
  'literal-4g': {
    what: 'APPEND announcing a 4 GiB literal ({4294967296}), accepted, then 1 GiB of it',
    build(w) {
      const c = new TcpConnection();
      w.add([...c.handshake(), ...c.send('s', enc('* OK IMAP4rev1 ready\r\n')), ...c.send('c', enc('a0 LOGIN alice secret\r\n')),
        ...c.send('s', enc('a0 OK LOGIN completed\r\n')), ...c.send('c', enc('a1 APPEND INBOX {4294967296}\r\n')), ...c.send('s', enc('+ Ready for literal data\r\n'))]);
      const segments = Math.ceil((GiB * scale) / SEGMENT_BYTES);
      for (let i = 0; i < segments; i++) w.add(c.send('c', SEGMENT_BYTES));
      w.add(c.close());
    },
    expect: (s, convs) => [`literal-too-large anomaly: ${convs.some((c) => c.anomalies?.some((a) => a.code === 'literal-too-large'))}`],
  },
  'million-connections': {
    what: '1,000,000 tiny IMAP connections (SYN, SYN-ACK, ACK, greeting), never closed, 10 µs apart',
    build(w) {
      const n = Math.ceil(1_000_000 * scale);
      for (let i = 0; i < n; i++) {
        const c = new TcpConnection({ client: hostAddress(100 + Math.floor(i / 50_000)), sport: 1024 + (i % 50_000) });
        w.add([...c.handshake(), ...c.send('s', enc('* OK hi\r\n'))], 0.0000025);
      }
    },
    expect: (s) => [`evicted ${s.tcp.evicted}`, `peak ${s.tcp.peakConnections}`],
  },
  'syn-flood': {
    what: '1,000,000 SYNs to port 143 from distinct sources, never answered, 10 µs apart',
    build(w) {
      const n = Math.ceil(1_000_000 * scale);
      for (let i = 0; i < n; i++) {
        w.add([tcpFrame({ src: hostAddress(100 + Math.floor(i / 50_000)), dst: hostAddress(2), sport: 1024 + (i % 50_000), dport: 143, seq: i * 7919, flags: TCP_FLAGS.SYN })], 0.00001);
      }
    },
    expect: (s) => [`evicted ${s.tcp.evicted}`, `peak ${s.tcp.peakConnections}`],
  },
  'overlap-mismatch': {
    what: '200,000 commands each sent twice at the same sequence number with different bytes',
    build(w) {
      const c = new TcpConnection();
      w.add([...c.handshake(), ...c.send('s', enc('* OK IMAP4rev1 ready\r\n'))]);
      const n = Math.ceil(200_000 * scale);
      for (let i = 0; i < n; i++) {
        const tag = `a${String(i).padStart(7, '0')}`;
        const seq = c.cseq;
        w.add([...c.send('c', enc(`${tag} NOOP\r\n`), { seq }), ...c.send('c', enc(`${tag} XYZW\r\n`)), ...c.send('s', enc(`${tag} OK done\r\n`))]);
      }
      w.add(c.close());
    },
    expect: (s) => [`retransmissionMismatches ${s.tcp.retransmissionMismatches}`],
  },
  'seq-jump-2-31': {
    what: '200,000 segments whose sequence number jumps by 2^31 (and 2^31 - 1) between real ones',
    build(w) {
      const c = new TcpConnection();
      w.add([...c.handshake(), ...c.send('s', enc('* OK IMAP4rev1 ready\r\n'))]);
      const n = Math.ceil(100_000 * scale);
      for (let i = 0; i < n; i++) {
        w.add([...c.send('c', 1000, { seq: (c.cseq + 2 ** 31) >>> 0 }), ...c.send('c', 1000, { seq: (c.cseq + 2 ** 31 - 1) >>> 0 }),
          ...c.send('c', enc(`a${i} NOOP\r\n`)), ...c.send('s', enc(`a${i} OK done\r\n`))]);
      }
      w.add(c.close());
    },
    expect: (s) => [`bogusSegments ${s.tcp.bogusSegments}`, `retransmissions ${s.tcp.retransmissions}`, `bytesBeforeStreamStart ${s.tcp.bytesBeforeStreamStart}`],
  },
};

/** Runs the CLI under /usr/bin/time; keeps only the summary line and the anomalies of conversations. */
function analyse(file) {
  return new Promise((resolve, reject) => {
    const timeFile = `${file}.time`;
    const child = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%M %e', process.execPath, join(ROOT, 'bin/mailwire'), 'read', file, '--format', 'jsonl'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let rest = '';
    let summary;
    const convs = [];
    let lines = 0;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop();
      for (const l of parts) {
        lines++;
        // Parse only what is kept: a slow reader would hold the child back (its writes block).
        if (l.startsWith('{"type":"summary"')) summary = JSON.parse(l);
        else if (convs.length < 10 && l.startsWith('{"type":"conversation"')) convs.push(JSON.parse(l));
      }
    });
    let stderr = '';
    child.stderr.on('data', (d) => { if (stderr.length < 4096) stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      const [kib, seconds] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
      resolve({ code, summary, convs, lines, peakRssMiB: Math.round(kib / 1024), seconds, stderr: stderr.trim() });
    });
  });
}

if (!existsSync(join(ROOT, 'dist/cli/main.js'))) {
  process.stderr.write('adversarial: dist/ is missing; run `npm run build` first\n');
  process.exit(2);
}
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'mailwire-adversarial-'));
const names = values.case ?? Object.keys(CASES);
const results = [];
for (const name of names) {
  const c = CASES[name];
  if (!c) {
    process.stderr.write(`adversarial: unknown case ${name} (cases: ${Object.keys(CASES).join(', ')})\n`);
    process.exit(2);
  }
  const file = join(dir, `${name}.pcap`);
  const w = new CaptureFile(file);
  c.build(w);
  w.close();
  process.stderr.write(`adversarial: ${name}: ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB, ${w.frames} frames; analysing...\n`);
  const r = await analyse(file);
  const input = r.summary?.inputs?.[0] ?? r.summary?.summary?.inputs?.[0];
  const row = {
    case: name, what: c.what, captureMiB: Math.round(statSync(file).size / 2 ** 20), frames: w.frames, framesRead: input?.capture?.frames, exit: r.code,
    seconds: r.seconds, peakRssMiB: r.peakRssMiB, reportLines: r.lines,
    caps: input ? c.expect(input, r.convs) : ['no summary'], stderr: r.stderr || undefined,
  };
  results.push(row);
  process.stderr.write(`adversarial: ${name}: exit ${r.code}, ${row.framesRead} frames read, ${r.seconds} s, peak RSS ${r.peakRssMiB} MiB, ${row.caps.join(', ')}\n`);
  if (!values.keep) rmSync(file, { force: true });
  rmSync(`${file}.time`, { force: true });
}
if (!values.keep && !values.dir) rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ scale, node: process.version, results }, null, 2)}\n`);
