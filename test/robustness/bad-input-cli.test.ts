/**
 * Damaged and wrong inputs through the real command line, from a file and from standard input:
 * each gets its exact one-line message (naming the input and the byte offset or frame number).
 * Nothing readable → exit status 2 and that single line; damage inside a capture → a warning line,
 * exit status 0, and every conversation before AND after the damage still reported.
 *
 * The damage is applied to a real capture (captures/iphone-exchange2007-plaintext.pcap: four IMAP
 * connections in sequence, frames 1-18, 19-36, 37-54, 55-75), so "after the damage" is checkable.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { decodeFrame } from '../../src/decode/decode-frame.js';
import { newDecoded } from '../../src/decode/decoded.js';
import { LinkType } from '../../src/capture/frame.js';
import { isDecodedLinkType } from '../../src/capture/link-type.js';
import { PcapngBuilder } from '../helpers/capture-builders.js';
import { BIN, CAPTURES, pcapRecords, runCli, stderrLines, toPcapng, withU32, type CliResult } from './helpers.js';

const SAMPLE = readFileSync(join(CAPTURES, 'iphone-exchange2007-plaintext.pcap'));
const RECORDS = pcapRecords(SAMPLE);
const PCAPNG = toPcapng(SAMPLE);
const DIR = mkdtempSync(join(tmpdir(), 'mailwire-bad-input-'));

interface Doc {
  conversations: Array<{ id: number; firstFrame: number; outcome: string; client: { port: number } }>;
  summary: { inputs: Array<{ warningCount: number; capture: { frames: number } }> };
}

/** The undamaged sample's conversations: client port → outcome. */
const BASELINE = outcomes(JSON.parse(runCli(['read', join(CAPTURES, 'iphone-exchange2007-plaintext.pcap'), '--format', 'json']).stdout) as Doc);

function outcomes(doc: Doc): Record<number, string> {
  return Object.fromEntries(doc.conversations.map((c) => [c.client.port, c.outcome]));
}

/** Runs `mailwire read` on `bytes` from a file (source named by its path) or stdin (named 'stdin'). */
function readVia(via: 'file' | 'stdin', name: string, bytes: Uint8Array, extra: string[] = []): { r: CliResult; source: string } {
  if (via === 'stdin') return { r: runCli(['read', '-', ...extra], bytes), source: 'stdin' };
  const path = join(DIR, name);
  writeFileSync(path, bytes);
  return { r: runCli(['read', path, ...extra]), source: path };
}

interface FatalCase {
  name: string;
  bytes: Uint8Array;
  message: (source: string) => string;
}

const FATAL: FatalCase[] = [
  { name: 'notes.txt', bytes: Buffer.from('Subject: not a capture\r\n\r\nhello\r\n'),
    message: (s) => `mailwire: ${s}: not a capture file (neither pcap nor pcapng): looks like text (at byte 0)` },
  { name: 'image.png', bytes: Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'),
    message: (s) => `mailwire: ${s}: not a capture file (neither pcap nor pcapng): looks like a PNG image (at byte 0)` },
  { name: 'empty.pcap', bytes: new Uint8Array(0),
    message: (s) => `mailwire: ${s}: empty input, not a capture file` },
  { name: 'header-cut.pcap', bytes: SAMPLE.subarray(0, 10),
    message: (s) => `mailwire: ${s}: pcap file header truncated: only 10 of 24 bytes (at byte 0)` },
  { name: 'first-block-bad.pcapng', bytes: withU32(PCAPNG.bytes, 4, 7),
    message: (s) => `mailwire: ${s}: not a readable pcapng file: block type 0xa0d0d0a has impossible length 7 (at byte 0)` },
  { name: 'shb-cut.pcapng', bytes: PCAPNG.bytes.subarray(0, 20),
    message: (s) => `mailwire: ${s}: pcapng section header truncated: only 20 of 28 bytes (at byte 0)` },
  { name: 'gzip-header-only.pcap.gz', bytes: gzipSync(SAMPLE).subarray(0, 10),
    message: (s) => `mailwire: ${s}: gzip data cannot be inflated: unexpected end of file (in the first 10 compressed bytes)` },
];

interface DamageCase {
  name: string;
  bytes: Uint8Array;
  warnings: (source: string) => string[];
  /** Client ports whose conversations must still be reported with the undamaged outcome. */
  kept: number[];
  frames: number;
}

