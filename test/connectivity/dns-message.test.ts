import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DNS_LIMITS, parseDnsMessage, rcodeName, dnsTypeName } from '../../src/connectivity/dns-message.js';

const hex = (...parts: string[]): Uint8Array => Uint8Array.from(Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex'));
/** A name in wire form (no compression). */
const name = (n: string): string => n.split('.').map((l) => Buffer.from([l.length, ...Buffer.from(l)]).toString('hex')).join('') + '00';
const u16 = (v: number): string => v.toString(16).padStart(4, '0');
const parse = (b: Uint8Array) => parseDnsMessage(b, 0, b.length);

describe('parseDnsMessage', () => {
  it('a query: id, flags, the question (lower-cased, without the final dot)', () => {
    const m = parse(hex('abcd 0100 0001 0000 0000 0000', name('Mail.Example.COM'), '0001 0001'));
    expect(m).toMatchObject({ id: 0xabcd, response: false, opcode: 0, rcode: 0, questions: [{ name: 'mail.example.com', type: 1 }], answers: [] });
  });

  it('an NXDOMAIN response', () => {
    const m = parse(hex('abcd 8183 0001 0000 0000 0000', name('mail.example.com'), '0001 0001'));
    expect(m).toMatchObject({ response: true, rcode: 3, answers: [] });
    expect(rcodeName(3)).toBe('NXDOMAIN');
    expect(rcodeName(2)).toBe('SERVFAIL');
    expect(rcodeName(5)).toBe('REFUSED');
  });

  it('a CNAME chain to A and AAAA records, with compression pointers', () => {
    // question at offset 12: imap.example.com; answers point back at it (c00c) and at the CNAME target
    const q = name('imap.example.com'); // 18 bytes: offsets 12..29, then type/class
    const cnameTarget = name('host.example.net'); // in the first answer's rdata, at offset 34 + 12 = 46
    const m = parse(hex('0001 8180 0001 0003 0000 0000', q, '0001 0001',
      'c00c 0005 0001 0000 0e10', u16(cnameTarget.length / 2), cnameTarget,
      'c02e 0001 0001 0000 0e10 0004 c0000205',
      'c02e 001c 0001 0000 0e10 0010 20010db8000000000000000000000005'));
    expect('error' in m ? m.error : '').toBe('');
    if ('error' in m) return;
    expect(m.answers.map((a) => [a.name, dnsTypeName(a.type), a.value, a.ttl])).toEqual([
      ['imap.example.com', 'CNAME', 'host.example.net', 3600],
      ['host.example.net', 'A', '192.0.2.5', 3600],
      ['host.example.net', 'AAAA', '2001:db8::5', 3600],
    ]);
  });

  it('SRV (RFC 2782 / 6186) and MX record data', () => {
    const m = parse(hex('0002 8180 0001 0002 0000 0000', name('_imaps._tcp.example.com'), '0021 0001',
      'c00c 0021 0001 0000 012c', u16(6 + 18), '0000 0001 03e1', name('imap.example.com'),
      'c00c 000f 0001 0000 012c', u16(2 + 18), '000a', name('mail.example.com')));
    if ('error' in m) throw new Error(m.error);
    expect(m.answers[0]).toMatchObject({ type: 33, value: 'imap.example.com', srv: { priority: 0, weight: 1, port: 993 } });
    expect(m.answers[1]).toMatchObject({ type: 15, value: 'mail.example.com', preference: 10 });
  });

  it('compression pointer loops and forward pointers are errors, not hangs', () => {
    // a name that is a pointer to itself (offset 12)
    expect(parse(hex('0003 0100 0001 0000 0000 0000', 'c00c', '0001 0001'))).toEqual({ error: 'dns question name compression pointer does not point backwards' });
    // a pointer forward, into the answer section
    expect(parse(hex('0003 8180 0001 0000 0000 0000', 'c020', '0001 0001', '0000 0000'))).toMatchObject({ error: expect.stringContaining('does not point backwards') });
    // a label, then a pointer back to that label: a.a.a.a... without end but for the pointer bound
    expect(parse(hex('0003 0100 0001 0000 0000 0000', '0161 c00c', '0001 0001'))).toEqual({ error: 'dns question name compression pointer loop' });
  });

  it('absurd counts: a question count above the bound is refused; an answer count is believed only as far as the bytes go', () => {
    expect(parse(hex('0004 0100 ffff 0000 0000 0000', name('a.example'), '0001 0001'))).toEqual({ error: 'dns question count 65535' });
    expect(parse(hex('0004 8180 0001 ffff 0000 0000', name('a.example'), '0001 0001', 'c00c 0001 0001 0000 0000 0004 c0000201'))).toEqual({ error: 'dns answer name truncated' });
  });

  it('more answers than MAX_DNS_RECORDS: the rest are counted, not kept', () => {
    const n = DNS_LIMITS.MAX_DNS_RECORDS + 5;
    const answer = 'c00c 0001 0001 0000 0000 0004 c0000201';
    const m = parse(hex('0005 8180 0001', u16(n), '0000 0000', name('a.example'), '0001 0001', answer.repeat(n)));
    if ('error' in m) throw new Error(m.error);
    expect([m.answers.length, m.answersDropped]).toEqual([DNS_LIMITS.MAX_DNS_RECORDS, 5]);
  });

  it('truncated versus invalid', () => {
    expect(parse(hex('0006 0100 0001'))).toEqual({ error: 'dns header truncated' });
    expect(parse(hex('0006 0100 0001 0000 0000 0000', '04 6d61'))).toEqual({ error: 'dns question name truncated' });
    expect(parse(hex('0006 0100 0001 0000 0000 0000', name('a.example'), '00'))).toEqual({ error: 'dns question truncated' });
    expect(parse(hex('0006 0100 0001 0000 0000 0000', '41 00', '0001 0001'))).toEqual({ error: 'dns question name label type 0x40' });
    expect(parse(hex('0006 8180 0001 0001 0000 0000', name('a.example'), '0001 0001', 'c00c 0001 0001 0000 0000 0003 c00002'))).toEqual({ error: 'dns A record length 3' });
    const long = Array.from({ length: 5 }, () => `3f${'61'.repeat(63)}`).join('') + '00';
    expect(parse(hex('0006 0100 0001 0000 0000 0000', long, '0001 0001'))).toEqual({ error: `dns question name longer than ${DNS_LIMITS.MAX_NAME_BYTES} bytes` });
  });

  it('never throws, and ends, on any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const r = parse(bytes);
      expect(typeof r).toBe('object');
    }), { numRuns: 5000 });
    // mostly-valid messages with bytes overwritten reach the deep paths
    const base = hex('0001 8180 0001 0002 0000 0000', name('imap.example.com'), '0001 0001', 'c00c 0005 0001 0000 0e10 0006 0468 6f73 74c0 11', 'c02e 0001 0001 0000 0e10 0004 c0000205');
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(255)), { maxLength: 4 }), (edits) => {
      const b = Uint8Array.from(base);
      for (const [i, v] of edits) b[i] = v;
      expect(typeof parse(b)).toBe('object');
    }), { numRuns: 5000 });
  });
});
