import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { feed, type Step } from './feed.js';

/** A dialogue that touches every path: greeting, CAPA, SASL, bodies with stuffing, lists, gaps, bare LF, garbage, STLS. */
const SESSION: Step[] = [
  { s: '+OK ready <12.34@host>\r\n' },
  { c: 'CAPA\r\nAUTH\r\n' },
  { s: '+OK\r\nTOP\r\nSASL PLAIN\r\nIMPLEMENTATION x 1.2\r\n.\r\n+OK\r\nPLAIN\r\n.\r\n' },
  { c: 'AUTH PLAIN\r\n' },
  { s: '+ \r\n' },
  { c: 'AGFsaWNlAHB3\r\n' },
  { s: '-ERR [AUTH] no\r\n' },
  { c: 'user alice\r\n' },
  { s: '+OK\r\n' },
  { c: 'pass p a s s\r\n' },
  { s: '+OK in\r\n' },
  { c: 'LIST\r\n' },
  { s: '+OK\r\n1 10\r\n2 20\r\n.\r\n' },
  { c: 'RETR 1\r\n' },
  { s: '+OK\r\n..dot\r\n\r\nbody\nline\r\n' },
  { gap: 1, length: 7 },
  { s: 'more\r\n.\r\n' },
  { c: 'STAT\n' },
  { s: '+\x00\xff garbage\r\n+OK 2 30\r\n' },
  { c: 'TOP 1 0\r\n' },
  { s: '+OK\r\nSubject: x\r\n.\r\n' },
  { c: 'STLS\r\n' },
  { s: '+OK go\r\n\x16\x03\x01\x00\x02ab' },
  { c: '\x16\x03\x01\x00\x02cd' },
];

describe('POP3 dissector properties', () => {
  it('gives the same conversation at every chunking', () => {
    const whole = JSON.stringify(feed(SESSION));
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat({ max: 200 }), { maxLength: 6 }), { minLength: SESSION.length, maxLength: SESSION.length }), (cuts) => {
        const chunked = JSON.stringify(feed(SESSION, { cuts: (i) => cuts[i] ?? [] }));
        expect(chunked).toBe(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('byte-at-a-time delivery gives the same conversation', () => {
    const whole = JSON.stringify(feed(SESSION));
    const bytewise = JSON.stringify(feed(SESSION, { cuts: (_i, len) => Array.from({ length: len }, (_, k) => k) }));
    expect(bytewise).toBe(whole);
  });

  it('never throws on random bytes, in either direction, with gaps', () => {
    const step = fc.oneof(
      fc.record({ c: fc.uint8Array({ maxLength: 80 }) }),
      fc.record({ s: fc.uint8Array({ maxLength: 80 }) }),
      fc.record({ c: fc.constantFrom('USER a\r\n', 'PASS b\r\n', 'AUTH PLAIN\r\n', 'STLS\r\n', 'RETR 1\r\n', 'LIST\r\n', '*\r\n', '.\r\n') }),
      fc.record({ s: fc.constantFrom('+OK\r\n', '-ERR x\r\n', '+ \r\n', '.\r\n', '..x\r\n', '1 2\r\n', '+OK ready <a@b>\r\n') }),
      fc.record({ gap: fc.constantFrom(0 as const, 1 as const), length: fc.integer({ min: 1, max: 1000 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const c = feed(steps as Step[]);
        expect(c.protocol).toBe('pop3');
        // Every event's exchange link points at an existing exchange.
        for (const e of c.events) if (e.exchange !== undefined) expect(c.exchanges[e.exchange]).toBeDefined();
        JSON.stringify(c);
      }),
      { numRuns: 500 },
    );
  });
});
