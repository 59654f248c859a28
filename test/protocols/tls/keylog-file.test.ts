/**
 * KeyLogFile: a key log file followed while it grows (`mailwire live --keylog`), on real files in a
 * temporary directory: appended lines, a last line completed later, truncation and replacement,
 * a file that goes away, CRLF, chunked reads, and the bound on stat calls.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKS_PER_RANDOM, KeyLogFile, MAX_LINE_BYTES } from '../../../src/protocols/tls/keylog-file.js';

const R = (n: number): string => n.toString(16).padStart(2, '0').repeat(32);
const line = (n: number, secretByte = n): string => `CLIENT_RANDOM ${R(n)} ${secretByte.toString(16).padStart(2, '0').repeat(48)}`;
const secretOf = (f: KeyLogFile, n: number): string | undefined => {
  const s = f.keyLog.entries.get(R(n))?.masterSecret;
  return s === undefined ? undefined : Buffer.from(s).toString('hex');
};

let dir: string;
let path: string;
let clock: number;
let warnings: string[];
const open = (opts: { chunkBytes?: number } = {}): KeyLogFile => new KeyLogFile(path, { now: () => clock, onWarning: (m) => warnings.push(m), ...opts });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwire-keylog-file-'));
  path = join(dir, 'keys.log');
  clock = 1000;
  warnings = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('KeyLogFile', () => {
  it('reads the file at start, then only the lines appended since', () => {
    writeFileSync(path, `# keys\n${line(1)}\n`);
    const f = open();
    expect(f.start()).toBeUndefined();
    expect(f.keyLog.entries.size).toBe(1);
    appendFileSync(path, `${line(2)}\n${line(3)}\n`);
    f.keyLog.refresh!(R(2));
    expect([...f.keyLog.entries.keys()]).toEqual([R(1), R(2), R(3)]);
    // Each line was read once: the first one was not read again.
    expect(f.keyLog.usedLines).toBe(3);
    f.close();
  });

  it('keeps a partial last line until its end is written', () => {
    writeFileSync(path, '');
    const f = open();
    expect(f.start()).toBeUndefined();
    const l = line(4);
    appendFileSync(path, l.slice(0, 70));
    f.refresh(R(4));
    expect(f.keyLog.entries.size).toBe(0);
    expect(f.keyLog.badLines).toBe(0);
    appendFileSync(path, `${l.slice(70)}\n`);
    clock += 100;
    f.refresh(R(4));
    expect(secretOf(f, 4)).toBe('04'.repeat(48));
    expect([f.keyLog.usedLines, f.keyLog.badLines]).toEqual([1, 0]);
    f.close();
  });

  it('takes an unterminated last line at start (the file may be complete)', () => {
    writeFileSync(path, `${line(1)}\n${line(2)}`);
    const f = open();
    f.start();
    expect(secretOf(f, 2)).toBe('02'.repeat(48));
    f.close();
  });

  it('reads CRLF lines', () => {
    writeFileSync(path, `${line(1)}\r\n`);
    const f = open();
    f.start();
    appendFileSync(path, `# comment\r\n${line(2)}\r\n`);
    f.refresh(R(2));
    expect(secretOf(f, 1)).toBe('01'.repeat(48));
    expect(secretOf(f, 2)).toBe('02'.repeat(48));
    expect(f.keyLog.badLines).toBe(0);
    f.close();
  });

  it('reads a truncated file again from the start, and a replaced one (another inode) too', () => {
    writeFileSync(path, `${line(1)}\n${line(2)}\n`);
    const f = open();
    f.start();
    // Truncated, then a shorter content written: the offset is past the end, so from the start.
    truncateSync(path, 0);
    appendFileSync(path, `${line(3)}\n`);
    f.refresh(R(3));
    expect(secretOf(f, 3)).toBe('03'.repeat(48));
    // Replaced by rename with a longer file: same size or more, but another inode.
    writeFileSync(join(dir, 'new.log'), `${line(5)}\n${line(6)}\n${line(7)}\n`);
    renameSync(join(dir, 'new.log'), path);
    f.refresh(R(5));
    expect([5, 6, 7].map((n) => secretOf(f, n))).toEqual(['05'.repeat(48), '06'.repeat(48), '07'.repeat(48)]);
    // Keys read before stay.
    expect(secretOf(f, 1)).toBe('01'.repeat(48));
    expect(warnings).toEqual([]);
    f.close();
  });

  it('a file that cannot be read any more: one warning, the keys kept; read again once it is back', () => {
    writeFileSync(path, `${line(1)}\n`);
    const f = open();
    f.start();
    rmSync(path);
    f.refresh(R(2));
    f.refresh(R(3));
    expect(warnings).toEqual([`key log ${path} cannot be read any more (no such file or directory); going on with the 1 session whose keys were read`]);
    expect(secretOf(f, 1)).toBe('01'.repeat(48));
    writeFileSync(path, `${line(2)}\n`);
    f.refresh(R(2));
    expect(secretOf(f, 2)).toBe('02'.repeat(48));
    // Gone again, as a directory this time: a second warning.
    rmSync(path);
    mkdirSync(path);
    f.refresh(R(8));
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain('(is a directory)');
    f.close();
  });

  it('start reports why the file cannot be read; a file that does not exist yet is read when it appears', () => {
    const f = open();
    expect(f.start()).toBe('no such file or directory');
    f.refresh(R(1));
    expect(warnings).toEqual([]); // the caller reported it at start
    writeFileSync(path, `${line(1)}\n`);
    f.refresh(); // checked less than 100 ms ago: not again
    expect(f.keyLog.entries.size).toBe(0);
    clock += 100;
    f.refresh();
    expect(secretOf(f, 1)).toBe('01'.repeat(48));
    f.close();
  });

  it('reads in chunks: lines cut across chunk boundaries, a later secret for the same random replaces the first', () => {
    const lines = Array.from({ length: 200 }, (_, i) => line(i + 1));
    writeFileSync(path, `${lines.join('\n')}\n`);
    const f = open({ chunkBytes: 7 });
    f.start();
    expect(f.keyLog.entries.size).toBe(200);
    expect(f.keyLog.usedLines).toBe(200);
    appendFileSync(path, `${line(1, 0xee)}\n`);
    f.refresh(R(9));
    expect(secretOf(f, 1)).toBe('ee'.repeat(48));
    f.close();
  });

  it('skips a line longer than MAX_LINE_BYTES (counted once as bad) and reads the lines after it', () => {
    writeFileSync(path, '');
    const f = open({ chunkBytes: 1000 });
    f.start();
    appendFileSync(path, 'x'.repeat(MAX_LINE_BYTES * 3));
    f.refresh(R(1));
    appendFileSync(path, `yyy\n${line(1)}\n`);
    f.refresh(R(2));
    expect(secretOf(f, 1)).toBe('01'.repeat(48));
    expect([f.keyLog.badLines, f.keyLog.usedLines]).toEqual([1, 1]);
    f.close();
  });

  it.skipIf(spawnSync('sh', ['-c', 'command -v mkfifo']).status !== 0)('a pipe (--keylog <(cmd)) is read to its end at start, not followed', async () => {
    spawnSync('mkfifo', [path]);
    const writer = spawn('sh', ['-c', `printf '%s\\r\\n%s' "$0" "$1" > "$2"`, line(1), line(2), path]);
    const f = open({ chunkBytes: 50 });
    expect(f.start()).toBeUndefined();
    await once(writer, 'exit');
    expect([secretOf(f, 1), secretOf(f, 2)]).toEqual(['01'.repeat(48), '02'.repeat(48)]);
    expect(f.keyLog.refresh).toBeUndefined();
    f.close();
  });

  it(`checks a client random ${CHECKS_PER_RANDOM} times at once, then at most once per 100 ms; a new random at once`, () => {
    writeFileSync(path, `${line(1)}\n`);
    const f = open();
    f.start();
    expect(f.statCalls).toBe(1);
    for (let i = 0; i < 50; i++) {
      f.refresh(R(2));
      clock += 1;
    }
    expect(f.statCalls).toBe(1 + CHECKS_PER_RANDOM); // the first misses of R(2) only
    clock += 100 - (50 - CHECKS_PER_RANDOM); // 100 ms after the last check
    f.refresh(R(2));
    expect(f.statCalls).toBe(2 + CHECKS_PER_RANDOM);
    f.refresh(R(3)); // a new session: checked even right after
    f.refresh(); // no random: the interval applies
    expect(f.statCalls).toBe(3 + CHECKS_PER_RANDOM);
    // An unchanged file is not read; a grown one is read from where the last read ended.
    expect(f.readCalls).toBe(1);
    appendFileSync(path, `${line(3)}\n`);
    f.refresh(R(3));
    expect(secretOf(f, 3)).toBe('03'.repeat(48));
    expect([f.statCalls, f.readCalls]).toEqual([4 + CHECKS_PER_RANDOM, 2]);
    // A thousand sessions without keys: at most CHECKS_PER_RANDOM checks each.
    const before = f.statCalls;
    for (let n = 0; n < 1000; n++) for (let k = 0; k < 10; k++) f.refresh(`${n}`.padStart(64, 'f'));
    expect(f.statCalls - before).toBe(1000 * CHECKS_PER_RANDOM);
    f.close();
  });
});
