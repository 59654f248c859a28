/**
 * `read` as a tcpdump user spells it: a capture filter after the files or with -r (compiled by
 * libpcap through the native addon), -c COUNT; report filters after the analysis (--client,
 * --server, --user, --finding, --conversation); and --conversation N -w FILE writing exactly the
 * packets tshark's `tcp.stream eq K` selects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { splitInputsAndFilter } from '../../src/inputs.js';
import { selector } from '../../src/report/selection.js';
import { captureAddonLoads } from '../helpers/live-capture.js';

const PHONE = fileURLToPath(new URL('../../captures/phone-vs-thunderbird.pcap', import.meta.url));
const addon = captureAddonLoads();
if (!addon) console.warn('capture filter tests skipped: the native libpcap addon is not built (apt-get install libpcap-dev; npm run build:native)');
const tshark = spawnSync('tshark', ['--version']).status === 0;
if (!tshark) console.warn('-w comparison with tshark skipped: tshark is not installed (apt-get install tshark)');

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwire-read-filters-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Json {
  conversations: Array<{ id: number; client: { ip: string; port: number }; firstFrame: number; lastFrame: number; tcpStream: number }>;
  findings: Array<{ id: string }>;
  summary: { conversations: number };
}

/** Runs `mailwire read ARGS --format json -o FILE` in this process; its exit status and report. */
async function read(...args: string[]): Promise<{ status: number; json: Json; stderr: string }> {
  const out = join(dir, `r${Math.random().toString(36).slice(2)}.json`);
  const errs: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => (errs.push(String(s)), true)) as typeof process.stderr.write;
  process.exitCode = 0;
  try {
    await main(['node', 'mailwire', 'read', ...args, '--format', 'json', '-o', out]);
  } finally {
    process.stderr.write = write;
  }
  const status = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  let json = {} as Json;
  try {
    json = JSON.parse(readFileSync(out, 'utf8')) as Json;
  } catch {
    // no report (usage error)
  }
  return { status, json, stderr: errs.join('') };
}

describe('read arguments', () => {
  it('splits files from the filter expression as tcpdump does', () => {
    expect(splitInputsAndFilter([PHONE, 'port', '143', 'and', 'host', '10.1.2.3'], [])).toEqual({ files: [PHONE], filter: 'port 143 and host 10.1.2.3' });
    expect(splitInputsAndFilter([PHONE, PHONE], [])).toEqual({ files: [PHONE, PHONE], filter: undefined });
    expect(splitInputsAndFilter(['port 143'], [PHONE])).toEqual({ files: [PHONE], filter: 'port 143' });
    // The first argument is always a file: a missing one is reported as missing.
    expect(splitInputsAndFilter(['nope.pcap', 'port', '143'], [])).toEqual({ files: ['nope.pcap'], filter: 'port 143' });
  });
});

describe.skipIf(!addon)('capture filter and -c', () => {
  it('a filter after the file, and with -r, keeps only the matching packets; frame numbers stay the file\'s', async () => {
    const all = await read(PHONE);
    const one = await read(PHONE, 'host', '127.0.0.22');
    const r = await read('-r', PHONE, 'host 127.0.0.22 and port 143');
    expect(all.json.conversations.length).toBe(3);
    expect(one.json.conversations.map((c) => [c.client.ip, c.firstFrame, c.lastFrame, c.tcpStream])).toEqual([['127.0.0.22', 16, 35, 1]]);
    expect(r.json.conversations).toEqual(one.json.conversations);
  });

  it('-c stops after COUNT packets that passed the filter', async () => {
    const r = await read(PHONE, '-c', '20');
    expect(r.json.conversations.map((c) => c.lastFrame)).toEqual([14, 20]);
    const filtered = await read('-r', PHONE, '-c', '3', 'host 127.0.0.22');
    expect(filtered.json.conversations.map((c) => [c.firstFrame, c.lastFrame])).toEqual([[16, 18]]);
  });

  it('a filter that does not compile: exit 2 and libpcap\'s words on one line', async () => {
    const r = await read(PHONE, 'port', '143', 'andd');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("mailwire: capture filter 'port 143 andd': can't parse filter expression: syntax error");
  });
});

describe('report filters', () => {
  it('choose the conversations shown; findings across conversations are those of the whole capture', async () => {
    const all = await read(PHONE);
    const byClient = await read(PHONE, '--client', '127.0.0.21');
    expect(byClient.json.conversations.map((c) => c.id)).toEqual([1, 3]);
    expect(byClient.json.findings).toEqual(all.json.findings);
    expect((await read(PHONE, '--server', '127.0.0.10:143', '--client', '127.0.0.22')).json.conversations.map((c) => c.id)).toEqual([2]);
    expect((await read(PHONE, '--user', 'DOMAIN\\ALICE')).json.conversations.length).toBe(3);
    expect((await read(PHONE, '--finding', 'imap.unquoted-*')).json.conversations.map((c) => c.id)).toEqual([1, 3]);
    expect((await read(PHONE, '--conversation', '2')).json.conversations.map((c) => c.id)).toEqual([2]);
    const cross = await read(PHONE, '--finding', 'auth.contrast-*');
    expect(cross.json.conversations).toEqual([]);
    expect(cross.json.findings.map((f) => f.id)).toEqual(['auth.contrast-with-working-session']);
  });

  it('say what is wrong with a bad value', async () => {
    expect((await read(PHONE, '--client', '1.2.3')).stderr).toMatch(/^mailwire: --client: '1\.2\.3' is not an address/);
    expect((await read(PHONE, '--conversation', 'x')).status).toBe(2);
    expect((await read(PHONE, '-w', join(dir, 'x.pcap'))).stderr).toMatch(/give --conversation N too/);
  });

  it('match IPv6 and bracketed forms, globs anchored', () => {
    const conv = { id: 4, client: { ip: '2001:db8::1', port: 5000 }, server: { ip: '2001:db8::2', port: 993 }, auth: [], findings: [{ id: 'imap.cleartext-login' }] };
    const s = (o: Parameters<typeof selector>[0]): boolean => selector(o).conversation(conv as never);
    expect(s({ client: '2001:DB8::1' })).toBe(true);
    expect(s({ server: '[2001:db8::2]:993' })).toBe(true);
    expect(s({ server: '[2001:db8::2]:143' })).toBe(false);
    expect(s({ finding: 'cleartext' })).toBe(false);
    expect(s({ finding: '*cleartext*' })).toBe(true);
  });
});

describe('--conversation N -w FILE', () => {
  it('writes exactly the packets of its tcp.stream, which tshark finds again', async () => {
    const out = join(dir, 'conv2.pcap');
    const r = await read(PHONE, '--conversation', '2', '-w', out);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/wrote 21 packets of conversation #2 \(tcp\.stream eq 1 of /);
    const again = await read(out);
    expect(again.json.conversations.map((c) => [c.client.ip, c.tcpStream])).toEqual([['127.0.0.22', 0]]);
    if (!tshark) return;
    const fields = (args: string[]): string[] => spawnSync('tshark', [...args, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'tcp.seq_raw'], { encoding: 'utf8' }).stdout.trim().split('\n');
    expect(fields(['-r', out])).toEqual(fields(['-r', PHONE, '-Y', 'tcp.stream eq 1']));
  });

  it('refuses standard input and unknown conversations', async () => {
    expect((await read(PHONE, '--conversation', '9', '-w', join(dir, 'y.pcap'))).stderr).toMatch(/--conversation 9: no such conversation/);
  });
});
