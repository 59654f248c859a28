import { deflateRawSync, constants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Conversation } from '../../../src/model/conversation.js';
import type { PlaintextSink, TlsLayer } from '../../../src/protocols/dissector.js';
import { IMAP_LIMITS } from '../../../src/protocols/imap/limits.js';
import { LIMITS } from '../../../src/protocols/limits.js';
import { C, S, codes, dissect, transcript, type Seg } from './helpers.js';

/** A realistic session touching most constructs: literals of every form, IDLE, AUTHENTICATE, pipelining. */
const SESSION: Seg[] = [
  S('* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE] ready\r\n'),
  C('a1 AUTHENTICATE PLAIN\r\n'),
  S('+ \r\n'),
  C('AGFsaWNlAHNlY3JldA==\r\n'),
  S('a1 OK [CAPABILITY IMAP4rev1 IDLE MOVE] done\r\n'),
  C('a2 SELECT {5}\r\n'),
  S('+ go ahead\r\n'),
  C('INBOX\r\n'),
  S('* 2 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\na2 OK [READ-WRITE] selected\r\n'),
  C('a3 FETCH 1 (BODY[] BINARY[1])\r\na4 NOOP\r\n'),
  S('* 1 FETCH (BODY[] {12}\r\na4 OK fake\r\n BINARY[1] ~{3}\r\n\x00\x01\x02)\r\na3 OK fetched\r\na4 OK noop\r\n'),
  C('a5 APPEND Sent (\\Seen) {12+}\r\nhello\r\nworld "x" {2-}\r\nab\r\n'),
  S('a5 OK [APPENDUID 7 9] appended\r\n'),
  C('a6 IDLE\r\n'),
  S('+ idling\r\n'),
  S('* 3 EXISTS\r\n'),
  C('DONE\r\n'),
  S('a6 OK IDLE terminated\r\n'),
  C('a7 LOGOUT\r\n'),
  S('* BYE bye\r\na7 OK bye\r\n'),
];

