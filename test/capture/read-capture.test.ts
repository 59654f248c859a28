import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import { readCapture, readCaptureStream } from '../../src/capture/read-capture.js';
import { isMailwireError } from '../../src/errors.js';
import { bytes, collector, pcapFile } from '../helpers/capture-builders.js';

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/capture/', import.meta.url));
const hasCorpus = existsSync(CORPUS);
if (!hasCorpus) console.warn(`capture corpus tests skipped: ${CORPUS} is absent`);

/** Frame counts as `capinfos -c` reports them (Wireshark 4.x), for every capture of the corpus. */
const CORPUS_FRAMES: Record<string, [format: string, frames: number]> = {
  'BruteShark/IMAP - Authenticate CRAM-MD5.cap': ['pcap', 46],
  'BruteShark/IMAP - Authenticate Digest-MD5.pcap': ['pcap', 31],
  'BruteShark/IMAP - Authenticate Plain (Base64).pcap': ['pcap', 209],
  'BruteShark/IMAP - Authenticate XYMPKI.pcap': ['pcap', 40],
  'BruteShark/IMAP - Login (Plaintext) 2.pcap': ['pcap', 57],
  'BruteShark/IMAP - Login (Plaintext) 3.pcap': ['pcap', 62],
  'BruteShark/PCAPNG Examples/IMAP - Authenticate CRAM-MD5.pcapng': ['pcapng', 46],
  'BruteShark/PCAPNG Examples/IMAP - Authenticate Digest-MD5.pcapng': ['pcapng', 31],
  'BruteShark/PCAPNG Examples/IMAP - Authenticate Plain (Base64).pcapng': ['pcapng', 209],
  'BruteShark/PCAPNG Examples/IMAP - Authenticate XYMPKI.pcapng': ['pcapng', 40],
  'BruteShark/PCAPNG Examples/IMAP - Login (Plaintext) 1.pcapng': ['pcapng', 124],
  'BruteShark/PCAPNG Examples/IMAP - Login (Plaintext) 2.pcapng': ['pcapng', 57],
  'BruteShark/PCAPNG Examples/IMAP - Login (Plaintext) 3.pcapng': ['pcapng', 62],
  'BruteShark/PCAPNG Examples/POP3.pcapng': ['pcapng', 125],
  'BruteShark/SIP_CALL_RTP_G711.pcap': ['pcap', 4269],
  'arkime/arkime_synthetic.pcap': ['pcap', 918],
  'arkime/imap-tag.pcap': ['pcap', 4],
  'arkime/imap.pcap': ['pcap', 124],
  'arkime/ntlm_synthetic.pcap': ['pcap', 218],
  'arkime/pop3-tag.pcap': ['pcap', 4],
  'nDPI/imap.pcap': ['pcap', 33],
  'nDPI/imaps.pcap': ['pcapng', 28],
  'nDPI/pop3.pcap': ['pcapng', 144],
  'nDPI/pop3_stls.pcap': ['pcap', 53],
  'nDPI/pops.pcapng': ['pcapng', 5],
  'nDPI/whatsapp_login_call.pcap': ['pcap', 1253],
  'protolens/imap.pcap': ['pcap', 265],
  'protolens/imap_append.pcap': ['pcap', 87],
  'protolens/imap_fetch.pcap': ['pcap-ns', 62],
  'protolens/pop3.pcap': ['pcap', 55],
  'suricata-verify/imap-detection/input.pcap': ['pcap', 106],
  'suricata-verify/pop3-02-bug-7709/input.pcap': ['pcap', 50],
  'suricata-verify/pop3-03-bug-7709/input.pcap': ['pcap', 33],
  'suricata-verify/pop3-auth-01/input.pcap': ['pcap', 29],
  'suricata-verify/pop3/input.pcap': ['pcap', 410],
  'suricata-verify/tcp-async-01/input.pcap': ['pcap', 139],
  'wireshark-notes/imap-ssl.pcapng': ['pcapng', 41],
  'wireshark-notes/pop-ssl.pcapng': ['pcapng', 38],
  'zeek/bad-list-retr-crafted.pcap': ['pcap', 36],
  'zeek/imap-starttls.pcap': ['pcap', 32],
  'zeek/pop3-starttls.pcap': ['pcap', 33],
  'zeek/pop3-unknown-commands.pcap': ['pcap', 29],
  'zeek/pop3.pcap': ['pcap', 125],
  'zeek/telesec.pcap': ['pcap', 22],
};

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'mailwire-capture-')); });
afterAll(() => { rmSync(tmp, { recursive: true, force: true }); });

