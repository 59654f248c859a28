/**
 * Event lines in ClickHouse, end to end: a throw-away clickhouse-server (Debian's, 18.16) on
 * 127.0.22.1, the tables of sql/clickhouse/schema.sql, the samples' event lines from two sensors
 * piped in as docs/clickhouse.md says (`mailwire read ... --format jsonl --schema 2 |
 * clickhouse-client ... INSERT INTO mailwire.events_in FORMAT JSONEachRow`), and the saved queries
 * of sql/clickhouse/queries/, whose answers must equal what the same lines say when counted here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouse, type ClickHouse } from '../helpers/clickhouse-server.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SQL = join(REPO, 'sql/clickhouse');
const samples = readdirSync(join(REPO, 'captures')).filter((n) => n.endsWith('.pcap')).map((n) => `captures/${n}`);
/** Two TLS sessions to the same server name and address with different certificates (captures/tls/README.md). */
const tls = (name: string, port: number): string[] => [`captures/tls/${name}.pcap`, '--ports', String(port), '--keylog', `captures/tls/${name}.keylog`];

type Rec = Record<string, unknown>;
let ch: ClickHouse;
const lines: Rec[] = [];

/** Runs `mailwire read ARGS --format jsonl --schema 2 --sensor S | clickhouse-client ... INSERT`, keeping the lines. */
function ingest(sensor: string, args: string[]): void {
  const mailwire = ['node', 'bin/mailwire', 'read', ...args, '--format', 'jsonl', '--schema', '2', '--sensor', sensor].map(sh).join(' ');
  const client = ['clickhouse-client', ...ch.clientArgs, '--input_format_skip_unknown_fields=1', '--query', 'INSERT INTO mailwire.events_in FORMAT JSONEachRow'].map(sh).join(' ');
  const copy = join(mkdtempSync(join(tmpdir(), 'mailwire-lines-')), 'events.jsonl');
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', `${mailwire} | tee ${sh(copy)} | ${client}`], { cwd: REPO });
  expect(r.status, r.stderr.toString().slice(-2000)).toBe(0);
  lines.push(...readFileSync(copy, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec));
  rmSync(dirname(copy), { recursive: true });
}

