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

const MAX_SERVERS_COUNTED = 100;

export class UndissectedTally {
  private readonly byKey = new Map<string, UndissectedPort & { addresses: Set<string> }>();
  private other = 0;

  add(kind: UndissectedKind, server: Endpoint): void {
    this.addMany({ kind, port: server.port, connections: 1, server: server.ip, servers: 1 }, [server.ip]);
  }

  /** Adds another tally's summary (sharded reading: each shard counts its own connections). */
  merge(s: UndissectedSummary): void {
    for (const p of s.ports) this.addMany(p, [p.server]);
    this.other += s.otherConnections;
  }

  private addMany(p: UndissectedPort, addresses: string[]): void {
    const key = `${p.kind} ${p.port}`;
    let e = this.byKey.get(key);
    if (e === undefined) {
      if (this.byKey.size >= MAX_PORTS) {
        this.other += p.connections;
        return;
      }
      e = { kind: p.kind, port: p.port, connections: 0, server: p.server, servers: 0, addresses: new Set() };
      this.byKey.set(key, e);
    }
    e.connections += p.connections;
    for (const a of addresses) if (e.addresses.size < MAX_SERVERS_COUNTED) e.addresses.add(a);
    e.servers = Math.max(e.addresses.size, p.servers, e.servers);
  }

  /** The ports, most connections first; undefined when nothing went undissected. */
  summary(): UndissectedSummary | undefined {
    if (this.byKey.size === 0 && this.other === 0) return undefined;
    const ports = [...this.byKey.values()]
      .map(({ kind, port, connections, server, servers }) => ({ kind, port, connections, server, servers }))
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
