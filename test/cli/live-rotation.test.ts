/**
 * `mailwire live -i lo` rotating its -w pcap and its -o event lines every second (-G 1) while POP3
 * connections keep coming: several files of each, every packet in exactly one pcap file (their
 * frames add up to what live counted, and `mailwire read` of the files together finds the flow of
 * every connection live reported), every line whole and in exactly one file, the summary last. Needs root
 * and the native addon (skipped with one line otherwise).
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { once } from 'node:events';
import { chownSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { liveCaptureUnavailable, pop3LikeServer } from '../helpers/live-capture.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/mailwire');
const unavailable = liveCaptureUnavailable();
if (unavailable) console.warn(`live rotation test skipped: ${unavailable}`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
type Rec = Record<string, unknown>;

describe.skipIf(unavailable !== undefined)('live -w and -o rotate (-G) without losing a packet or a line', () => {
  it('rotates both every second while connections come and go', async () => {
    const { server, port } = await pop3LikeServer();
    const dir = mkdtempSync(join(tmpdir(), 'mailwire-rotation-'));
    // Files after the first are created once live has given up root (it becomes nobody).
    chownSync(dir, 65534, 65534);
    const child = spawn(process.execPath, [BIN, 'live', '-i', 'lo', '-w', join(dir, 'raw-%H%M%S.pcap'), '-o', join(dir, 'events-%H%M%S.jsonl'),
      '--format', 'jsonl', '--schema', '2', '--sensor', 'rotation-test', '-G', '1', '--ports', String(port), '--duration', '4.5', 'tcp', 'port', String(port)],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', SUDO_UID: '', SUDO_GID: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('capturing on lo')) resolve();
    }));
    let connections = 0;
    const started = Date.now();
    while (Date.now() - started < 3500) {
      const client = connect(port, '127.0.0.1');
      await once(client, 'data');
      client.write('QUIT\r\n');
      await once(client, 'close');
      connections++;
      await sleep(150);
    }
    const [status] = await once(child, 'close') as [number | null];
    server.close();
    expect(status, stderr).toBe(0);

    const names = readdirSync(dir).sort();
    const pcaps = names.filter((n) => n.endsWith('.pcap')).map((n) => join(dir, n));
    const jsonl = names.filter((n) => n.endsWith('.jsonl')).map((n) => join(dir, n));
    expect(pcaps.length).toBeGreaterThanOrEqual(3);
    expect(jsonl.length).toBeGreaterThanOrEqual(3);

    // Every line whole, in one file; the summary once, last.
    const text = jsonl.map((f) => readFileSync(f, 'utf8'));
    for (const t of text) expect(t).toMatch(/^(\{[^\n]*\}\n)*$/);
    const records = text.join('').trim().split('\n').map((l) => JSON.parse(l) as Rec);
    const summaries = records.filter((r) => r['mailwire.record'] === 'summary');
    expect(summaries).toHaveLength(1);
    expect(records[records.length - 1]).toBe(summaries[0]);
    const liveFlows = records.filter((r) => r['mailwire.record'] === 'conversation').map((r) => r['network.community_id']).sort();
    expect(liveFlows).toHaveLength(connections);

    // Every packet live counted is in one of the pcap files, and the files read together give the same conversations.
    const read = spawnSync(process.execPath, [BIN, 'read', ...pcaps, '--ports', String(port), '--format', 'jsonl', '--schema', '2'], { cwd: ROOT });
    expect(read.status, read.stderr.toString()).toBe(0);
    const fromFiles = read.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as Rec);
    const fileSummary = fromFiles[fromFiles.length - 1]!;
    expect(fileSummary['mailwire.summary.frames']).toBe(summaries[0]!['mailwire.summary.frames']);
    // Each file is read as its own input, so a connection the switch cut in two is two conversations
    // there: compared by flow (Community ID), every connection is in the files.
    expect([...new Set(fromFiles.filter((r) => r['mailwire.record'] === 'conversation').map((r) => r['network.community_id']))].sort()).toEqual(liveFlows);
  }, 60_000);
});
