/**
 * Malformed packets inside a well-formed capture: bad IPv4 header lengths, a TCP data offset beyond
 * the segment, headers cut by the snaplen. They are counted by reason in the input's summary
 * (InputSummary.decoded in the JSON report), never thrown, and the real conversation around them is
 * reported unchanged.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pcapFile, type PcapRecordSpec } from '../helpers/capture-builders.js';
import { CAPTURES, pcapRecords, runCli } from './helpers.js';

const SAMPLE = readFileSync(join(CAPTURES, 'clean-imap.pcap'));
const RECORDS = pcapRecords(SAMPLE);
const ETH = 14;

/** The first frame of the sample that is IPv4 without options + TCP (at most 12 option bytes) without payload. */
const ACK = RECORDS.find((r) => {
  const d = r.data;
  const tcpLen = (d[ETH + 20 + 12]! >> 4) * 4;
  return d[ETH] === 0x45 && tcpLen <= 32 && ((d[ETH + 2]! << 8) | d[ETH + 3]!) === 20 + tcpLen && r.capLen === r.wireLen;
})!;

function mutate(edit: (d: Uint8Array) => void, capLen?: number): PcapRecordSpec {
  const data = Uint8Array.from(ACK.data);
  edit(data);
  return { tsSec: ACK.tsSec, tsFrac: ACK.tsUsec, data: data.subarray(0, capLen ?? data.length), wireLen: data.length };
}

const MALFORMED: Array<{ what: string; record: PcapRecordSpec; key: string; truncated?: boolean }> = [
  { what: 'IPv4 header length below 20 bytes', record: mutate((d) => { d[ETH] = 0x43; }), key: 'ipv4: ipv4 header length N < N' },
  { what: 'IPv4 header length beyond the total length', record: mutate((d) => { d[ETH] = 0x4f; }), key: 'ipv4: ipv4 header length N > total length N' },
  { what: 'IPv4 total length beyond the captured bytes', record: mutate((d) => { d[ETH + 2] = 0x05; d[ETH + 3] = 0xdc; }), key: 'ipv4: ipv4 total length N > captured N' },
  { what: 'TCP data offset beyond the segment', record: mutate((d) => { d[ETH + 20 + 12] = 0xf0 | (d[ETH + 20 + 12]! & 0x0f); }), key: 'tcp: tcp header length N > segment length N' },
  { what: 'TCP data offset below 5 words', record: mutate((d) => { d[ETH + 20 + 12] = 0x20; }), key: 'tcp: tcp data offset N < N' },
  { what: 'snaplen cut inside the IPv4 header', record: mutate(() => {}, ETH + 10), key: 'ipv4: ipv4 header truncated', truncated: true },
  { what: 'snaplen cut inside the TCP header', record: mutate(() => {}, ETH + 20 + 8), key: 'tcp: tcp header truncated', truncated: true },
  { what: 'snaplen cut inside the Ethernet header', record: mutate(() => {}, 6), key: 'link: ethernet header truncated', truncated: true },
];

interface DecodedSummary {
  frames: number; tcp: number; error: number; truncated: number;
  errors: Record<string, number>;
  errorExamples: Array<{ frame: number; layer: string; error: string; truncated: boolean }>;
}

describe('malformed packets are counted and reported, never thrown', () => {
  // The real session with every malformed packet inserted after its third frame, each twice.
  const records: PcapRecordSpec[] = RECORDS.map((r) => ({ tsSec: r.tsSec, tsFrac: r.tsUsec, data: r.data, wireLen: r.wireLen }));
  const bad = MALFORMED.flatMap((m) => [m.record, m.record]);
  records.splice(3, 0, ...bad);
  const path = join(mkdtempSync(join(tmpdir(), 'mailwire-malformed-')), 'malformed.pcap');
  writeFileSync(path, pcapFile({ records }));
  const r = runCli(['read', path, '--format', 'json']);

  it('exits 0 with no warning: the file is fine, only its packets are not', () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('counts each malformation under its own reason in summary.inputs[].decoded', () => {
    const decoded = (JSON.parse(r.stdout) as { summary: { inputs: Array<{ decoded: DecodedSummary }> } }).summary.inputs[0]!.decoded;
    const expected: Record<string, number> = {};
    for (const m of MALFORMED) expected[m.key] = (expected[m.key] ?? 0) + 2;
    expect(decoded.errors).toEqual(expected);
    expect(decoded.error).toBe(bad.length);
    expect(decoded.tcp).toBe(RECORDS.length);
    expect(decoded.frames).toBe(RECORDS.length + bad.length);
    expect(decoded.truncated).toBe(2 * MALFORMED.filter((m) => m.truncated).length);
    // The first examples name their frame numbers (the bad packets are frames 4, 5, ...).
    expect(decoded.errorExamples[0]).toMatchObject({ frame: 4, layer: 'ipv4' });
  });

  it('reports the conversation around them as if they were not there', () => {
    const doc = JSON.parse(r.stdout) as { conversations: Array<{ protocol: string; outcome: string }> };
    const clean = JSON.parse(runCli(['read', join(CAPTURES, 'clean-imap.pcap'), '--format', 'json']).stdout) as typeof doc;
    expect(doc.conversations.map((c) => [c.protocol, c.outcome])).toEqual(clean.conversations.map((c) => [c.protocol, c.outcome]));
    expect(doc.conversations).toHaveLength(1);
  });

  it('says so in the text summary', () => {
    const text = runCli(['read', path]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`${RECORDS.length} TCP, 0 other, ${2 * MALFORMED.filter((m) => m.truncated).length} cut by snaplen, ${bad.length} undecodable`);
  });
});