async function read(path: string) {
  const sink = collector();
  const stats = await readCapture(path, sink);
  return { ...sink, stats };
}

async function readError(path: string): Promise<{ code: string; message: string }> {
  try {
    await readCapture(path, collector());
  } catch (err) {
    if (isMailwireError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a MailwireError');
}

describe.skipIf(!hasCorpus)('the corpus', () => {
  for (const [file, [format, frames]] of Object.entries(CORPUS_FRAMES)) {
    it(`reads ${file}: ${frames} frames, no warnings`, async () => {
      const r = await read(join(CORPUS, file));
      expect(r.warnings).toEqual([]);
      expect(r.stats).toMatchObject({ format, frames, warnings: 0, compressed: false, bytesRead: readFileSync(join(CORPUS, file)).length });
      expect(r.frames.map((f) => f.index)).toEqual(Array.from({ length: frames }, (_, i) => i + 1));
    });
  }

  it('reads the editcap conversions (pcapng, nanosecond pcap) as exactly the frames of the original', async () => {
    const original = await read(join(CORPUS, 'arkime/imap-tag.pcap'));
    const strip = (fs: typeof original.frames) => fs.map(({ fileOffset: _o, ...f }) => f);
    expect(strip((await read(join(FIXTURES, 'imap-tag.pcapng'))).frames)).toEqual(strip(original.frames));
    expect(strip((await read(join(FIXTURES, 'imap-tag.nsec.pcap'))).frames)).toEqual(strip(original.frames));
    expect((await read(join(FIXTURES, 'imap-tag.nsec.pcap'))).stats.format).toBe('pcap-ns');
  });

  it('reads a pcapng of the corpus with its interfaces (the IDB-described link type)', async () => {
    const r = await read(join(CORPUS, 'wireshark-notes/imap-ssl.pcapng'));
    expect(new Set(r.frames.map((f) => f.linkType))).toEqual(new Set([1]));
    expect(r.frames[0]!.tsSec).toBeGreaterThan(1_400_000_000);
  });

  it('reads a gzipped corpus file (detected by magic, whatever its name) with the same frames', async () => {
    const src = join(CORPUS, 'nDPI/pop3.pcap');
    const gz = join(tmp, 'pop3-capture.bin');
    writeFileSync(gz, gzipSync(readFileSync(src)));
    const plain = await read(src);
    const zipped = await read(gz);
    expect(zipped.frames).toEqual(plain.frames);
    expect(zipped.stats).toMatchObject({ compressed: true, format: 'pcapng', frames: 144, warnings: 0 });
  });
});

describe('the fixtures', () => {
  it('pcapng and nanosecond conversions agree frame for frame', async () => {
    const ng = await read(join(FIXTURES, 'imap-tag.pcapng'));
    const ns = await read(join(FIXTURES, 'imap-tag.nsec.pcap'));
    expect(ng.frames).toHaveLength(4);
    expect(ng.warnings).toEqual([]);
    expect(ns.frames.map(({ fileOffset: _o, ...f }) => f)).toEqual(ng.frames.map(({ fileOffset: _o, ...f }) => f));
    // The greeting is in the 4th frame.
    expect(Buffer.from(ng.frames[3]!.hex, 'hex').toString('latin1')).toContain('* OK IMAP4 ready');
  });
});

describe('readCapture', () => {
  const small = pcapFile({ records: Array.from({ length: 5 }, (_, i) => ({ tsSec: 1000 + i, tsFrac: i, data: bytes(100 + i, i) })) });

  it('reads a file across many 4 MiB reads with records straddling them', async () => {
    // ~9 MiB of records of odd sizes: several straddle the read-buffer boundaries.
    const records = Array.from({ length: 9000 }, (_, i) => ({ tsSec: 1_000_000 + i, tsFrac: i % 1_000_000, data: bytes(1000 + (i % 97), i) }));
    const file = pcapFile({ records });
    const path = join(tmp, 'big.pcap');
    writeFileSync(path, file);
    const progress: Array<[number, number | undefined]> = [];
    const sink = collector();
    const stats = await readCapture(path, sink, { onProgress: (a, b) => progress.push([a, b]) });
    const whole = collector();
    const p = new CaptureParser(whole);
    p.push(file);
    p.end();
    expect(stats).toMatchObject({ frames: 9000, warnings: 0, bytesRead: file.length });
    expect(sink.frames).toEqual(whole.frames);
    expect(progress.at(-1)).toEqual([file.length, file.length]);
    expect(progress.length).toBe(Math.ceil(file.length / (4 * 1024 * 1024)));
  });

  it('reads gzip by magic, and a gzip cut short keeps its frames with a warning', async () => {
    const gz = gzipSync(small);
    const whole = join(tmp, 'small.pcap.gz');
    writeFileSync(whole, gz);
    const r = await read(whole);
    expect(r.stats).toMatchObject({ compressed: true, frames: 5, warnings: 0, bytesRead: small.length });
    const cut = join(tmp, 'cut.gz');
    writeFileSync(cut, gz.subarray(0, gz.length - 30));
    const c = await read(cut);
    expect(c.frames.length).toBeGreaterThan(0);
    expect(c.frames.length).toBeLessThan(5);
    expect(c.warnings.map((w) => w.code)).toContain('capture.gzip-corrupt');
  });

  it('throws ERR_GZIP_CORRUPT when gzip data inflates to nothing', async () => {
    const p = join(tmp, 'bad.gz');
    writeFileSync(p, Uint8Array.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0x03, 0xff, 0xff, 0xff, 0xff, 0x00]));
    expect((await readError(p)).code).toBe('ERR_GZIP_CORRUPT');
  });

  it('reads a stream (as stdin is read), plain or gzipped, whatever the chunking', async () => {
    const chunks = (b: Uint8Array, n: number) => Readable.from(Array.from({ length: Math.ceil(b.length / n) }, (_, i) => Buffer.from(b.subarray(i * n, i * n + n))));
    for (const n of [1, 7, 4096]) {
      const plain = collector();
      expect(await readCaptureStream(chunks(small, n), plain, { source: 'stdin' })).toMatchObject({ frames: 5, compressed: false });
      const zipped = collector();
      expect(await readCaptureStream(chunks(gzipSync(small), n), zipped, { source: 'stdin' })).toMatchObject({ frames: 5, compressed: true });
      expect(zipped.frames).toEqual(plain.frames);
    }
  });

  it('streams a path that is not a regular file (a FIFO)', async () => {
    const fifo = join(tmp, 'capture.fifo');
    const src = join(tmp, 'fifo-source.pcap');
    writeFileSync(src, small);
    execFileSync('mkfifo', [fifo]);
    // Another process writes, as a shell's `<(...)` or a named pipe would.
    const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', src, fifo], { stdio: 'ignore' });
    const exited = once(writer, 'exit');
    const r = await read(fifo);
    await exited;
    expect(r.stats.frames).toBe(5);
  });

  it('names the file in one-line errors for inputs with nothing readable', async () => {
    const missing = join(tmp, 'nope.pcap');
    expect(await readError(missing)).toEqual({ code: 'ERR_INPUT_NOT_FOUND', message: `${missing}: no such file` });
    expect((await readError(tmp)).code).toBe('ERR_INPUT_UNREADABLE');
    const empty = join(tmp, 'empty.pcap');
    writeFileSync(empty, '');
    expect(await readError(empty)).toEqual({ code: 'ERR_CAPTURE_EMPTY', message: `${empty}: empty input, not a capture file` });
    const text = join(tmp, 'notes.pcap');
    writeFileSync(text, 'this is not a capture\n');
    expect(await readError(text)).toEqual({ code: 'ERR_CAPTURE_BAD_MAGIC', message: `${text}: not a capture file (neither pcap nor pcapng): looks like text (at byte 0)` });
    const png = join(tmp, 'image.pcap');
    writeFileSync(png, Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect((await readError(png)).message).toContain('a PNG image');
    const shortHeader = join(tmp, 'short.pcap');
    writeFileSync(shortHeader, small.subarray(0, 10));
    expect((await readError(shortHeader)).code).toBe('ERR_CAPTURE_TRUNCATED');
  });

  it('warns (and does not throw) about a truncated last record', async () => {
    const p = join(tmp, 'trunc.pcap');
    writeFileSync(p, small.subarray(0, small.length - 1));
    const r = await read(p);
    expect(r.stats.frames).toBe(4);
    expect(r.warnings.map((w) => w.code)).toEqual(['pcap.truncated-record']);
    expect(r.warnings[0]!.message.startsWith(`${p}: truncated last record at byte`)).toBe(true);
  });
});
