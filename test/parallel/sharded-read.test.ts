/**
 * Sharded reading (`mailwire read --threads N`): the same report as one thread, on real bytes.
 * The worker is loaded from dist (npm test builds first), so these tests run the built CLI and the
 * built module. Run-dependent values are normalised: secret fingerprints (keyed per process; their
 * equalities are kept) and the peak figures of the reassembly counters (per worker, summed: see
 * docs/architecture.md, "The threaded path").
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import { PcapngBuilder, collector } from '../helpers/capture-builders.js';
import type { analyzeInputsSharded as AnalyzeSharded, ShardedOptions } from '../../src/parallel/sharded-read.js';
import { parseThreads } from '../../src/cli/read-command.js';
import type { RenderedConversation } from '../../src/parallel/protocol.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/mailwire');
const CORPUS = join(ROOT, '../shared/corpus');
const TMP = mkdtempSync(join(tmpdir(), 'mailwire-parallel-'));

function normalise(text: string): string {
  const seen = new Map<string, string>();
  return text
    .replace(/("fingerprint":\s*")([0-9a-f]+)"/g, (_m, head: string, v: string) => {
      if (!seen.has(v)) seen.set(v, `fp${seen.size}`);
      return `${head}${seen.get(v)}"`;
    })
    .replace(/("peak(?:Connections|BufferedBytes)":\s*)\d+/g, '$1<peak>');
}

function read(files: string[], format: string, threads: number, extra: string[] = []): { status: number | null; out: string; err: string } {
  const out = join(TMP, `out-${threads}.${format}`);
  const r = spawnSync(process.execPath, [BIN, 'read', ...files, '--format', format, '-o', out, '--threads', String(threads), ...extra], { encoding: 'utf8', timeout: 120_000 });
  let text = '';
  try {
    text = readFileSync(out, 'utf8');
  } catch {
    // no report
  }
  return { status: r.status, out: text, err: r.stderr };
}

/** --threads 2 (and 3) against --threads 1: same exit status, same report once normalised. */
function expectSame(files: string[], format: 'json' | 'jsonl', threads = 2, extra: string[] = []): string {
  const one = read(files, format, 1, extra);
  const many = read(files, format, threads, extra);
  expect(many.err).toBe(one.err);
  expect(many.status).toBe(one.status);
  expect(one.out.length).toBeGreaterThan(0);
  expect(normalise(many.out)).toBe(normalise(one.out));
  return one.out;
}

function captureFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...captureFiles(p));
    else if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** Conversations in a json report. */
function conversations(json: string): Array<{ id: number; protocol: string }> {
  return (JSON.parse(json) as { conversations: Array<{ id: number; protocol: string }> }).conversations;
}

// ---- inputs built from a generated capture (classic pcap, Ethernet) ----

interface PcapRecord {
  sec: number;
  usec: number;
  data: Uint8Array;
}

function parsePcap(buf: Uint8Array): { header: Uint8Array; records: PcapRecord[] } {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: PcapRecord[] = [];
  for (let p = 24; p + 16 <= buf.length;) {
    const len = v.getUint32(p + 8, true);
    records.push({ sec: v.getUint32(p, true), usec: v.getUint32(p + 4, true), data: buf.slice(p + 16, p + 16 + len) });
    p += 16 + len;
  }
  return { header: buf.slice(0, 24), records };
}