describe('IMAP session', () => {
  it('pairs commands, continuations, untagged data and completions; literals are opaque', () => {
    const c = dissect(SESSION);
    expect(transcript(c)).toEqual([
      'S line * OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE] ready',
      'C line#0 a1 AUTHENTICATE PLAIN',
      'S line#0 + ',
      'C line#0 AGFsaWNlAHNlY3JldA==',
      'S line#0 a1 OK [CAPABILITY IMAP4rev1 IDLE MOVE] done',
      'C line#1 a2 SELECT {5}',
      'S line#1 + go ahead',
      'S line#1 * 2 EXISTS',
      'S line#1 * OK [UIDVALIDITY 7] ok',
      'S line#1 a2 OK [READ-WRITE] selected',
      'C line#2 a3 FETCH 1 (BODY[] BINARY[1])',
      'C line#3 a4 NOOP',
      'S line#2 * 1 FETCH (BODY[] {12} BINARY[1] ~{3})',
      'S line#2 a3 OK fetched',
      'S line#3 a4 OK noop',
      'C line#4 a5 APPEND Sent (\\Seen) {12+} "x" {2-}',
      'S line#4 a5 OK [APPENDUID 7 9] appended',
      'C line#5 a6 IDLE',
      'S line#5 + idling',
      'S line#5 * 3 EXISTS',
      'C line#5 DONE',
      'S line#5 a6 OK IDLE terminated',
      'C line#6 a7 LOGOUT',
      'S line#6 * BYE bye',
      'S line#6 a7 OK bye',
    ]);
    const fetch = c.events[12]!;
    expect(fetch.literals!.map((l) => [l.form, l.size, l.text])).toEqual([
      ['sync', 12, 'a4 OK fake\r\n'],
      ['literal8', 3, '\x00\x01\x02'],
    ]);
    expect(c.events[15]!.literals!.map((l) => l.form)).toEqual(['nonsync-plus', 'nonsync-minus']);
    expect(c.exchanges.map((x) => `${x.tag} ${x.command} ${x.state} ${x.status}`)).toEqual([
      'a1 AUTHENTICATE not-authenticated OK',
      'a2 SELECT authenticated OK',
      'a3 FETCH selected OK',
      'a4 NOOP selected OK',
      'a5 APPEND selected OK',
      'a6 IDLE selected OK',
      'a7 LOGOUT selected OK',
    ]);
    expect(c.events[3]!.secrets).toEqual([{ start: 0, end: 20, kind: 'sasl' }]);
    expect(c.events[3]!.parsed).toEqual({ type: 'sasl-response', tag: 'a1' });
    expect(c.events[20]!.parsed).toEqual({ type: 'idle-done', tag: 'a6' });
    expect(c.auth).toHaveLength(1);
    expect(c.auth[0]).toMatchObject({ method: 'AUTHENTICATE', mechanism: 'PLAIN', outcome: 'ok', frames: [12, 13, 14, 15] });
    expect(c.capabilities.map((x) => x.phase)).toEqual(['greeting', 'post-auth']);
    expect(c.state).toBe('logout');
    expect(codes(c)).toEqual([]);
  });

  it('response time excludes the IDLE wait and the wait for `+`', () => {
    const c = dissect([
      S('* OK ready\r\n', 1),
      C('a LOGIN {1}\r\n', 2),
      S('+ ok\r\n', 3),
      C('u {1}\r\n', 10),
      S('+ ok\r\n', 11),
      C('p\r\n', 20),
      S('a OK in\r\n', 22),
      C('b IDLE\r\n', 30),
      S('+ idling\r\n', 31),
      S('* 1 EXISTS\r\n', 80),
      C('DONE\r\n', 90),
      S('b OK done\r\n', 93),
    ]);
    expect(c.exchanges[0]!.responseTime).toBeCloseTo(0.04, 6);
    expect(c.exchanges[1]!.responseTime).toBeCloseTo(0.04, 6);
    expect(c.auth[0]).toMatchObject({ user: 'u', userForm: 'literal', userRaw: '{1}', outcome: 'ok' });
    expect(c.events[1]!.literals!.map((l) => l.secret)).toEqual([undefined, true]);
  });

  it('records tag reuse, missing and unexpected completions, wrong state, invalid tags and bare LF', () => {
    const c = dissect([
      S('* OK ready\r\n'),
      C('x1 SELECT INBOX\n'),
      S('x1 BAD not now\r\n'),
      C('x2 NOOP\r\nx2 NOOP\r\n* NOOP\r\n'),
      S('x2 OK\r\nzz OK what\r\n'),
    ]);
    expect(codes(c)).toEqual(['bare-lf', 'wrong-state', 'tag-reuse', 'invalid-tag', 'unexpected-completion', 'missing-completion', 'missing-completion']);
    expect(c.anomalies[0]!.detail).toBe('1 client line(s) ended with LF alone instead of CRLF');
    expect(c.events[1]!.bareLf).toBe(true);
  });

  it('a malformed line becomes a malformed event and parsing resumes at the next line', () => {
    const c = dissect([S('* OK ready\r\n'), C('a1 NOOP\r\n'), S('* 1 FETCH (FLAGS (\\Seen)\r\na1 OK\r\n')]);
    expect(c.events[2]).toMatchObject({ kind: 'malformed', note: "'(' not closed at offset 10", parsed: { type: 'malformed', position: 10 } });
    expect(c.exchanges[0]!.status).toBe('OK');
    expect(codes(c)).toEqual(['malformed']);
  });

  it('a gap cuts the literal in progress and resynchronises on the next line that parses', () => {
    const c = dissect([
      C('a1 FETCH 1 BODY[]\r\n'),
      S('* 1 FETCH (BODY[] {100}\r\n0123456789'),
      { dir: 1, gap: 50 },
      S('garbage line\r\nmore }{ garbage\r\n)\r\na1 OK done\r\n'),
    ]);
    const lit = c.events[1]!.literals![0]!;
    expect(lit).toMatchObject({ size: 100, received: 10, complete: false });
    expect(c.events.map((e) => e.kind)).toEqual(['line', 'line', 'gap', 'line', 'note']);
    expect(c.events[3]!.raw).toBe('a1 OK done');
    expect(c.exchanges[0]!.status).toBe('OK');
    expect(codes(c)).toEqual(['truncated-response', 'gap']);
    expect(c.events[4]!.note).toMatch(/^3 unparseable line/);
  });

  it('a 50 MB literal is streamed (head and counts only); an absurd size is noted and not trusted', () => {
    const size = 50 * 1024 * 1024;
    const chunk = new Uint8Array(1024 * 1024).fill(0x61);
    const segs: Seg[] = [S('* PREAUTH ready\r\n'), C(`a APPEND x {${size}+}\r\n`)];
    for (let i = 0; i < 50; i++) segs.push(C(chunk));
    segs.push(C('\r\n'), S('a OK ok\r\n'), C('b SELECT {4294967296}\r\n'), S('b NO too big\r\n'), C('c NOOP\r\n'), S('c OK\r\n'));
    const c = dissect(segs);
    const lit = c.events[1]!.literals![0]!;
    expect(lit).toMatchObject({ size, received: size, complete: true });
    expect(lit.head).toHaveLength(256);
    expect(lit.text).toBeUndefined();
    expect(c.exchanges.map((x) => `${x.command} ${x.status}`)).toEqual(['APPEND OK', 'SELECT NO', 'NOOP OK']);
    expect(codes(c)).toEqual(['literal-too-large']);
  });

  it('STARTTLS without a TLS layer: bytes counted, one tls event, injection detected', () => {
    const c = dissect([
      S('* OK ready\r\n'),
      C('a STARTTLS\r\nb CAPABILITY\r\n'),
      S('a OK go\r\n* OK injected\r\n'),
      C(new Uint8Array([0x16, 0x03, 0x01, 0, 1, 9])),
    ]);
    expect(c.transport.security).toBe('starttls');
    expect(c.events.map((e) => e.kind)).toEqual(['line', 'line', 'line', 'line', 'tls']);
    expect(c.transport.encryptedBytes).toEqual([6, 15]);
    expect(codes(c)).toEqual(['starttls-injection', 'starttls-injection', 'missing-completion']);
  });

  it('STARTTLS with a TLS layer: plaintext comes back and is dissected as decrypted', () => {
    let sink: PlaintextSink | undefined;
    const fed: number[] = [0, 0];
    const tls = (_: unknown, s: PlaintextSink): TlsLayer => {
      sink = s;
      return {
        data: (d, b, m) => {
          fed[d] += b.length;
          // A stand-in "decryption": the test's TLS bytes are the plaintext shifted by one.
          sink!.data(d, b.subarray(5).map((x) => x - 1), m);
        },
        gap: () => undefined,
        end: () => undefined,
        facts: () => ({ version: 'test' }),
        encryptedBytes: () => [0, 0],
        decrypted: () => true,
      };
    };
    // An application-data record header, then the shifted plaintext (the first bytes after the OK must look like TLS).
    const enc = (s: string) => new Uint8Array([0x17, 0x03, 0x03, 0, s.length, ...new Uint8Array(Buffer.from(s, 'latin1')).map((x) => x + 1)]);
    const c = dissect([S('* OK ready\r\n'), C('a STARTTLS\r\n'), S('a OK go\r\n'), C(enc('b LOGIN u p\r\n')), S(enc('b OK in\r\n'))], { tls });
    expect(transcript(c).slice(4)).toEqual(['C line#1 b LOGIN u p', 'S line#1 b OK in']);
    expect(c.events[4]!.decrypted).toBe(true);
    expect(c.auth[0]).toMatchObject({ encrypted: true, outcome: 'ok' });
    expect(c.tls).toEqual({ version: 'test' });
    expect(c.transport.decrypted).toBe(true);
  });

  it('COMPRESS=DEFLATE: both directions inflated and dissected', () => {
    const z = (s: string) => new Uint8Array(deflateRawSync(Buffer.from(s), { finishFlush: constants.Z_SYNC_FLUSH }));
    const c = dissect([
      S('* OK ready\r\n'),
      C('a LOGIN u p\r\n'),
      S('a OK in\r\n'),
      C('b COMPRESS DEFLATE\r\n'),
      S('b OK deflating\r\n'),
      C(z('c SELECT INBOX\r\n')),
      S(z('* 1 EXISTS\r\nc OK [READ-WRITE] done\r\n')),
    ]);
    expect(c.transport.compressed).toBe(true);
    expect(transcript(c).slice(6)).toEqual(['C line#2 c SELECT INBOX', 'S line#2 * 1 EXISTS', 'S line#2 c OK [READ-WRITE] done']);
    expect(c.events[7]!.inflated).toBe(true);
    expect(c.state).toBe('selected');
    expect(codes(c)).toEqual([]);
  });

  it('COMPRESS=DEFLATE bomb under the per-chunk ratio: inflating stops at MAX_TOTAL_INFLATE_RATIO over the stream, said once', () => {
    const chunks: Uint8Array[] = [];
    let inflated = 0;
    // 4 KiB lines that deflate ~100-400x: every chunk stays under MAX_INFLATE_RATIO, the stream does not stay under 32x.
    for (let i = 0; inflated < 2 * IMAP_LIMITS.INFLATED_FLOOR_BYTES; i++) {
      const text = Array.from({ length: 64 }, (_, k) => `* OK ${i}-${k} ${'a'.repeat(4000)}\r\n`).join('');
      inflated += text.length;
      chunks.push(new Uint8Array(deflateRawSync(Buffer.from(text), { finishFlush: constants.Z_SYNC_FLUSH })));
    }
    const compressed = chunks.reduce((n, b) => n + b.length, 0);
    expect(inflated / compressed).toBeLessThan(IMAP_LIMITS.MAX_INFLATE_RATIO);
    expect(inflated).toBeGreaterThan(IMAP_LIMITS.INFLATED_FLOOR_BYTES + IMAP_LIMITS.MAX_TOTAL_INFLATE_RATIO * compressed);
    const c = dissect([S('* OK ready\r\n'), C('a LOGIN u p\r\n'), S('a OK in\r\n'), C('b COMPRESS DEFLATE\r\n'), S('b OK deflating\r\n'), ...chunks.map((b) => S(b))]);
    const errors = c.anomalies.filter((a) => a.code === 'inflate-error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.detail).toContain(`more than ${IMAP_LIMITS.MAX_TOTAL_INFLATE_RATIO}x the compressed bytes inflated`);
    // What was inflated before the cap was dissected; nothing far beyond it.
    const lines = c.events.filter((e) => e.inflated && e.side === 'S').length;
    expect(lines).toBeGreaterThan(1000);
    expect(lines * 4000).toBeLessThan(IMAP_LIMITS.INFLATED_FLOOR_BYTES + IMAP_LIMITS.MAX_TOTAL_INFLATE_RATIO * compressed + 64 * 1024);
  });

  it('a SASL response longer than a line: the secret is marked cut (its length is only what was kept)', () => {
    const blob = Buffer.from(`\0alice\0${'p'.repeat(4 * LIMITS.MAX_LINE_BYTES)}`).toString('base64');
    const c = dissect([S('* OK ready\r\n'), C('a AUTHENTICATE PLAIN\r\n'), S('+ \r\n'), C(`${blob}\r\n`), S('a NO [AUTHENTICATIONFAILED] no\r\n')]);
    expect(c.auth[0]!.secret).toMatchObject({ kind: 'password', cut: true });
    expect(c.auth[0]!.secret!.length).toBeLessThan(4 * LIMITS.MAX_LINE_BYTES);
  });

  it('a synchronising literal refused by the server is not awaited', () => {
    const c = dissect([S('* OK ready\r\n'), C('a LOGIN {5000}\r\n'), S('a NO [LIMIT] too big\r\n'), C('b LOGIN u p\r\n'), S('b OK in\r\n')]);
    expect(transcript(c).slice(1)).toEqual(['C line#0 a LOGIN {5000}', 'S line#0 a NO [LIMIT] too big', 'C line#1 b LOGIN u p', 'S line#1 b OK in']);
    expect(c.events[1]!.literals![0]).toMatchObject({ size: 5000, received: 0, complete: false });
    expect(c.state).toBe('authenticated');
  });

  it('an overlong line is cut at the cap and reported', () => {
    const c = dissect([S('* OK ready\r\n'), C('a NOOP\r\n'), S(`* SEARCH ${'1 '.repeat(40_000)}\r\na OK\r\n`)]);
    expect(codes(c)).toEqual(['line-too-long']);
    expect(c.events[2]!.raw.length).toBe(64 * 1024);
    expect(c.exchanges[0]!.status).toBe('OK');
  });

  it('AUTHENTICATE cancelled with `*`', () => {
    const c = dissect([S('* OK ready\r\n'), C('a AUTHENTICATE LOGIN\r\n'), S('+ VXNlcm5hbWU6\r\n'), C('*\r\n'), S('a BAD cancelled\r\n')]);
    expect(c.events[3]!.parsed).toEqual({ type: 'sasl-cancel', tag: 'a' });
    expect(c.events[3]!.secrets).toBeUndefined();
    expect(c.auth[0]).toMatchObject({ mechanism: 'LOGIN', outcome: 'cancelled' });
  });
});

/** Everything a test compares: the model without timing noise (there is none: ts come from frames). */
const model = (c: Conversation) => JSON.parse(JSON.stringify(c)) as unknown;

describe('IMAP split invariance', () => {
  const whole = model(dissect(SESSION));
  it('gives the same conversation one byte at a time', () => {
    expect(model(dissect(SESSION, {}, (len) => Array.from({ length: len }, (_, i) => i)))).toEqual(whole);
  });
  it('gives the same conversation at any chunking (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 6 }), { minLength: SESSION.length, maxLength: SESSION.length }), (cuts) => {
        expect(model(dissect(SESSION, {}, (_len, i) => cuts[i]!))).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });
  it('never throws on random bytes in either direction', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ dir: fc.constantFrom(0 as const, 1 as const), data: fc.uint8Array({ maxLength: 300 }) }), { maxLength: 12 }), (segs) => {
        const c = dissect([S('* OK ready\r\n'), ...segs]);
        expect(c.events.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});
