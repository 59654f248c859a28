/**
 * Event lines (`--format jsonl --schema 2`) over every sample of captures/ (TLS sessions with their
 * key logs) and every capture of the shared corpus: each record validates against
 * docs/schema/events.schema.json, stands alone (time, addresses, uid, input, sensor), every field
 * path keeps one JSON type across all records of all captures, and no record grows with its
 * conversation.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { communityId } from '../../../src/report/events/community-id.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CORPUS = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));
const schema = JSON.parse(readFileSync(join(ROOT, 'docs/schema/events.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

type Rec = Record<string, unknown>;

function files(dir: string, re: RegExp): string[] {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p, re) : re.test(n) ? [p] : [];
  });
}

function events(args: string[]): Rec[] {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/mailwire'), 'read', '--format', 'jsonl', '--schema', '2', ...args], { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 });
  expect(r.status, r.stderr.toString()).toBe(0);
  return r.stdout.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
}

const samples = readdirSync(join(ROOT, 'captures')).filter((n) => n.endsWith('.pcap')).map((n) => join(ROOT, 'captures', n));
const tlsDir = join(ROOT, 'captures/tls');
const tlsCaptures = files(tlsDir, /\.pcap$/);
/** The TLS sessions run on ports 40001-40099 (captures/tls/README.md); their key logs, merged. */
function tlsArgs(): string[] {
  const keylog = join(mkdtempSync(join(tmpdir(), 'mailwire-events-')), 'all.keylog');
  writeFileSync(keylog, files(tlsDir, /\.keylog$/).map((f) => readFileSync(f, 'latin1')).join('\n'));
  const ports = Array.from({ length: 99 }, (_, i) => 40001 + i).join(',');
  return ['--ports', ports, '--keylog', keylog, ...tlsCaptures];
}

const runs: Array<[string, () => Rec[]]> = [
  ['samples', () => events(['--sensor', 'lab-1', ...samples])],
  ['samples, --show-secrets', () => events(['--sensor', 'lab-1', '--show-secrets', ...samples])],
  ['TLS sessions with key logs', () => events(['--sensor', 'lab-1', ...tlsArgs()])],
];
if (existsSync(CORPUS)) runs.push(['corpus', () => events(['--sensor', 'lab-1', ...files(CORPUS, /\.(pcap|pcapng|cap)$/)])]);
else console.warn(`event lines: corpus part skipped: ${CORPUS} not found`);

const all = new Map<string, Rec[]>(runs.map(([name, run]) => [name, run()]));

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? 'array' : `array<${[...new Set(v.map(jsonType))].join('|')}>`;
  return v === null ? 'null' : typeof v;
}

describe('event lines (schema 2)', () => {
  it.each([...all.keys()])('%s: every record validates against the schema', (name) => {
    const records = all.get(name)!;
    expect(records.length).toBeGreaterThan(10);
    for (const r of records) expect(validate(r), `${r['mailwire.record']}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
  });

  it('every field path has one JSON type across all records of all captures', () => {
    const types = new Map<string, Set<string>>();
    for (const records of all.values()) {
      for (const r of records) {
        for (const [k, v] of Object.entries(r)) {
          const t = jsonType(v);
          if (t === 'array') continue; // an empty list fits any list type
          if (!types.has(k)) types.set(k, new Set());
          types.get(k)!.add(t);
        }
      }
    }
    const mixed = [...types].filter(([, t]) => t.size > 1).map(([k, t]) => `${k}: ${[...t].join(', ')}`);
    expect(mixed).toEqual([]);
    // The paths that changed type in the v1 lines are gone or stable.
    expect(types.size).toBeGreaterThan(80);
  });

  it('every record about a conversation stands alone: time, sensor, input, uid, endpoints', () => {
    const records = [...all.values()].flat();
    for (const r of records) {
      expect(r['@timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(r['observer.name']).toBe('lab-1');
      if (r['mailwire.record'] === 'summary' || r['mailwire.finding.scope'] === 'capture') continue;
      expect(r['mailwire.input']).toEqual(expect.any(String));
      for (const k of ['source.ip', 'destination.ip', 'network.protocol', 'mailwire.conversation.uid']) expect(r[k]).toEqual(expect.any(String));
      expect(r['source.port']).toEqual(expect.any(Number));
      const cid = communityId(6, r['source.ip'] as string, r['destination.ip'] as string, r['source.port'] as number, r['destination.port'] as number);
      expect(r['network.community_id']).toBe(cid);
      expect(r['mailwire.conversation.uid']).toMatch(new RegExp(`^${cid.replace(/[+/=]/g, '\\$&')}@\\d+$`));
    }
  });

  it('no record grows with its conversation (the dialogue is one record per line)', () => {
    const longest = Math.max(...[...all.values()].flat().map((r) => JSON.stringify(r).length));
    expect(longest).toBeLessThan(16 * 1024);
  });

  it('the founding sample: its records, in order, say what the v1 report says', () => {
    const records = all.get('samples')!.filter((r) => r['mailwire.input'] === join(ROOT, 'captures/phone-vs-thunderbird.pcap'));
    const conv = records.filter((r) => r['mailwire.record'] === 'conversation');
    expect(conv.map((r) => r['event.outcome'])).toEqual(['failure', 'success', 'failure']);
    const logins = records.filter((r) => r['mailwire.record'] === 'login');
    expect(logins.map((r) => [r['user.name'], r['mailwire.login.outcome'], r['mailwire.login.encrypted']])).toEqual([
      ['DOMAIN\\alice', 'failed', false], ['DOMAIN\\alice', 'failed', false], ['DOMAIN\\alice', 'ok', false], ['DOMAIN\\alice', 'failed', false],
    ]);
    // Secrets stay redacted in the dialogue lines.
    expect(records.filter((r) => r['mailwire.record'] === 'dialogue' && /AUTH DOMAIN/.test(r.message as string)).map((r) => r.message)).toEqual(['A128 AUTH DOMAIN\\alice <redacted>', 'A129 AUTH DOMAIN\\alice <redacted>', 'A128 AUTH DOMAIN\\alice <redacted>']);
    const finding = all.get('samples')!.find((r) => r['rule.id'] === 'imap.repeated-login-failure')!;
    expect(finding['mailwire.finding.scope']).toBe('capture');
    expect(finding['mailwire.finding.args.names']).toContain('failures');
  });

  it('the schema rejects a record whose field changed type (the test can fail)', () => {
    const r = { ...all.get('samples')![0]! };
    expect(validate(r)).toBe(true);
    r['source.port'] = String(r['source.port']);
    expect(validate(r)).toBe(false);
    expect(validate({ ...all.get('samples')![0]!, 'mailwire.undocumented': 1 })).toBe(false);
  });

  it('--schema 2 is for jsonl only', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/mailwire'), 'read', '--format', 'json', '--schema', '2', samples[0]!], { cwd: ROOT });
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toContain('--schema 2 is for --format jsonl');
  });
});
