/**
 * `mailwire live` as root on loopback: once the capture handle and the output files are open it
 * gives up root (to SUDO_UID/SUDO_GID when run through sudo, else to nobody), as the kernel sees it
 * in /proc/<pid>/status; the -w capture is created owner-only (0600: it holds credentials); bad
 * interfaces and filters get one line and exit status 2. Skipped (one line) when not root or when
 * mailwire's native libpcap addon is not built.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, statSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, runCli, stderrLines } from './helpers.js';
import { liveCaptureUnavailable, pop3LikeServer } from '../helpers/live-capture.js';

const unavailable = liveCaptureUnavailable();
const canCapture = unavailable === undefined;
if (!canCapture) console.warn(`live privilege tests skipped: ${unavailable}`);

/** The Uid/Gid/CapEff lines of a process, as the kernel reports them. */
function credentials(pid: number): { uid: number; gid: number; groups: string; capEff: string } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): string => status.match(new RegExp(`^${name}:[ \\t]*(.*)$`, 'm'))![1]!.trim();
  return { uid: Number(field('Uid').split(/\s+/)[0]), gid: Number(field('Gid').split(/\s+/)[0]), groups: field('Groups'), capEff: field('CapEff') };
}

/**
 * Runs `mailwire live -i lo` on a fresh port with one POP3-like exchange through it; returns the
 * credentials the process had while capturing, its stderr, exit status and the -w file.
 */
async function liveRun(env: NodeJS.ProcessEnv, extra: string[] = []): Promise<{ creds: ReturnType<typeof credentials>; stderr: string; status: number | null; written: string; report: string }> {
  const { server, port } = await pop3LikeServer();
  const dir = mkdtempSync(join(tmpdir(), 'mailwire-live-'));
  chmodSync(dir, 0o755);
  const written = join(dir, 'raw.pcap');
  const report = join(dir, 'report.json');
  const cleanEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  for (const k of ['SUDO_UID', 'SUDO_GID']) if (!(k in env)) delete cleanEnv[k];
  const child = spawn(process.execPath, [BIN, 'live', '-i', 'lo', '-w', written, '-o', report, '--format', 'json', '--ports', String(port), '--duration', '3', ...extra, 'tcp', 'port', String(port)],
    { cwd: ROOT, env: cleanEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const started = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes('capturing on lo')) resolve();
  }));
  await started;
  const creds = credentials(child.pid!);
  const client = connect(port, '127.0.0.1');
  await once(client, 'data');
  client.write('QUIT\r\n');
  await once(client, 'close');
  const [status] = await once(child, 'close') as [number | null];
  server.close();
  return { creds, stderr, status, written, report };
}

describe.skipIf(!canCapture)('live capture gives up root and writes owner-only files', () => {
  it('without sudo: becomes nobody (no capabilities left), -w file is 0600 and holds the packets', async () => {
    const r = await liveRun({});
    expect(r.stderr).toMatch(/capturing on lo \(filter: tcp port \d+\), running as nobody; Ctrl-C ends/);
    expect(r.creds.uid).toBe(65534);
    expect(r.creds.gid).toBe(65534);
    expect(r.creds.groups).toBe('');
    expect(r.creds.capEff).toBe('0000000000000000');
    expect(r.status).toBe(0);
    expect(statSync(r.written).mode & 0o777).toBe(0o600);
    expect(statSync(r.written).size).toBeGreaterThan(24 + 6 * 16);
    const doc = JSON.parse(readFileSync(r.report, 'utf8')) as { conversations: Array<{ protocol: string }> };
    expect(doc.conversations.map((c) => c.protocol)).toEqual(['pop3']);
  }, 30_000);

  it('through sudo: becomes the invoking user (SUDO_UID/SUDO_GID)', async () => {
    const r = await liveRun({ SUDO_UID: '1234', SUDO_GID: '2345' });
    expect(r.stderr).toContain('running as uid 1234');
    expect(r.creds).toMatchObject({ uid: 1234, gid: 2345, groups: '2345', capEff: '0000000000000000' });
    expect(r.status).toBe(0);
    expect(statSync(r.written).mode & 0o777).toBe(0o600);
  }, 30_000);

  it('bad interface and bad filter: one line, exit status 2', () => {
    const iface = runCli(['live', '-i', 'no-such-if0', '--duration', '1']);
    expect(iface.status).toBe(2);
    expect(stderrLines(iface)).toHaveLength(1);
    expect(stderrLines(iface)[0]).toMatch(/^mailwire: no capture interface named 'no-such-if0' \(available: .*\blo\b.*\)$/);
    const filter = runCli(['live', '-i', 'lo', '--duration', '1', 'tcp', 'port', 'banana']);
    expect(filter.status).toBe(2);
    expect(stderrLines(filter)).toHaveLength(1);
    expect(stderrLines(filter)[0]).toBe("mailwire: bad capture filter 'tcp port banana': unknown port 'banana'");
  });

  it('-B sets the kernel buffer (KiB, as tcpdump); the -w file records the default snaplen, 262144 as tcpdump', async () => {
    const r = await liveRun({}, ['-B', '2048']);
    expect(r.status).toBe(0);
    const header = readFileSync(r.written).subarray(0, 24);
    expect(header.readUInt32LE(16)).toBe(262_144);
    const doc = JSON.parse(readFileSync(r.report, 'utf8')) as { conversations: Array<{ protocol: string }> };
    expect(doc.conversations.map((c) => c.protocol)).toEqual(['pop3']);
    const small = runCli(['live', '-i', 'lo', '-B', '100', '--duration', '1']);
    expect(small.status).toBe(2);
    expect(stderrLines(small)).toEqual(["mailwire: --buffer-size: '100' is not a number >= 1024"]);
  }, 30_000);

  it("the text summary gives libpcap's drop counters (ps_drop, ps_ifdrop), zero included", () => {
    const r = runCli(['live', '-i', 'lo', '--duration', '1', '--no-color', 'tcp', 'port', '1']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('input          live:lo');
    expect(r.stdout).toContain('0 packets dropped by the kernel, 0 by the interface');
  });
});
