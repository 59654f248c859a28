// Times pcap-parser 0.2.1 against mailwire's CaptureParser counting the packets of one generated
// classic pcap (~200 MB, in the OS temp dir, never in the repo), and prints MB/s for each.
//
//   npm run build && node bench/pcap-parser-compare.mjs [sizeMB] [runs]
//
// MAILWIRE_DIST=<dir> points at another build output (default: ../dist next to this file).
import { createReadStream, existsSync, statSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const pcapp = require('pcap-parser');
const dist = process.env.MAILWIRE_DIST ? pathToFileURL(process.env.MAILWIRE_DIST + '/').href : new URL('../dist/', import.meta.url).href;
const { readCapture, readCaptureStream } = await import(new URL('capture/read-capture.js', dist).href);
const { PcapWriter } = await import(new URL('capture/pcap-writer.js', dist).href);

const sizeMB = Number(process.argv[2] ?? 200);
const runs = Number(process.argv[3] ?? 3);
const path = join(tmpdir(), `mailwire-bench-${process.pid}.pcap`);

/** A mix of packet sizes like a mail session: ACKs, command lines, full segments. */
function generate() {
  const sizes = [66, 66, 120, 1514, 1514, 1514, 590, 74];
  const frames = sizes.map((n, k) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = (i * 31 + k) & 0xff;
    return b;
  });
  const w = new PcapWriter(path, 1, 262144);
  let bytes = 24;
  let i = 0;
  while (bytes < sizeMB * 1e6) {
    const f = frames[i % frames.length];
    w.write(1_700_000_000 + Math.floor(i / 1000), (i % 1000) * 1000, f);
    bytes += 16 + f.length;
    i++;
  }
  w.close();
  return i;
}

function timePcapParser() {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let n = 0;
    const parser = pcapp.parse(createReadStream(path));
    parser.on('packet', () => { n++; });
    parser.on('error', reject);
    parser.on('end', () => resolve({ n, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
  });
}

async function timeOurs(stream) {
  const t0 = process.hrtime.bigint();
  let n = 0;
  const sink = { frame() { n++; } };
  if (stream) await readCaptureStream(createReadStream(path, { highWaterMark: 64 * 1024 }), sink);
  else await readCapture(path, sink);
  return { n, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

const packets = generate();
const mb = statSync(path).size / 1e6;
console.log(`file: ${path}, ${mb.toFixed(1)} MB, ${packets} packets; best of ${runs} runs (node ${process.version})`);
const contenders = [
  ['pcap-parser 0.2.1 (fs stream)', () => timePcapParser()],
  ['mailwire readCapture (readSync, 4 MiB buffer)', () => timeOurs(false)],
  ['mailwire readCaptureStream (fs stream, 64 KiB chunks)', () => timeOurs(true)],
];
try {
  for (const [name, run] of contenders) {
    let best = Infinity;
    for (let r = 0; r < runs; r++) {
      const { n, ms } = await run();
      if (n !== packets) throw new Error(`${name} counted ${n} packets, expected ${packets}`);
      best = Math.min(best, ms);
    }
    console.log(`${name.padEnd(56)} ${(mb / (best / 1000)).toFixed(0).padStart(6)} MB/s  (${best.toFixed(0)} ms)`);
  }
} finally {
  if (existsSync(path)) unlinkSync(path);
}
