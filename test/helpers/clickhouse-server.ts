/**
 * A throw-away ClickHouse server for the e2e lab: Debian's clickhouse-server (18.16 on bookworm) on
 * 127.0.22.1 (this lab's loopback block), free ports, a temporary data directory, run as `nobody`
 * when started by root, configured as the one node of a cluster named `mailwire`. stop() ends it
 * (by its pid) and removes the directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const CLICKHOUSE_HOST = '127.0.22.1';

export interface ClickHouse {
  port: number;
  dir: string;
  /** clickhouse-client's arguments to reach it. */
  clientArgs: string[];
  /** Runs one query; the rows of FORMAT JSONEachRow as objects. */
  rows(query: string): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** A port free on `host` now (the kernel's pick). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function config(dir: string, tcpPort: number, httpPort: number, interPort: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/server.err.log</errorlog></logger>
  <listen_host>${CLICKHOUSE_HOST}</listen_host>
  <tcp_port>${tcpPort}</tcp_port>
  <http_port>${httpPort}</http_port>
  <interserver_http_port>${interPort}</interserver_http_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/data/tmp/</tmp_path>
  <user_files_path>${dir}/data/user_files/</user_files_path>
  <format_schema_path>${dir}/data/format_schemas/</format_schema_path>
  <mark_cache_size>16777216</mark_cache_size>
  <uncompressed_cache_size>16777216</uncompressed_cache_size>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <!-- A one-node cluster named as sql/clickhouse/cluster.sql expects, for its Distributed tables. -->
  <remote_servers><mailwire><shard><replica><host>${CLICKHOUSE_HOST}</host><port>${tcpPort}</port></replica></shard></mailwire></remote_servers>
</yandex>
`;
}

const USERS = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>1000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.0/8</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
`;

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const n of readdirSync(path)) chownTree(join(path, n), uid, gid);
}

/** Starts the server and waits (up to 60 s) until it answers. */
export async function startClickHouse(): Promise<ClickHouse> {
  const dir = mkdtempSync(join(tmpdir(), 'mailwire-clickhouse-'));
  const port = await freePort(CLICKHOUSE_HOST);
  const file = join(dir, 'config.xml');
  writeFileSync(file, config(dir, port, await freePort(CLICKHOUSE_HOST), await freePort(CLICKHOUSE_HOST)));
  writeFileSync(join(dir, 'users.xml'), USERS);
  // Unprivileged: as root, the server runs as nobody (setpriv), owning only its throw-away directory.
  const root = userInfo().uid === 0;
  if (root) {
    const nobody = spawnSync('id', ['-u', 'nobody']).stdout.toString().trim();
    const nogroup = spawnSync('id', ['-g', 'nobody']).stdout.toString().trim();
    chownTree(dir, Number(nobody), Number(nogroup));
  }
  const [cmd, args] = root
    ? ['setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'clickhouse-server', `--config-file=${file}`]]
    : ['clickhouse-server', [`--config-file=${file}`]];
  const child: ChildProcess = spawn(cmd, args as string[], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const clientArgs = ['--host', CLICKHOUSE_HOST, '--port', String(port)];
  const query = (q: string, input?: string): ReturnType<typeof spawnSync> => spawnSync('clickhouse-client', [...clientArgs, '--query', q], { input, maxBuffer: 64 * 1024 * 1024 });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (query('SELECT 1').status === 0) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`clickhouse-server did not start: ${stderr.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    port,
    dir,
    clientArgs,
    rows(q: string) {
      const r = query(`${q} FORMAT JSONEachRow`);
      if (r.status !== 0) throw new Error(`clickhouse-client: ${r.stderr.toString()}`);
      return r.stdout.toString().trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    stop,
  };
}