const clientPorts = Object.keys(BASELINE).map(Number);
const r20 = RECORDS[19]!;
const r21 = RECORDS[20]!;
const last = RECORDS.at(-1)!;
const epb20 = PCAPNG.epbOffsets[19]!;
const epb21 = PCAPNG.epbOffsets[20]!;
const epb20Len = epb21 - epb20;
const gzCut = (() => {
  const gz = gzipSync(SAMPLE);
  return gz.subarray(0, Math.floor(gz.length * 0.6));
})();
// What a cut gzip stream still inflates to (zlib's streaming output before it meets the end).
const gzInflated = gunzipSync(gzCut, { finishFlush: constants.Z_SYNC_FLUSH }).length;
const gzLastRecord = RECORDS.filter((r) => r.offset < gzInflated).at(-1)!;

// The interface description block sits between the section header and the first packet block.
const idbAt = new DataView(PCAPNG.bytes.buffer, PCAPNG.bytes.byteOffset).getUint32(4, true);
const idbLen = PCAPNG.epbOffsets[0]! - idbAt;

const DAMAGE: DamageCase[] = [
  {
    name: 'damaged-idb.pcapng', // the only IDB is skipped: its packets assume Ethernet, every frame is read
    bytes: withU32(PCAPNG.bytes, idbAt + idbLen - 4, 0xdead),
    warnings: (s) => [
      `mailwire: warning: ${s}: damaged block at byte ${idbAt} after frame 0: block type 0x1 length ${idbLen} does not match its trailing length 57005; skipped ${idbLen} bytes and resynchronised at byte ${PCAPNG.epbOffsets[0]}`,
      `mailwire: warning: ${s}: packet block at byte ${PCAPNG.epbOffsets[0]} names interface 0, which no readable interface description block describes: assuming Ethernet (1) and microsecond timestamps for it and any other undescribed interface of this section`,
    ],
    kept: clientPorts, frames: 75,
  },
  {
    name: 'absurd-length.pcap', // frame 20 claims 2 GiB: > snaplen (65535) and > 256 KiB
    bytes: withU32(SAMPLE, r20.offset + 8, 0x7fffffff),
    warnings: (s) => [`mailwire: warning: ${s}: damaged record at byte ${r20.offset} after frame 19: capture length 2147483647 is implausible; skipped ${r21.offset - r20.offset} bytes and resynchronised at byte ${r21.offset}`],
    kept: clientPorts, frames: 74,
  },
  {
    name: 'over-256k.pcap', // 300000: both above the snaplen and above libpcap's 256 KiB maximum
    bytes: withU32(withU32(SAMPLE, r20.offset + 8, 300_000), r20.offset + 12, 300_000),
    warnings: (s) => [`mailwire: warning: ${s}: damaged record at byte ${r20.offset} after frame 19: capture length 300000 is implausible; skipped ${r21.offset - r20.offset} bytes and resynchronised at byte ${r21.offset}`],
    kept: clientPorts, frames: 74,
  },
  {
    name: 'last-record-cut.pcap',
    bytes: SAMPLE.subarray(0, SAMPLE.length - 10),
    warnings: (s) => [`mailwire: warning: ${s}: truncated last record at byte ${last.offset} (frame 75): only ${SAMPLE.length - 10 - last.offset} of ${16 + last.capLen} bytes`],
    kept: clientPorts, frames: 74,
  },
  {
    name: 'bad-block-length.pcapng',
    bytes: withU32(PCAPNG.bytes, epb20 + 4, 7),
    warnings: (s) => [`mailwire: warning: ${s}: damaged block at byte ${epb20} after frame 19: block type 0x6 has impossible length 7; skipped ${epb21 - epb20} bytes and resynchronised at byte ${epb21}`],
    kept: clientPorts, frames: 74,
  },
  {
    name: 'bad-trailer.pcapng',
    bytes: withU32(PCAPNG.bytes, epb21 - 4, 0xdead),
    warnings: (s) => [`mailwire: warning: ${s}: damaged block at byte ${epb20} after frame 19: block type 0x6 length ${epb20Len} does not match its trailing length 57005; skipped ${epb21 - epb20} bytes and resynchronised at byte ${epb21}`],
    kept: clientPorts, frames: 74,
  },
  {
    name: 'last-block-cut.pcapng',
    bytes: PCAPNG.bytes.subarray(0, PCAPNG.bytes.length - 6),
    warnings: (s) => [`mailwire: warning: ${s}: truncated last block at byte ${PCAPNG.epbOffsets.at(-1)} (after frame 74): only ${PCAPNG.bytes.length - 6 - PCAPNG.epbOffsets.at(-1)!} of ${PCAPNG.bytes.length - PCAPNG.epbOffsets.at(-1)!} bytes`],
    kept: clientPorts, frames: 74,
  },
  {
    name: 'gzip-cut.pcap.gz',
    bytes: gzCut,
    warnings: (s) => [
      `mailwire: warning: ${s}: gzip stream damaged after ${gzInflated} decompressed bytes (unexpected end of file); the frames before it are kept`,
      `mailwire: warning: ${s}: truncated last record at byte ${gzLastRecord.offset} (frame ${RECORDS.indexOf(gzLastRecord) + 1}): only ${gzInflated - gzLastRecord.offset} of ${16 + gzLastRecord.capLen} bytes`,
    ],
    // The cut falls in the third connection: the first two are complete and keep their outcome.
    kept: clientPorts.filter((port) => port !== undefined).slice(0, 2), frames: RECORDS.indexOf(gzLastRecord),
  },
];

