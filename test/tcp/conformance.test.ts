/**
 * Conformance against tshark: for every mail connection of every corpus capture, the bytes we
 * reassemble per direction must equal tshark's "Follow TCP stream" (fixtures made by
 * scripts/make-tcp-fixtures.mjs), gaps included (tshark's "[N bytes missing in capture file]"
 * markers are recorded as gaps in the fixture). Deliberate differences are listed in the fixture's
 * `differences` (from test/fixtures/tcp/differences.json) and asserted as such.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import type { RawFrame } from '../../src/capture/frame.js';
import { createDecodeContext, decodeFrame } from '../../src/decode/decode-frame.js';
import { newDecoded } from '../../src/decode/decoded.js';
import { TcpReassembler } from '../../src/tcp/reassembler.js';
import type { ConnectionInfo, ConnectionSummary, Direction, StreamFactory, StreamHandler } from '../../src/tcp/stream.js';

const CORPUS = new URL('../../../shared/corpus/', import.meta.url);
const FIXTURES = new URL('../fixtures/tcp/', import.meta.url);
const haveCorpus = existsSync(CORPUS);
if (!haveCorpus) console.warn('tcp conformance: /work/shared/corpus absent, skipped');

interface DirFixture {
  bytes: number;
  sha256: string;
  head: string;
  gaps: Array<{ at: number; length: number }>;
}
interface ConnFixture {
  stream: number;
  client: { ip: string; port: number };
  server: { ip: string; port: number };
  roleSource: string;
  client_to_server: DirFixture;
  server_to_client: DirFixture;
}
interface Difference {
  stream: number;
  dir: 'client_to_server' | 'server_to_client';
  why: string;
  /** What mailwire delivers instead of the tshark values. */
  mailwire: Partial<DirFixture>;
}
interface Fixture {
  capture: string;
  connections: ConnFixture[];
  differences?: Difference[];
}

class Collector implements StreamHandler {
  readonly chunks: [Uint8Array[], Uint8Array[]] = [[], []];
  readonly gaps: [Array<{ at: number; length: number }>, Array<{ at: number; length: number }>] = [[], []];
  readonly dataBytes: [number, number] = [0, 0];
  summary: ConnectionSummary | undefined;
  constructor(readonly info: ConnectionInfo) {}
  data(dir: Direction, bytes: Uint8Array): void {
    this.chunks[dir].push(bytes.slice());
    this.dataBytes[dir] += bytes.length;
  }
  gap(dir: Direction, length: number): void {
    this.gaps[dir].push({ at: this.dataBytes[dir], length });
  }
  end(): void {}
  close(summary: ConnectionSummary): void {
    this.summary = summary;
  }
  describe(dir: Direction): DirFixture {
    const bytes = Buffer.concat(this.chunks[dir]);
    return {
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      head: bytes.subarray(0, 64).toString('hex'),
      gaps: this.gaps[dir],
    };
  }
}

function reassemble(path: URL): { conns: Collector[]; reassembler: TcpReassembler } {
  const conns: Collector[] = [];
  const factory: StreamFactory = {
    open(info) {
      const c = new Collector(info);
      conns.push(c);
      return c;
    },
    probe: () => undefined,
  };
  const reassembler = new TcpReassembler(factory);
  const d = newDecoded();
  const ctx = createDecodeContext();
  const parser = new CaptureParser({
    frame(f: RawFrame) {
      decodeFrame(f, d, ctx);
      if (d.kind === 'tcp') reassembler.packet(f, d);
    },
  });
  parser.push(new Uint8Array(readFileSync(path)));
  parser.end();
  reassembler.finish();
  return { conns, reassembler };
}

const fixtures: Fixture[] = existsSync(FIXTURES)
  ? readdirSync(FIXTURES)
      .filter((n) => n.endsWith('.json') && n !== 'differences.json')
      .map((n) => JSON.parse(readFileSync(new URL(n, FIXTURES), 'utf8')) as Fixture)
  : [];

describe.skipIf(!haveCorpus)('TCP reassembly matches tshark Follow TCP stream on the corpus', () => {
  it('has a fixture for every corpus capture', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(44);
  });

  it.each(fixtures.map((f) => [f.capture, f] as const))('%s', (_name, fx) => {
    const { conns } = reassemble(new URL(fx.capture.split('/').map(encodeURIComponent).join('/'), CORPUS));
    const key = (c: { client: { ip: string; port: number }; server: { ip: string; port: number } }) =>
      `${c.client.ip}:${c.client.port} > ${c.server.ip}:${c.server.port}`;
    expect(conns.map((c) => key(c.info))).toEqual(fx.connections.map(key));
    fx.connections.forEach((want, i) => {
      const got = conns[i]!;
      expect(got.summary, `${key(want)} closed`).toBeDefined();
      for (const [dir, name] of [[0, 'client_to_server'], [1, 'server_to_client']] as const) {
        const diff = fx.differences?.find((d) => d.stream === want.stream && d.dir === name);
        const expected = { ...want[name], ...diff?.mailwire };
        expect(got.describe(dir), `stream ${want.stream} ${name}${diff ? ` (differs: ${diff.why})` : ''}`).toEqual(expected);
      }
    });
  });
});
