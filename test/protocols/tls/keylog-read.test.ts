/**
 * Reading a key log once (`read`, `extract`, `logins --keylog FILE`): streamed in chunks, only
 * well-formed lines kept, bounded in bytes (KEYLOG_READ_LIMITS) so /dev/zero or a huge file ends
 * with one warning instead of growing memory without end.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYLOG_READ_LIMITS, MAX_LINE_BYTES, readKeyLogText } from '../../../src/protocols/tls/keylog-file.js';
import { parseKeyLog } from '../../../src/protocols/tls/keylog.js';

const dir = mkdtempSync(join(tmpdir(), 'mailwire-keylog-read-'));
const random = (n: number): string => n.toString(16).padStart(64, '0');
const line = (n: number): string => `CLIENT_RANDOM ${random(n)} ${'ab'.repeat(48)}`;

describe('readKeyLogText', () => {
  it('keeps only well-formed lines (comments, garbage, overlong lines dropped), an unterminated last one included', () => {
    const path = join(dir, 'mixed.keylog');
    writeFileSync(path, ['# SSL/TLS secrets log file', line(1), 'garbage \x1b[2J', `X ${'z'.repeat(MAX_LINE_BYTES * 3)}`, line(2), `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${random(3)} ${'cd'.repeat(32)}`, line(4)].join('\n'));
    const warnings: string[] = [];
    const text = readKeyLogText(path, (m) => warnings.push(m), 1000);
    expect(text.split('\n')).toEqual([line(1), line(2), `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${random(3)} ${'cd'.repeat(32)}`, line(4)]);
    expect(warnings).toEqual([]);
    expect(parseKeyLog(text).entries.size).toBe(4);
  });

  it('/dev/zero: stops after KEYLOG_READ_LIMITS.MAX_BYTES with one warning', () => {
    const warnings: string[] = [];
    expect(readKeyLogText('/dev/zero', (m) => warnings.push(m))).toBe('');
    expect(warnings).toEqual([`key log /dev/zero: only the first ${KEYLOG_READ_LIMITS.MAX_BYTES / 1024 / 1024} MiB read (0 key line(s) in them); the rest is not read`]);
  });

  it('a file that does not exist throws its error code', () => {
    expect(() => readKeyLogText(join(dir, 'none'), () => undefined)).toThrow(/ENOENT/);
  });
});
