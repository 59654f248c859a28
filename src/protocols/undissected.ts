/**
 * TCP connections mailwire saw but did not dissect, counted per server port, so that a report with
 * few or no conversations says why ("12 TLS connections to 10.0.0.5:9993 not dissected; add
 * --ports 9993"). Bounded: at most MAX_PORTS ports are told apart, the rest are counted together.
 */
import type { Endpoint } from '../tcp/stream.js';

/** Server ports told apart (the others are summed in `otherConnections`). */
const MAX_PORTS = 256;

/** What the first bytes were: a TLS ClientHello, or anything else. */
export type UndissectedKind = 'tls' | 'tcp';

export interface UndissectedPort {
  kind: UndissectedKind;
  port: number;
  connections: number;
  /** The first server address seen on this port, and how many distinct ones (counted up to 100). */
  server: string;
  servers: number;
}

export interface UndissectedSummary {
  ports: UndissectedPort[];
  /** Connections on ports beyond MAX_PORTS. */
  otherConnections: number;
}

/**
 * A tally as it crosses threads (sharded reading): per port the server addresses with the first
 * frame each was seen at, so that merged shards give the report one thread gives (the first
 * server, the number of servers).
 */
export interface UndissectedExport {
  ports: Array<{ kind: UndissectedKind; port: number; connections: number; addresses: Array<[string, number]> }>;
  otherConnections: number;
}

const MAX_SERVERS_COUNTED = 100;

interface Entry {
  kind: UndissectedKind;
  port: number;
  connections: number;
  /** Server address → first frame it was seen at (at most MAX_SERVERS_COUNTED, the earliest). */
  addresses: Map<string, number>;
}

export class UndissectedTally {
  private readonly byKey = new Map<string, Entry>();
  private other = 0;

  add(kind: UndissectedKind, server: Endpoint, frame: number): void {
    this.addMany(kind, server.port, 1, [[server.ip, frame]]);
  }

  /** Adds another tally (sharded reading: each shard counts its own connections). */
  merge(x: UndissectedExport): void {
    for (const p of x.ports) this.addMany(p.kind, p.port, p.connections, p.addresses);
    this.other += x.otherConnections;
  }

  private addMany(kind: UndissectedKind, port: number, connections: number, addresses: Array<[string, number]>): void {
    const key = `${kind} ${port}`;
    let e = this.byKey.get(key);
    if (e === undefined) {
      if (this.byKey.size >= MAX_PORTS) {
        this.other += connections;
        return;
      }
      e = { kind, port, connections: 0, addresses: new Map() };
      this.byKey.set(key, e);
    }
    e.connections += connections;
    for (const [ip, frame] of addresses) {
      const seen = e.addresses.get(ip);
      if (seen !== undefined) {
        if (frame < seen) e.addresses.set(ip, frame);
      } else if (e.addresses.size < MAX_SERVERS_COUNTED) {
        e.addresses.set(ip, frame);
      } else {
        // Keep the earliest: replace the latest when this one came before it.
        let latest: [string, number] | undefined;
        for (const a of e.addresses) if (!latest || a[1] > latest[1]) latest = a;
        if (latest && frame < latest[1]) {
          e.addresses.delete(latest[0]);
          e.addresses.set(ip, frame);
        }
      }
    }
  }

  /** For another thread's merge(). */
  export(): UndissectedExport | undefined {
    if (this.byKey.size === 0 && this.other === 0) return undefined;
    return { ports: [...this.byKey.values()].map((e) => ({ kind: e.kind, port: e.port, connections: e.connections, addresses: [...e.addresses] })), otherConnections: this.other };
  }

  /** The ports, most connections first; undefined when nothing went undissected. */
  summary(): UndissectedSummary | undefined {
    if (this.byKey.size === 0 && this.other === 0) return undefined;
    const ports = [...this.byKey.values()]
      .map((e) => {
        let first: [string, number] | undefined;
        for (const a of e.addresses) if (!first || a[1] < first[1] || (a[1] === first[1] && a[0] < first[0])) first = a;
        return { kind: e.kind, port: e.port, connections: e.connections, server: first?.[0] ?? '', servers: e.addresses.size };
      })
      .sort((a, b) => b.connections - a.connections || a.port - b.port || a.kind.localeCompare(b.kind));
    return { ports, otherConnections: this.other };
  }
}

/** One line for a port: "12 TLS connections to 10.0.0.5:9993 not dissected; add --ports 9993". */
export function undissectedLine(p: UndissectedPort): string {
  const what = p.kind === 'tls' ? 'TLS connection' : 'TCP connection';
  const where = p.servers > 1 ? `port ${p.port} (${p.servers}${p.servers >= MAX_SERVERS_COUNTED ? '+' : ''} servers)` : `${formatEndpoint(p.server, p.port)}`;
  const hint = p.kind === 'tls'
    ? `no key log decrypts them and nothing says they are mail; add --ports ${p.port}`
    : `not IMAP or POP3 by their first bytes; add --ports ${p.port} if they are`;
  return `${p.connections} ${what}${p.connections === 1 ? '' : 's'} to ${where} not dissected (${hint})`;
}

function formatEndpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
