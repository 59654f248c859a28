/**
 * The extractor on captures built here: a 20 MB FETCH literal streams to disk (the conversation
 * keeps only its head), and messages cut by the end of the capture, a reset or a gap are written
 * as `.eml.partial` with a note, never as if whole.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze.js';
import { extractMessages } from '../../src/extract/extract.js';
import { MessageWriter } from '../../src/extract/message-writer.js';
import type { ContentSink } from '../../src/protocols/dissector.js';
import { LIMITS } from '../../src/protocols/limits.js';
import { writeTcpCapture, type Step } from './tcp-capture.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'mailwire-extract-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A deterministic message of about `n` bytes (header, then lines of letters). */
function message(n: number): Buffer {
  const head = 'From: a@example.org\r\nTo: b@example.org\r\nSubject: =?UTF-8?B?R3LDtsOfZQ==?=\r\nDate: Tue, 1 Oct 2024 10:00:00 +0000\r\n\r\n';
  const b = Buffer.alloc(n);
  b.write(head, 'latin1');
  for (let i = head.length; i < n; i++) b[i] = (i + 2) % 78 === 0 ? 0x0d : (i + 1) % 78 === 0 ? 0x0a : 0x41 + (i % 26);
  return b;
}

const greeting: Step[] = [
  { dir: 1, data: '* OK IMAP ready\r\n' },
  { dir: 0, data: 'a1 LOGIN bob secret\r\n' },
  { dir: 1, data: 'a1 OK done\r\n' },
  { dir: 0, data: 'a2 SELECT INBOX\r\n' },
  { dir: 1, data: '* 3 EXISTS\r\na2 OK [READ-WRITE] done\r\n' },
];

describe('a 20 MB FETCH literal', () => {
  it('is written whole by streaming to disk; the conversation keeps only its head', async () => {
    const dir = tempDir();
    const capture = join(tempDir(), 'big.pcap');
    const body = message(20 * 1024 * 1024);
    writeTcpCapture(capture, {
      serverPort: 143,
      steps: [...greeting, { dir: 0, data: 'a3 UID FETCH 9 BODY.PEEK[]\r\n' }, { dir: 1, data: Buffer.concat([Buffer.from(`* 2 FETCH (UID 9 BODY[] {${body.length}}\r\n`), body, Buffer.from(')\r\na3 OK done\r\n')]) }],
    });
    const writer = new MessageWriter({ dir, partial: false });
    let chunks = 0;
    let largest = 0;
    let checked = 0;
    let written = 0;
    // Watches the writer: every chunk is small, and the temp file grows with each one (no buffering).
    const watching: ContentSink = {
      begin: (s) => writer.begin(s),
      chunk: (id, bytes) => {
        writer.chunk(id, bytes);
        chunks++;
        written += bytes.length;
        largest = Math.max(largest, bytes.length);
        if (chunks % 1000 === 0) {
          const tmp = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
          expect(tmp).toHaveLength(1);
          expect(statSync(join(dir, tmp[0]!)).size).toBe(written);
          checked++;
        }
      },
      end: (id, e) => writer.end(id, e),
    };
    const result = await analyzeFiles([capture], { content: watching });
    writer.finish();
    expect(checked).toBeGreaterThan(10);
    expect(largest).toBeLessThanOrEqual(1400);
    expect(writer.messages).toHaveLength(1);
    const m = writer.messages[0]!;
    expect(m).toMatchObject({ file: 'c1-server-seq2-uid9.eml', size: body.length, complete: true, uid: 9, sequence: 2 });
    const file = readFileSync(join(dir, m.file));
    expect(file.length).toBe(body.length);
    expect(sha(file)).toBe(sha(body));
    expect(m.sha256).toBe(sha(body));
    const lit = result.conversations[0]!.events.find((e) => e.raw.startsWith('* 2 FETCH'))!.literals![0]!;
    expect(lit).toMatchObject({ size: body.length, received: body.length, complete: true });
    expect(lit.head.length).toBe(LIMITS.LITERAL_HEAD_BYTES);
    expect(lit.text).toBeUndefined();
  }, 60_000);
});

describe('messages cut short', () => {
  const body = message(10_000);
  const fetch: Step[] = [...greeting, { dir: 0, data: 'a3 FETCH 1 RFC822\r\n' }];

  it('the capture ends inside the literal: .eml.partial with a note', async () => {
    const dir = tempDir();
    const capture = join(tempDir(), 'cut.pcap');
    writeTcpCapture(capture, { serverPort: 143, end: 'cut', steps: [...fetch, { dir: 1, data: Buffer.concat([Buffer.from(`* 1 FETCH (RFC822 {${body.length}}\r\n`), body.subarray(0, 4000)]) }] });
    const index = await extractMessages([capture], { dir });
    expect(index.messages.map((m) => [m.file, m.complete, m.size, m.announcedSize, m.note])).toEqual([
      ['c1-server-seq1.eml.partial', false, 4000, 10_000, 'incomplete: 4000 of 10000 bytes; the connection or the capture ended inside it'],
    ]);
    expect(readFileSync(join(dir, 'c1-server-seq1.eml.partial')).equals(body.subarray(0, 4000))).toBe(true);
    expect(index.messages[0]!.subject).toBe('Größe');
  });

  it('a reset inside the literal: .eml.partial', async () => {
    const dir = tempDir();
    const capture = join(tempDir(), 'rst.pcap');
    writeTcpCapture(capture, { serverPort: 143, end: 'rst', steps: [...fetch, { dir: 1, data: Buffer.concat([Buffer.from(`* 1 FETCH (RFC822 {${body.length}}\r\n`), body.subarray(0, 2800)]) }] });
    const index = await extractMessages([capture], { dir });
    expect(index.messages.map((m) => [m.file, m.complete, m.size])).toEqual([['c1-server-seq1.eml.partial', false, 2800]]);
  });

  it('a gap inside a POP3 RETR body: .eml.partial although the terminator came', async () => {
    const dir = tempDir();
    const capture = join(tempDir(), 'gap.pcap');
    writeTcpCapture(capture, {
      serverPort: 110,
      steps: [
        { dir: 1, data: '+OK POP3 ready\r\n' },
        { dir: 0, data: 'RETR 1\r\n' },
        { dir: 1, data: Buffer.concat([Buffer.from('+OK message follows\r\n'), body.subarray(0, 1400)]) },
        { dir: 1, skip: 1400 },
        { dir: 1, data: Buffer.concat([body.subarray(2800), Buffer.from('\r\n.\r\n')]) },
        { dir: 0, data: 'QUIT\r\n' },
        { dir: 1, data: '+OK bye\r\n' },
      ],
    });
    const index = await extractMessages([capture], { dir });
    expect(index.messages.map((m) => [m.file, m.complete, m.pop3Number])).toEqual([['c1-server-msg1.eml.partial', false, 1]]);
    const m = index.messages[0]!;
    // 1400 bytes were never captured: what is left is shorter than the message, and says why.
    expect(m.size).toBeLessThan(body.length - 1300);
    expect(m.note).toBe(`incomplete: ${m.size} bytes; bytes missing from the capture inside the body (gap or overlong line)`);
    expect(readFileSync(join(dir, m.file)).subarray(0, 1000).equals(body.subarray(0, 1000))).toBe(true);
  });
});