function writePcap(header: Uint8Array, records: PcapRecord[]): Uint8Array {
  const size = 24 + records.reduce((n, r) => n + 16 + r.data.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out.set(header, 0);
  let p = 24;
  for (const r of records) {
    v.setUint32(p, r.sec, true);
    v.setUint32(p + 4, r.usec, true);
    v.setUint32(p + 8, r.data.length, true);
    v.setUint32(p + 12, r.data.length, true);
    out.set(r.data, p + 16);
    p += 16 + r.data.length;
  }
  return out;
}

/** Ethernet/IPv4 TCP frames with more than 64 bytes of IP payload split into two fragments. */
function fragmented(records: PcapRecord[]): PcapRecord[] {
  const out: PcapRecord[] = [];
  let id = 1;
  for (const r of records) {
    const d = r.data;
    const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
    if (d.length < 34 || v.getUint16(12) !== 0x0800 || d[23] !== 6) {
      out.push(r);
      continue;
    }
    const hl = (d[14]! & 0x0f) * 4;
    const total = v.getUint16(16);
    const payload = total - hl;
    if (payload <= 64) {
      out.push(r);
      continue;
    }
    const cut = Math.floor(payload / 2 / 8) * 8;
    const ipId = id++ & 0xffff;
    const part = (from: number, to: number, more: boolean): Uint8Array => {
      const f = new Uint8Array(14 + hl + (to - from));
      f.set(d.subarray(0, 14 + hl), 0);
      f.set(d.subarray(14 + hl + from, 14 + hl + to), 14 + hl);
      const fv = new DataView(f.buffer);
      fv.setUint16(16, hl + (to - from));
      fv.setUint16(18, ipId);
      fv.setUint16(20, (more ? 0x2000 : 0) | (from / 8));
      return f;
    };
    out.push({ ...r, data: part(0, cut, true) }, { ...r, data: part(cut, payload, false) });
  }
  return out;
}

/** Every 10th frame, a short HTTP connection on port 80 (probed, then ignored) from a new client port. */
function withIgnoredConnections(records: PcapRecord[]): PcapRecord[] {
  const template = records.find((r) => r.data.length >= 54 && r.data[23] === 6)!.data;
  const out: PcapRecord[] = [];
  let port = 20_000;
  const segment = (sport: number, dport: number, flags: number, seq: number, payload: string): Uint8Array => {
    const body = new TextEncoder().encode(payload);
    const f = new Uint8Array(54 + body.length);
    f.set(template.subarray(0, 14), 0);
    const v = new DataView(f.buffer);
    v.setUint16(12, 0x0800);
    f.set([0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 9, 0, 1, 10, 9, 0, 2], 14);
    v.setUint16(16, 40 + body.length);
    if (sport === 80) {
      f.set([10, 9, 0, 2, 10, 9, 0, 1], 26);
    }
    v.setUint16(34, sport);
    v.setUint16(36, dport);
    v.setUint32(38, seq);
    v.setUint32(42, 0);
    f[46] = 0x50;
    f[47] = flags;
    v.setUint16(48, 65535);
    f.set(body, 54);
    return f;
  };
  records.forEach((r, i) => {
    out.push(r);
    if (i % 10 === 5) {
      const p = port++;
      out.push({ ...r, data: segment(p, 80, 0x02, 1000, '') });
      out.push({ ...r, data: segment(80, p, 0x12, 5000, '') });
      out.push({ ...r, data: segment(p, 80, 0x18, 1001, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n') });
      out.push({ ...r, data: segment(p, 80, 0x11, 1028, '') });
    }
  });
  return out;
}

let mail = '';
let mixed = '';
let fragments = '';
let ignored = '';
let idle = '';

beforeAll(() => {
  mail = join(TMP, 'mail-20M.pcap');
  mixed = join(TMP, 'mixed-20M.pcap');
  for (const [kind, out] of [['mail', mail], ['mixed', mixed]] as const) {
    const r = spawnSync(process.execPath, [join(ROOT, 'bench/generate.mjs'), '--kind', kind, '--size', '20M', '--seed', '7', '--out', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }
  const { header, records } = parsePcap(readFileSync(mail));
  const head = records.slice(0, 6000);
  fragments = join(TMP, 'fragments.pcap');
  writeFileSync(fragments, writePcap(header, fragmented(head)));
  ignored = join(TMP, 'ignored.pcap');
  writeFileSync(ignored, writePcap(header, withIgnoredConnections(head)));
  // Three hours of silence in the middle, then the frames of one connection only: the sessions
  // open then time out (2 h idle) at the first frame after it, in every worker, though only one
  // worker gets frames after it.
  const ports = (r: PcapRecord): string => [r.data[34]! * 256 + r.data[35]!, r.data[36]! * 256 + r.data[37]!].sort().join();
  const late = head.slice(3000).filter((r) => r.data[23] === 6);
  const one = ports(late[0]!);
  idle = join(TMP, 'idle.pcap');
  writeFileSync(idle, writePcap(header, [...head.slice(0, 3000), ...late.filter((r) => ports(r) === one).map((r) => ({ ...r, sec: r.sec + 3 * 3600 }))]));
}, 120_000);

describe('mailwire read --threads 2 gives the report of --threads 1', () => {
  it('on every capture of captures/ and the shared corpus, read together (json and jsonl)', () => {
    const readable = [...captureFiles(join(ROOT, 'captures')), ...captureFiles(CORPUS)];
    expect(readable.length).toBeGreaterThan(20);
    const json = expectSame(readable, 'json');
    expect(conversations(json).length).toBeGreaterThan(50);
    expectSame(readable, 'jsonl');
  }, 240_000);

  it('on a founding sample alone, and on TLS captures decrypted with a key log', () => {
    expectSame([join(ROOT, 'captures/phone-vs-thunderbird.pcap')], 'json');
    for (const name of ['imap-ssl', 'pop-ssl']) {
      const capture = join(CORPUS, `wireshark-notes/${name}.pcapng`);
      const json = expectSame([capture], 'json', 2, ['--keylog', `${capture}.keylog`]);
      expect(json).toContain('"decrypted":true');
    }
  }, 120_000);

  it('on a generated 20 MB mail and mixed input, json and jsonl, 2 and 3 threads', () => {
    const json = expectSame([mail], 'json');
    expect(conversations(json).length).toBeGreaterThan(40);
    expectSame([mail], 'jsonl', 3);
    expectSame([mixed], 'json', 3);
    expectSame([mixed], 'jsonl');
  }, 120_000);

  it('on several inputs at once (ids continue across inputs)', () => {
    const json = expectSame([mail, join(ROOT, 'captures/clean-imap.pcap'), mixed], 'json');
    const ids = conversations(json).map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  }, 120_000);

  it('with the report options that change the rendering (--only-problems, --min-severity, --show-secrets, --fail-on)', () => {
    expectSame([mail], 'json', 2, ['--only-problems', '--min-severity', 'warning', '--fail-on', 'warning']);
    expectSame([join(ROOT, 'captures/phone-vs-thunderbird.pcap')], 'jsonl', 2, ['--show-secrets']);
  }, 120_000);

  it('on a capture whose TCP segments arrive in IP fragments', () => {
    const json = expectSame([fragments], 'json');
    const summary = (JSON.parse(json) as { summary: { inputs: Array<{ decoded: { reassembled: number } }> } }).summary;
    expect(summary.inputs[0]!.decoded.reassembled).toBeGreaterThan(1000);
    expect(conversations(json).length).toBeGreaterThan(10);
  }, 60_000);

  it('on a capture with many ignored connections between the mail ones (ids count them)', () => {
    const json = expectSame([ignored], 'json');
    const tcp = (JSON.parse(json) as { summary: { inputs: Array<{ tcp: { ignoredConnections: number } }> } }).summary.inputs[0]!.tcp;
    expect(tcp.ignoredConnections).toBeGreaterThan(500);
    const ids = conversations(json).map((c) => c.id);
    // Mail conversations are numbered among the ignored connections: the ids have holes.
    expect(Math.max(...ids)).toBeGreaterThan(ids.length + 100);
    expectSame([ignored], 'jsonl');
  }, 60_000);

  it('on a gzip-compressed capture (the stream reader) and on a pcapng whose key log is in a Decryption Secrets Block', () => {
    const gz = join(TMP, 'head.pcap.gz');
    writeFileSync(gz, gzipSync(readFileSync(ignored)));
    expectSame([gz], 'json');
    const source = join(CORPUS, 'wireshark-notes/imap-ssl.pcapng');
    const sink = collector();
    const parser = new CaptureParser(sink);
    parser.push(readFileSync(source));
    parser.end();
    const b = new PcapngBuilder().shb().idb({ linkType: sink.frames[0]!.linkType, tsresol: 9 });
    b.dsb(0x544c534b, readFileSync(`${source}.keylog`, 'latin1'));
    for (const f of sink.frames) b.epb({ ifId: 0, ts: BigInt(f.tsSec) * 1_000_000_000n + BigInt(f.tsNsec), data: Buffer.from(f.hex, 'hex'), wireLen: f.wireLen });
    const dsb = join(TMP, 'dsb.pcapng');
    writeFileSync(dsb, b.build());
    expect(expectSame([dsb], 'json')).toContain('"decrypted":true');
  }, 60_000);

  it('on a capture where connections time out (the capture clock and sweeps are the whole capture\'s)', () => {
    const json = expectSame([idle], 'json');
    const tcp = (JSON.parse(json) as { summary: { inputs: Array<{ tcp: { timedOut: number } }> } }).summary.inputs[0]!.tcp;
    expect(tcp.timedOut).toBeGreaterThan(5);
    expectSame([idle], 'jsonl', 3);
  }, 60_000);

  it('text reports and standard input stay on one thread (same output, no worker)', () => {
    expectSame([join(ROOT, 'captures/clean-imap.pcap')], 'text' as 'json');
    const r = spawnSync(process.execPath, [BIN, 'read', '-', '--format', 'json', '--threads', '2'], { input: readFileSync(join(ROOT, 'captures/clean-pop3.pcap')), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(conversations(r.stdout).length).toBeGreaterThan(0);
  });

  it('rejects a bad --threads', () => {
    const r = read([join(ROOT, 'captures/clean-imap.pcap')], 'json', 0);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/--threads/);
  });
});

describe('sharded reading: failures and memory', () => {
  async function load(): Promise<typeof AnalyzeSharded> {
    const mod = (await import(pathToFileURL(join(ROOT, 'dist/parallel/sharded-read.js')).href)) as { analyzeInputsSharded: typeof AnalyzeSharded };
    return mod.analyzeInputsSharded;
  }
  const render: ShardedOptions['render'] = { format: 'json', showSecrets: false, minSeverity: 'info', onlyProblems: false, version: 'test', inputs: [] };

  it('a worker that throws becomes a one-line error, and the run ends (no hang)', async () => {
    const analyze = await load();
    const script = join(TMP, 'throwing-worker.mjs');
    writeFileSync(script, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', (m) => { if (m.type === 'batch') throw new Error('boom in the shard'); });\n");
    const started = Date.now();
    await expect(analyze([mail], { threads: 2, render, onRendered: () => {}, workerUrl: pathToFileURL(script) })).rejects.toThrow(/worker thread \d failed: boom in the shard/);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it('a worker that exits early fails the run with a message', async () => {
    const analyze = await load();
    const script = join(TMP, 'exiting-worker.mjs');
    writeFileSync(script, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', (m) => { if (m.type === 'batch') process.exit(3); });\n");
    await expect(analyze([mail], { threads: 2, render, onRendered: () => {}, workerUrl: pathToFileURL(script) })).rejects.toThrow(/worker thread \d exited \(status 3\)/);
  }, 60_000);

  it('a worker that reports an error message fails the run', async () => {
    const analyze = await load();
    const script = join(TMP, 'erring-worker.mjs');
    writeFileSync(script, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', (m) => { if (m.type === 'batch') parentPort.postMessage({ type: 'error', message: 'cannot go on' }); });\n");
    await expect(analyze([mail], { threads: 2, render, onRendered: () => {}, workerUrl: pathToFileURL(script) })).rejects.toThrow(/cannot go on/);
  }, 60_000);

  it('a slow worker makes reading wait: batch bytes in flight stay bounded, whatever the file size', async () => {
    const analyze = await load();
    const got: RenderedConversation[] = [];
    const maxInFlightBytes = 1 << 20;
    const { run, stats } = await analyze([mail], { threads: 2, render, onRendered: (r) => got.push(r), testDelayMs: 20, maxInFlightBytes });
    // Bound: the limit, plus what one 4 MiB read chunk adds before the next drain, plus one batch.
    expect(run.peakInFlightBytes).toBeLessThanOrEqual(maxInFlightBytes + (4 << 20) + (1 << 20));
    // Without backpressure a worker this slow would have most of its half of the 20 MB file queued.
    expect(statSync(mail).size / 2).toBeGreaterThan(run.peakInFlightBytes * 1.5);
    expect(got.length).toBe(stats.conversations);
    expect(new Set(got.map((r) => r.id)).size).toBe(got.length);
  }, 120_000);
});

describe('--threads auto', () => {
  it('stays on one thread on one or two cores (measured slower there) and shards from three cores up, at most four', () => {
    expect([1, 2, 3, 4, 16].map((cores) => parseThreads('auto', cores))).toEqual([1, 1, 3, 4, 4]);
    expect(parseThreads(undefined, 16)).toBe(1);
    expect(parseThreads('3', 2)).toBe(3);
  });
});