describe('inputs with nothing readable: one line naming the input, exit status 2', () => {
  for (const via of ['file', 'stdin'] as const) {
    for (const c of FATAL) {
      it(`${c.name} (${via})`, () => {
        const { r, source } = readVia(via, c.name, c.bytes);
        expect(r.status).toBe(2);
        expect(stderrLines(r)).toEqual([c.message(source)]);
        expect(r.stdout).toBe('');
      });
    }
  }

  it('a missing file and a directory', () => {
    const missing = runCli(['read', join(DIR, 'nope.pcap')]);
    expect(missing.status).toBe(2);
    expect(stderrLines(missing)).toEqual([`mailwire: ${join(DIR, 'nope.pcap')}: no such file`]);
    const dir = runCli(['read', DIR]);
    expect(dir.status).toBe(2);
    expect(stderrLines(dir)).toEqual([`mailwire: ${DIR}: is a directory, not a capture file`]);
  });
});

describe('damage inside a capture: a warning line, exit status 0, everything readable still reported', () => {
  it('the sample the damage is applied to has four conversations', () => {
    expect(Object.values(BASELINE)).toEqual(['login failed', 'login failed', 'login failed', 'login ok']);
    expect(RECORDS).toHaveLength(75);
  });

  for (const via of ['file', 'stdin'] as const) {
    for (const c of DAMAGE) {
      it(`${c.name} (${via})`, () => {
        const { r, source } = readVia(via, c.name, c.bytes, ['--format', 'json']);
        expect(r.status).toBe(0);
        expect(stderrLines(r)).toEqual(c.warnings(source));
        const doc = JSON.parse(r.stdout) as Doc;
        const got = outcomes(doc);
        expect(c.kept.length).toBeGreaterThan(0);
        for (const port of c.kept) expect(got[port], `conversation from port ${port}`).toBe(BASELINE[port]);
        expect(doc.summary.inputs[0]!.capture.frames).toBe(c.frames);
        expect(doc.summary.inputs[0]!.warningCount).toBe(c.warnings(source).length);
      });
    }
  }

  it('a damaged record in the middle keeps the conversations that follow it (the last one logs in)', () => {
    const { r } = readVia('file', 'absurd-middle.pcap', withU32(SAMPLE, RECORDS[40]!.offset + 8, 0xfffffff0), ['--format', 'json']);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.conversations.map((c) => c.outcome)).toEqual(['login failed', 'login failed', 'login failed', 'login ok']);
    expect(doc.conversations.at(-1)!.firstFrame).toBe(54); // one frame fewer before it
  });

  it('the text report repeats the warning in the summary of its input', () => {
    const { r, source } = readVia('file', 'absurd-text.pcap', withU32(SAMPLE, r20.offset + 8, 0x7fffffff), ['--width', '0']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`warning: ${source}: damaged record at byte ${r20.offset} after frame 19`);
    expect(r.stdout).toContain('4 (4 IMAP)');
  });
});

