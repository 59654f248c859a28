/**
 * Wireshark's tcp.stream numbering (src/tcp/stream-index.ts), checked frame by frame against
 * tshark's own numbers on the third-party corpus, the samples and a capture built to hit the
 * port-reuse rule; and carried by every conversation of a report.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../../src/capture/read-capture.js';
import { createDecodeContext, decodeFrame } from '../../src/decode/decode-frame.js';
import { newDecoded } from '../../src/decode/decoded.js';
import { TcpStreamIndex } from '../../src/tcp/stream-index.js';
import { analyzeFiles } from '../../src/analyze.js';
import { makeReport } from '../../src/cli/report-factory.js';
import { ruleInfo } from '../../src/report/rule-info.js';
import { hostAddress, pcapOf, TCP_FLAGS, TcpConnection, tcpFrame } from '../../scripts/adversarial-packets.mjs';

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const CAPTURES = fileURLToPath(new URL('../../captures/', import.meta.url));
const tshark = spawnSync('tshark', ['--version']).status === 0;
if (!tshark) console.warn('tcp.stream comparison with tshark skipped: tshark is not installed (apt-get install tshark)');

function captureFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => /\.pcap(ng)?$/.test(f) && statSync(f).isFile());
}

/** Frame number → tcp.stream, as mailwire numbers the TCP frames of a file. */
async function ourStreams(path: string): Promise<Map<number, number>> {
  const index = new TcpStreamIndex();
  const d = newDecoded();
  const ctx = createDecodeContext();
  const out = new Map<number, number>();
  await readCapture(path, {
    frame(f) {
      if (decodeFrame(f, d, ctx).kind === 'tcp') out.set(f.index, index.packet(d));
    },
  });
  return out;
}

/** Frame number → tcp.stream, as tshark numbers them (TCP frames not carried inside ICMP errors). */
function tsharkStreams(path: string): Map<number, number> {
  const r = spawnSync('tshark', ['-r', path, '-Y', 'tcp && !icmp && !icmpv6', '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.stream'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const out = new Map<number, number>();
  for (const line of r.stdout.split('\n')) {
    const [frame, stream] = line.split('\t');
    if (frame && stream) out.set(Number(frame), Number(stream.split(',')[0]));
  }
  return out;
}

/** Every rule at once: port reuse from either side, SYN retransmission, mid-stream starts, other ports. */
function reuseCapture(): Buffer {
  const a = new TcpConnection({ sport: 40000, dport: 143, clientIsn: 1000, serverIsn: 5000 });
  const web = new TcpConnection({ client: hostAddress(3), sport: 50000, dport: 80, clientIsn: 7, serverIsn: 70 });
  const again = new TcpConnection({ sport: 40000, dport: 143, clientIsn: 90_000, serverIsn: 95_000 });
  const same = new TcpConnection({ sport: 40000, dport: 143, clientIsn: 90_000, serverIsn: 95_000 });
  const midstream = new TcpConnection({ sport: 41000, dport: 110, clientIsn: 300, serverIsn: 600 });
  // The server side opens to the client's port with the roles reversed (its own ISN differs).
  const reverse = new TcpConnection({ client: hostAddress(2), server: hostAddress(1), sport: 143, dport: 40000, clientIsn: 123_456, serverIsn: 654_321 });
  const frames = [
    ...a.handshake(), ...web.handshake(), ...a.send('s', 20), ...web.send('c', 30), ...a.close(),
    ...again.handshake().slice(0, 1), ...same.handshake(), // a retransmitted SYN stays in its stream
    ...again.send('c', 10), ...again.close(),
    ...midstream.send('s', 40), ...midstream.send('c', 10),
    // A SYN whose seq equals the mid-stream base (seq - 1 of the first packet): not a new stream.
    tcpFrame({ src: hostAddress(2), dst: hostAddress(1), sport: 110, dport: 41000, seq: 599, flags: TCP_FLAGS.SYN }),
    ...reverse.handshake(), ...reverse.close(),
    ...web.close(),
  ];
  return pcapOf(frames);
}

describe('tcp.stream numbering', () => {
  it('numbers 4-tuples in order of appearance and splits on a SYN with a new sequence number', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwire-streams-'));
    try {
      const file = join(dir, 'reuse.pcap');
      writeFileSync(file, reuseCapture());
      const ours = await ourStreams(file);
      expect([...new Set(ours.values())]).toEqual([0, 1, 2, 3, 4]);
      // Frames 1-3 (handshake of a) are stream 0, the port 80 connection is 1, a's reuse is 2.
      expect([ours.get(1), ours.get(4), ours.get(16)]).toEqual([0, 1, 2]);
      if (tshark) expect(ours).toEqual(tsharkStreams(file));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // One tshark run (its start-up costs seconds): every sample and corpus capture concatenated by
  // mergecap into one pcapng, read by both. The same 4-tuple in two files then continues one stream
  // in both readings, which only adds cases.
  it.skipIf(!tshark)('equals tshark frame by frame on the samples and the corpus, concatenated', async () => {
    if (!existsSync(CORPUS)) console.warn(`tcp.stream comparison limited to captures/: ${CORPUS} not found`);
    const files = [...captureFiles(CAPTURES), ...captureFiles(CORPUS)];
    const dir = mkdtempSync(join(tmpdir(), 'mailwire-streams-'));
    try {
      const all = join(dir, 'all.pcapng');
      const m = spawnSync('mergecap', ['-a', '-w', all, ...files], { encoding: 'utf8' });
      expect(m.stderr).toBe('');
      const ours = await ourStreams(all);
      expect(ours.size).toBeGreaterThan(3000);
      expect(new Set(ours.values()).size).toBeGreaterThan(100);
      expect(ours).toEqual(tsharkStreams(all));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every conversation carries the tcp.stream of its first frame', async () => {
    const file = join(CAPTURES, 'phone-vs-thunderbird.pcap');
    const r = await analyzeFiles([file]);
    const streams = await ourStreams(file);
    expect(r.conversations.length).toBeGreaterThan(1);
    for (const c of r.conversations) expect(c.tcpStream).toBe(streams.get(c.firstFrame));
  });

  it('every report format gives each conversation its display filter', async () => {
    const file = join(CAPTURES, 'phone-vs-thunderbird.pcap');
    const r = await analyzeFiles([file]);
    const opts = { showSecrets: false, color: false, minSeverity: 'info' as const, onlyProblems: false, ruleInfo, version: '0', inputs: [file] };
    for (const format of ['text', 'json', 'jsonl', 'markdown', 'html'] as const) {
      let out = '';
      const report = makeReport(format, (t) => void (out += t), opts);
      for (const c of r.conversations) report.conversation(c);
      report.finish(r.findings, r.stats);
      for (const c of r.conversations) expect(out, format).toContain(`tcp.stream eq ${c.tcpStream}`);
    }
  });
});
