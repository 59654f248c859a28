import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { feedSmtp, memorySink, type Step } from './feed.js';

/** A dialogue that touches every path: multi-line replies, SASL, pipelining, DATA with stuffing, BDAT, gaps, bare LF, garbage, STARTTLS. */
const SESSION: Step[] = [
  { s: '220-mx.example.org ESMTP Postfix\r\n220 second line\r\n' },
  { c: 'EHLO a\r\n' },
  { s: '250-mx\r\n250-PIPELINING\r\n250-SIZE 100000\r\n250-CHUNKING\r\n250 AUTH PLAIN LOGIN\r\n' },
  { c: 'AUTH LOGIN\r\n' },
  { s: '334 VXNlcm5hbWU6\r\n' },
  { c: 'YWxpY2U=\r\n' },
  { s: '334 UGFzc3dvcmQ6\r\n' },
  { c: 'cA==\r\n' },
  { s: '535 5.7.8 Error: authentication failed: authentication failure\r\n' },
  { c: 'AUTH PLAIN AGFsaWNlAHB3\r\n' },
  { s: '235 2.7.0 ok\r\n' },
  { c: 'MAIL FROM:<a@x> SIZE=10\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@z>\r\nDATA\r\n' },
  { s: '250 2.1.0 ok\r\n250 2.1.5 ok\r\n554 5.7.1 <c@z>: Relay access denied\r\n354 go\r\n' },
  { c: 'Subject: x\r\n\r\n..dot\r\nbare\nline\r\n' },
  { gap: 0, length: 9 },
  { c: 'more\r\n.\r\n' },
  { s: '250 2.0.0 queued\r\n' },
  { c: 'MAIL FROM:<> BODY=BINARYMIME\r\nRCPT TO:<b@y>\r\nBDAT 5\r\nab\r\n.BDAT 0 LAST\r\n' },
  { s: '250 ok\r\n\x00\xff garbage\r\n250 ok\r\n250 ok\r\n250 ok\r\n' },
  { c: 'NOOP\r\nRSET\r\nXYZZY\r\n' },
  { s: '250 ok\r\n250 ok\r\n502 5.5.2 Error: command not recognized\r\n' },
  { c: 'STARTTLS\r\n' },
  { s: '220 2.0.0 go\r\n\x16\x03\x01\x00\x02ab' },
  { c: '\x16\x03\x01\x00\x02cd' },
];

const run = (cuts?: (i: number, len: number) => number[]): string => {
  const sink = memorySink();
  const c = feedSmtp(SESSION, { content: sink, ...(cuts ? { cuts } : {}) });
  return JSON.stringify({ c, m: sink.messages });
};

describe('SMTP dissector properties', () => {
  it('gives the same conversation (and the same streamed messages) at every chunking', () => {
    const whole = run();
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat({ max: 200 }), { maxLength: 6 }), { minLength: SESSION.length, maxLength: SESSION.length }), (cuts) => {
        expect(run((i) => cuts[i] ?? [])).toBe(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('byte-at-a-time delivery gives the same conversation', () => {
    expect(run((_i, len) => Array.from({ length: len }, (_, k) => k))).toBe(run());
  });

  it('never throws on random bytes, in either direction, with gaps', () => {
    const step = fc.oneof(
      fc.record({ c: fc.uint8Array({ maxLength: 80 }) }),
      fc.record({ s: fc.uint8Array({ maxLength: 80 }) }),
      fc.record({ c: fc.constantFrom('EHLO a\r\n', 'AUTH PLAIN\r\n', 'AUTH LOGIN x\r\n', 'STARTTLS\r\n', 'DATA\r\n', 'BDAT 3\r\n', 'BDAT 99999999999999999\r\n', 'MAIL FROM:<a\r\n', '*\r\n', '.\r\n', 'RCPT TO:b x=1 x=2\r\n') }),
      fc.record({ s: fc.constantFrom('220 x ESMTP\r\n', '250-x\r\n', '250 x\r\n', '334 \r\n', '354 go\r\n', '421 bye\r\n', '535 5.7.8 no\r\n', '220 go\r\n', '999 x\r\n') }),
      fc.record({ gap: fc.constantFrom(0 as const, 1 as const), length: fc.integer({ min: 1, max: 1000 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const c = feedSmtp(steps as Step[], { content: memorySink() });
        expect(c.protocol).toBe('smtp');
        for (const e of c.events) if (e.exchange !== undefined) expect(c.exchanges[e.exchange]).toBeDefined();
        JSON.stringify(c);
      }),
      { numRuns: 500 },
    );
  });
});