function sh(s: string): string {
  return /^[\w./=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function query(name: string): Rec[] {
  return ch.rows(readFileSync(join(SQL, 'queries', `${name}.sql`), 'utf8'));
}

/** The saved query over the cluster's Distributed tables (the rewrite cluster.sql gives). */
function clusterQuery(name: string): Rec[] {
  const text = readFileSync(join(SQL, 'queries', `${name}.sql`), 'utf8');
  return ch.rows(text.replace(/mailwire\.(conversations|dialogue|logins|findings)\b/g, 'mailwire.all_$1'));
}

/** ClickHouse's DateTime text for an event line's @timestamp. */
const seconds = (iso: unknown): string => String(iso).slice(0, 19).replace('T', ' ');
const sorted = <T>(xs: Iterable<T>): T[] => [...xs].sort();

/** Groups records by a key, folding each group. */
function groups<T>(records: Rec[], key: (r: Rec) => string, fold: (acc: T | undefined, r: Rec) => T): Map<string, T> {
  const out = new Map<string, T>();
  for (const r of records) out.set(key(r), fold(out.get(key(r)), r));
  return out;
}

interface Tally { n: number; sensors: Set<string>; first: string; last: string }
const tally = (acc: Tally | undefined, r: Rec): Tally => {
  const t = seconds(r['@timestamp']);
  const a = acc ?? { n: 0, sensors: new Set<string>(), first: t, last: t };
  a.n++;
  a.sensors.add(r['observer.name'] as string);
  if (t < a.first) a.first = t;
  if (t > a.last) a.last = t;
  return a;
};

describe('ClickHouse: event lines from two sensors, the saved queries', () => {
  beforeAll(async () => {
    ch = await startClickHouse();
    const schema = spawnSync('clickhouse-client', [...ch.clientArgs, '--multiquery'], { input: readFileSync(join(SQL, 'schema.sql')) });
    expect(schema.status, schema.stderr.toString()).toBe(0);
    const cluster = spawnSync('clickhouse-client', [...ch.clientArgs, '--multiquery'], { input: readFileSync(join(SQL, 'cluster.sql')) });
    expect(cluster.status, cluster.stderr.toString()).toBe(0);
    ingest('sensor-a', [...samples, ...tls('tls12-aes128gcm', 40001)]);
    ingest('sensor-b', ['captures/phone-vs-thunderbird.pcap', 'captures/exchange2013-proxynotauthenticated.pcap']);
    ingest('sensor-b', tls('tls12-ca-valid', 40016));
  });

  afterAll(async () => {
    await ch?.stop();
  });

  it('every record reached its table', () => {
    const count = (type: string): number => lines.filter((r) => r['mailwire.record'] === type).length;
    const [row] = ch.rows('SELECT (SELECT count() FROM mailwire.conversations) AS c, (SELECT count() FROM mailwire.dialogue) AS d, (SELECT count() FROM mailwire.logins) AS l, (SELECT count() FROM mailwire.findings) AS f');
    expect(row).toEqual({ c: String(count('conversation')), d: String(count('dialogue')), l: String(count('login')), f: String(count('finding')) });
    expect(count('dialogue')).toBeGreaterThan(100);
    // Times keep their microseconds, and the finding facts their names.
    const [first] = ch.rows("SELECT toString(timestamp) AS t, timestamp_us AS us FROM mailwire.conversations WHERE sensor = 'sensor-b' ORDER BY timestamp, timestamp_us LIMIT 1");
    const firstB = lines.filter((r) => r['mailwire.record'] === 'conversation' && r['observer.name'] === 'sensor-b').map((r) => r['@timestamp'] as string).sort()[0]!;
    expect(first).toEqual({ t: seconds(firstB), us: Number(firstB.slice(20, 26)) });
    const failures = ch.rows("SELECT args.value[indexOf(args.name, 'failures')] AS n FROM mailwire.findings WHERE rule_id = 'imap.repeated-login-failure' ORDER BY n");
    const repeated = lines.filter((r) => r['rule.id'] === 'imap.repeated-login-failure');
    expect(repeated.length).toBeGreaterThan(1);
    expect(failures).toEqual(sorted(repeated.map((r) => (r['mailwire.finding.args.values'] as string[])[(r['mailwire.finding.args.names'] as string[]).indexOf('failures')])).map((n) => ({ n })));
  });

  it('failed logins per user and client address', () => {
    const failed = lines.filter((r) => r['mailwire.record'] === 'login' && r['event.outcome'] === 'failure');
    const want = groups(failed, (r) => `${r['user.name']}|${r['client.ip']}`, tally);
    const got = query('failed-logins');
    expect(got.map((r) => ({ key: `${r.user}|${r.client_ip}`, n: Number(r.failures), sensors: r.sensors, first: r.first_seen, last: r.last_seen })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)))
      .toEqual(sorted(want.keys()).map((key) => ({ key, n: want.get(key)!.n, sensors: sorted(want.get(key)!.sensors), first: want.get(key)!.first, last: want.get(key)!.last })));
    // The founding story: the phone's three refused AUTHs, seen by both sensors.
    expect(got[0]).toMatchObject({ user: 'DOMAIN\\alice', client_ip: '127.0.0.21', failures: '6', sensors: ['sensor-a', 'sensor-b'] });
  });

  it('clients that log in in cleartext', () => {
    const exposed = lines.filter((r) => r['mailwire.record'] === 'login' && r['mailwire.login.secret_exposed'] === true);
    const key = (r: Rec): string => [r['client.ip'], r['user.name'], r['server.ip'], r['server.port'], r['network.protocol'], r['mailwire.login.method']].join('|');
    const want = groups(exposed, key, tally);
    const got = query('cleartext-logins');
    expect(sorted(got.map((r) => `${[r.client_ip, r.user, r.server_ip, r.server_port, r.protocol, r.method].join('|')}#${r.logins}`)))
      .toEqual(sorted([...want].map(([k, t]) => `${k}#${t.n}`)));
    expect(got.find((r) => r.client_ip === '127.0.0.21')).toMatchObject({ user: 'DOMAIN\\alice', method: 'AUTH', logins: '6', succeeded: '0' });
    // CRAM-MD5 (clean-imap, clean-pop3) sends no password: those clients are not there.
    expect(got.filter((r) => r.method === 'CRAM-MD5')).toEqual([]);
    expect(exposed.length).toBeGreaterThan(5);
  });

  it('first and last sighting of each finding', () => {
    const want = groups(lines.filter((r) => r['mailwire.record'] === 'finding'), (r) => r['rule.id'] as string, tally);
    const got = query('finding-sightings');
    expect(sorted(got.map((r) => JSON.stringify([r.rule_id, Number(r.sightings), r.sensors, r.first_seen, r.last_seen]))))
      .toEqual(sorted([...want].map(([id, t]) => JSON.stringify([id, t.n, sorted(t.sensors), t.first, t.last]))));
    expect(got.find((r) => r.rule_id === 'exchange.proxy-not-authenticated')).toMatchObject({ level: 'error', sightings: '2', sensors: ['sensor-a', 'sensor-b'] });
  });

  it('the queries give the same answers over the Distributed tables of cluster.sql (a one-node cluster)', () => {
    for (const name of ['failed-logins', 'cleartext-logins', 'finding-sightings', 'certificate-changes']) {
      const local = query(name);
      expect(local.length, name).toBeGreaterThan(0);
      expect(clusterQuery(name), name).toEqual(local);
    }
  });

  it('servers whose certificate changed', () => {
    const cert = (port: number): string => lines.find((r) => r['mailwire.record'] === 'conversation' && r['server.port'] === port)!['tls.server.hash.sha256'] as string;
    expect(cert(40001)).not.toBe(cert(40016));
    expect(query('certificate-changes')).toEqual([{
      server_ip: '127.0.0.1',
      tls_server_name: 'mail.example.org',
      ports: [40001, 40016],
      certificates: '2',
      first_certificate: cert(40001),
      first_seen: seconds(lines.find((r) => r['server.port'] === 40001)!['@timestamp']),
      latest_certificate: cert(40016),
      last_seen: seconds(lines.find((r) => r['server.port'] === 40016)!['@timestamp']),
      sensors: ['sensor-a', 'sensor-b'],
    }]);
  });
});