describe('unsupported link types', () => {
  it('classic pcap: one warning naming the header field, the frames are counted, exit status 0', () => {
    for (const via of ['file', 'stdin'] as const) {
      const { r, source } = readVia(via, 'user0.pcap', withU32(SAMPLE, 20, 147), ['--format', 'json']);
      expect(r.status).toBe(0);
      expect(stderrLines(r)).toEqual([`mailwire: warning: ${source}: link type 147 (file header, byte 20) is not one mailwire decodes (Ethernet, Linux cooked, raw IP, loopback, PPP, Cisco HDLC): its frames are counted but not analysed`]);
      const doc = JSON.parse(r.stdout) as Doc & { summary: { inputs: Array<{ decoded: { error: number } }> } };
      expect(doc.conversations).toEqual([]);
      expect(doc.summary.inputs[0]!.capture.frames).toBe(75);
      expect(doc.summary.inputs[0]!.decoded.error).toBe(75);
    }
  });

  it('pcapng: the warning names the interface and the byte of its description; other interfaces still work', () => {
    const b = new PcapngBuilder().shb().idb({ linkType: 1 });
    const idb2At = b.build().length;
    b.idb({ linkType: 105 }); // 802.11
    for (const rec of RECORDS) b.epb({ ifId: 0, ts: BigInt(rec.tsSec) * 1_000_000n + BigInt(rec.tsUsec), data: rec.data });
    b.epb({ ifId: 1, ts: 0n, data: new Uint8Array(40) });
    const { r, source } = readVia('file', 'wifi.pcapng', b.build(), ['--format', 'json']);
    expect(r.status).toBe(0);
    expect(stderrLines(r)).toEqual([`mailwire: warning: ${source}: link type 105 (interface 1 described at byte ${idb2At}) is not one mailwire decodes (Ethernet, Linux cooked, raw IP, loopback, PPP, Cisco HDLC): its frames are counted but not analysed`]);
    expect(Object.values(outcomes(JSON.parse(r.stdout) as Doc))).toEqual(Object.values(BASELINE));
  });

  it('the decoder decodes exactly the link types the readers accept without a warning', () => {
    // One table (LinkType) serves both: a link type the decoder cannot handle must warn, and one it
    // handles must not. Checked over every 16-bit value the pcap header can hold.
    const d = newDecoded();
    const data = new Uint8Array(64);
    for (let lt = 0; lt <= 0xffff; lt++) {
      const frame = { index: 1, tsSec: 0, tsNsec: 0, capLen: 64, wireLen: 64, linkType: lt, interfaceId: 0, buf: data, offset: 0, fileOffset: 0 };
      const unknown = decodeFrame(frame, d).stop?.error === `unknown link type ${lt}`;
      if (unknown === isDecodedLinkType(lt)) expect.fail(`link type ${lt}: decoder ${unknown ? 'rejects' : 'handles'} it, readers ${isDecodedLinkType(lt) ? 'accept' : 'warn'}`);
    }
    expect(isDecodedLinkType(LinkType.ETHERNET)).toBe(true);
  });
});

describe('extract into a directory that cannot be made: one line, exit status 2', () => {
  const sample = join(CAPTURES, 'iphone-exchange2007-plaintext.pcap');
  // /proc/x: mkdir answers ENOENT although /proc exists (Node's recursive mkdir looped there forever).
  for (const [dir, code] of [['/proc/mailwire-x/y', 'no such file or directory'], [join(DIR, 'a-file', 'sub'), 'a part of the path is not a directory']] as const) {
    it(dir, () => {
      writeFileSync(join(DIR, 'a-file'), 'not a directory');
      const r = runCli(['extract', sample, '-d', dir]);
      expect(r.status).toBe(2);
      expect(stderrLines(r)).toEqual([`mailwire: cannot use ${dir} as the output directory: ${code}`]);
    });
  }
});

describe('--keylog that never ends', () => {
  it('/dev/zero: read up to the size limit, one warning line, the report as without a key log', () => {
    const sample = join(CAPTURES, 'iphone-exchange2007-plaintext.pcap');
    const r = runCli(['read', sample, '--keylog', '/dev/zero', '--format', 'json']);
    expect(r.status).toBe(0);
    expect(stderrLines(r)).toEqual(['mailwire: warning: key log /dev/zero: only the first 64 MiB read (0 key line(s) in them); the rest is not read']);
    expect(outcomes(JSON.parse(r.stdout) as Doc)).toEqual(BASELINE);
  });
});

describe('live -w into a directory that does not exist', () => {
  it('one line and exit status 2, before any capture starts (it used to keep capturing, as root, forever)', () => {
    const r = spawnSync(process.execPath, [BIN, 'live', '-i', 'lo', '-w', '/nonexistent/dir/x.pcap', '--duration', '1'], { timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr.toString().trim().split('\n')).toEqual([`mailwire: /nonexistent/dir/x.pcap: cannot write the capture: no such file or directory`]);
  });
});
