/**
 * Conformance against tshark: for every mail connection of every corpus capture, the bytes we
 * reassemble per direction must equal tshark's "Follow TCP stream" (fixtures made by
 * scripts/make-tcp-fixtures.mjs), gaps included (tshark's "[N bytes missing in capture file]"
 * markers are recorded as gaps in the fixture). Deliberate differences are listed in the fixture's
 * `differences` (from test/fixtures/tcp/differences.json) and asserted as such.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CORPUS, corpusFile, reassembleCapture, type DirDigest } from './corpus.js';

const FIXTURES = new URL('../fixtures/tcp/', import.meta.url);
const haveCorpus = existsSync(CORPUS);
if (!haveCorpus) console.warn('tcp conformance: /work/shared/corpus absent, skipped');

type DirFixture = DirDigest;
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
    const { conns } = reassembleCapture(corpusFile(fx.capture));
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
