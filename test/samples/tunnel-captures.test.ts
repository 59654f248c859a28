/**
 * The tunnelled samples (captures/tunnel-*.pcap, made by scripts/make-tunnel-captures.mjs from the
 * real session in captures/clean-imap.pcap): mailwire's JSON report of each equals the original's
 * apart from the input name, the decode counters (which must name the tunnel) and the per-run secret
 * fingerprints; tshark, as an independent decoder, finds the same IMAP packets in each file.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const capture = (name: string) => join(ROOT, 'captures', `${name}.pcap`);

interface Sample { name: string; original: string; encapsulated: Record<string, number>; reassembled?: number }
const FRAMES = 27; // clean-imap.pcap
const SAMPLES: Sample[] = [
  { name: 'tunnel-gre', original: 'clean-imap', encapsulated: { gre: FRAMES } },
  { name: 'tunnel-erspan2', original: 'clean-imap', encapsulated: { gre: FRAMES, erspan: FRAMES } },
  { name: 'tunnel-erspan3', original: 'clean-imap', encapsulated: { gre: FRAMES, erspan: FRAMES } },
  { name: 'tunnel-mpls', original: 'clean-imap', encapsulated: { mpls: FRAMES } },
  { name: 'tunnel-pppoe', original: 'clean-imap', encapsulated: { pppoe: FRAMES } },
  { name: 'tunnel-vxlan', original: 'clean-imap', encapsulated: { vxlan: FRAMES } },
  { name: 'tunnel-ipip', original: 'clean-imap', encapsulated: { 'ipv4-in-ip': FRAMES } },
  { name: 'tunnel-6in4', original: 'clean-imap-ipv6', encapsulated: { 'ipv6-in-ip': FRAMES } },
  { name: 'tunnel-nested', original: 'clean-imap', encapsulated: { mpls: FRAMES, gre: FRAMES } },
];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function report(name: string): Json {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/mailwire'), 'read', `captures/${name}.pcap`, '--format', 'json'], { cwd: ROOT });
  expect(r.status, r.stderr.toString()).toBe(0);
  return JSON.parse(r.stdout.toString('utf8')) as Json;
}

/** The report without what must differ: input names, capture sizes, decode counters, fingerprints. */
function comparable(doc: Json): string {
  const copy = structuredClone(doc);
  delete copy.inputs;
  delete copy.summary.bytes;
  for (const input of copy.summary.inputs) {
    delete input.name;
    delete input.decoded;
    delete input.capture.bytesRead;
  }
  return JSON.stringify(copy)
    .replace(/"input":"[^"]*"/g, '"input":"<input>"')
    .replace(/"fingerprint":"[0-9a-f]+"/g, '"fingerprint":"<run-keyed>"');
}

const reports = new Map<string, Json>();
const reportOf = (name: string): Json => {
  if (!reports.has(name)) reports.set(name, report(name));
  return reports.get(name)!;
};

describe('tunnelled captures: the same report as the capture they wrap', () => {
  it.each(SAMPLES)('$name', (s) => {
    const wrapped = reportOf(s.name);
    const original = reportOf(s.original);
    expect(wrapped.conversations.length).toBe(1);
    expect(comparable(wrapped)).toBe(comparable(original));
    const decoded = wrapped.summary.inputs[0].decoded;
    expect(decoded).toMatchObject({ frames: FRAMES, tcp: FRAMES, other: 0, error: 0, encapsulated: s.encapsulated });
    expect(original.summary.inputs[0].decoded.encapsulated).toBeUndefined();
  });

  it('the facts that matter, not only equality: the IMAP session is there, whole', () => {
    const [c] = reportOf('tunnel-nested').conversations;
    expect([c.protocol, c.client.ip, c.server.ip, c.server.port, c.outcome]).toEqual(['imap', '127.0.0.61', '127.0.0.14', 143, 'login ok']);
    expect(c.exchanges.map((x: Json) => `${x.tag} ${x.command} ${x.status}`)).toEqual([
      'a1 AUTHENTICATE OK', 'a2 SELECT OK', 'a3 UID FETCH OK', 'a4 UID FETCH OK', 'a5 LOGOUT OK',
    ]);
    expect(c.auth.map((a: Json) => [a.mechanism, a.user, a.outcome])).toEqual([['CRAM-MD5', 'alice', 'ok']]);
    const [v6] = reportOf('tunnel-6in4').conversations;
    expect([v6.client.ip, v6.server.ip, v6.server.port]).toEqual(['2001:db8::7f00:3d', '2001:db8::7f00:e', 143]);
  });

  it('GRE over fragmented IPv4: the same dialogue, from the rebuilt datagrams', () => {
    const wrapped = reportOf('tunnel-gre-fragmented');
    const original = reportOf('clean-imap');
    const dialogue = (doc: Json) => doc.conversations[0].events.map((e: Json) => `${e.side}: ${e.raw}`);
    expect(dialogue(wrapped)).toEqual(dialogue(original));
    expect(wrapped.conversations[0].outcome).toBe('login ok');
    // 3 of the 27 outer datagrams exceed the 256-byte MTU; each was cut in two or three fragments.
    expect(wrapped.summary.inputs[0].decoded).toMatchObject({ tcp: FRAMES, reassembled: 3, error: 0, encapsulated: { gre: FRAMES } });
    expect(wrapped.summary.inputs[0].decoded.fragment).toBe(wrapped.summary.inputs[0].decoded.frames - FRAMES);
  });

  it('the encapsulated counts validate against the report schema, and a made-up tunnel name does not', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'docs/schema/report.schema.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const doc = structuredClone(reportOf('tunnel-erspan3'));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    doc.summary.inputs[0].decoded.encapsulated = { wormhole: 1 };
    expect(validate(doc)).toBe(false);
  });

  it('the samples are reproducible: the script writes the same bytes again', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/make-tunnel-captures.mjs'), '--check'], { cwd: ROOT });
    expect(r.status, r.stdout.toString() + r.stderr.toString()).toBe(0);
    expect(r.stdout.toString().trim().split('\n')).toHaveLength(SAMPLES.length + 2); // + gre-fragmented, clean-imap-ipv6
  });
});

const tshark = spawnSync('tshark', ['--version']).status === 0;
if (!tshark) console.warn('tshark comparison of the tunnelled captures skipped: tshark is not installed (apt-get install tshark)');

/** What tshark sees: per IMAP packet, its request or response line (first line only). */
function tsharkImap(name: string): string[] {
  const r = spawnSync('tshark', ['-r', capture(name), '-Y', 'imap', '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'imap.line'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').map((l) => l.split(',')[0]!);
}

describe.skipIf(!tshark)('tshark reads the same IMAP stream in each wrapped file', () => {
  it.each([...SAMPLES.map((s) => [s.name, s.original]), ['tunnel-gre-fragmented', 'clean-imap']])('%s', (name, original) => {
    const wrapped = tsharkImap(name!);
    expect(wrapped.length).toBe(13); // the IMAP packets of clean-imap.pcap
    expect(wrapped).toEqual(tsharkImap(original!));
  });
});
