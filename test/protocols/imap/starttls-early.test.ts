/**
 * A client that sends its TLS ClientHello right after STARTTLS, before the server's tagged OK:
 * the bytes are held until the completion decides (OK → TLS, otherwise text). The TLS bytes are
 * real: the session of captures/tls/tls13-aes128gcm.pcap (with its key log) replayed after a
 * hand-built cleartext STARTTLS exchange.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseKeyLog } from '../../../src/protocols/tls/keylog.js';
import { makeTlsLayerFactory } from '../../../src/protocols/tls/tls-layer.js';
import { readMiniCapture } from '../tls/helpers/mini-capture.js';
import { C, S, codes, dissect, type Seg } from './helpers.js';

const NAME = 'tls13-aes128gcm';
const TLS_DIR = new URL('../../../captures/tls/', import.meta.url);
const session = readMiniCapture(new URL(`${NAME}.pcap`, TLS_DIR)).connections[0]!;
const keyLog = parseKeyLog(readFileSync(new URL(`${NAME}.keylog`, TLS_DIR), 'latin1'));
const hello = session.chunks[0]!;
const rest: Seg[] = session.chunks.slice(1).map((c) => ({ dir: c.dir, data: c.bytes }));
const sent = (side: 'client' | 'server'): string[] => readFileSync(new URL(`${NAME}.${side}.txt`, TLS_DIR), 'latin1').split('\r\n').filter((l) => l.length > 0);

describe('STARTTLS with the ClientHello before the OK', () => {
  it('the real ClientHello is its first client chunk', () => {
    expect(hello.dir).toBe(0);
    expect([...hello.bytes.subarray(0, 2)]).toEqual([0x16, 0x03]);
  });

  it('held until OK, then handed to the TLS layer: the session decrypts and is dissected', () => {
    const c = dissect([S('* OK ready\r\n'), C('a STARTTLS\r\n'), C(hello.bytes), S('a OK Begin TLS negotiation now\r\n'), ...rest], { tls: makeTlsLayerFactory({ keyLog }) });
    expect(c.transport).toMatchObject({ security: 'starttls', decrypted: true });
    expect(c.events.filter((e) => e.kind === 'malformed')).toEqual([]);
    expect(codes(c)).toEqual([]);
    const decrypted = c.events.filter((e) => e.decrypted && e.kind === 'line').map((e) => `${e.side}: ${e.raw}`);
    expect(decrypted.sort()).toEqual([...sent('server').map((l) => `S: ${l}`), ...sent('client').map((l) => `C: ${l}`)].sort());
    expect(c.events.some((e) => e.kind === 'note' && /before the STARTTLS completion/.test(e.note ?? ''))).toBe(true);
    expect(c.tls).toMatchObject({ version: { name: expect.stringMatching(/1\.3/) } });
  });

  it('byte by byte: the same', () => {
    const whole = dissect([S('* OK ready\r\n'), C('a STARTTLS\r\n'), C(hello.bytes), S('a OK go\r\n'), ...rest], { tls: makeTlsLayerFactory({ keyLog }) });
    const bytewise = dissect([S('* OK ready\r\n'), C('a STARTTLS\r\n'), C(hello.bytes), S('a OK go\r\n'), ...rest], { tls: makeTlsLayerFactory({ keyLog }) }, (len) => Array.from({ length: len }, (_, i) => i));
    expect(bytewise.events.map((e) => [e.side, e.kind, e.raw])).toEqual(whole.events.map((e) => [e.side, e.kind, e.raw]));
  });

  it('without a TLS layer the held bytes are counted as encrypted, not read as text', () => {
    const c = dissect([S('* OK ready\r\n'), C('a STARTTLS\r\n'), C(hello.bytes), S('a OK go\r\n')]);
    expect(c.transport.encryptedBytes![0]).toBe(hello.bytes.length);
    expect(c.events.map((e) => e.kind)).toEqual(['line', 'line', 'line', 'note', 'tls']);
    expect(codes(c)).toEqual([]);
  });

  it('refused STARTTLS: the held bytes are read as text after all', () => {
    const c = dissect([S('* OK ready\r\n'), C('a STARTTLS\r\n'), C(hello.bytes), S('a NO [ALERT] TLS not available\r\n')]);
    expect(c.transport.security).toBe('plain');
    const client = c.events.filter((e) => e.side === 'C');
    expect(client.length).toBeGreaterThan(1);
    expect(client.slice(1).some((e) => e.kind === 'malformed')).toBe(true);
    // The text reading comes after the refusal, where the bytes were decided.
    expect(c.events.findIndex((e) => e.kind === 'malformed')).toBeGreaterThan(c.events.findIndex((e) => e.raw.startsWith('a NO')));
  });

  it('bytes after STARTTLS that are no TLS record are not held', () => {
    const c = dissect([S('* OK ready\r\n'), C('a STARTTLS\r\nb NOOP\r\n'), S('a OK go\r\n')]);
    expect(codes(c)).toContain('starttls-injection');
  });
});
