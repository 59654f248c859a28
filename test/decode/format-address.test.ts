import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAddress } from '../../src/decode/format-address.js';
import { hex } from './packets.js';

describe('formatAddress', () => {
  it('IPv4 dotted quad, at an offset', () => {
    expect(formatAddress(hex('ffff c000 02ff'), 2, 4)).toBe('192.0.2.255');
    expect(formatAddress(hex('0000 0000'), 0, 4)).toBe('0.0.0.0');
  });

  it.each([
    ['2001 0db8 0000 0000 0000 0000 0000 0001', '2001:db8::1'],
    ['0000 0000 0000 0000 0000 0000 0000 0000', '::'],
    ['0000 0000 0000 0000 0000 0000 0000 0001', '::1'],
    ['fe80 0000 0000 0000 0000 0000 0000 0000', 'fe80::'],
    // RFC 5952 4.2.2: a single zero group is not compressed
    ['2001 0db8 0000 0001 0001 0001 0001 0001', '2001:db8:0:1:1:1:1:1'],
    // 4.2.3: the longest run is compressed; on a tie, the first
    ['2001 0000 0000 0001 0000 0000 0000 0001', '2001:0:0:1::1'],
    ['2001 0db8 0000 0000 0001 0000 0000 0001', '2001:db8::1:0:0:1'],
    // 4.3: lower case, no leading zeros
    ['2001 0DB8 00AB 0C00 0000 0000 0000 FFFF', '2001:db8:ab:c00::ffff'],
    // section 5: IPv4-mapped
    ['0000 0000 0000 0000 0000 ffff c000 0201', '::ffff:192.0.2.1'],
    // not mapped (ffff in another group): plain hex
    ['0000 0000 0000 0000 ffff 0000 c000 0201', '::ffff:0:c000:201'],
  ])('%s → %s', (h, text) => {
    expect(formatAddress(hex(h), 0, 16)).toBe(text);
  });

  it('agrees with the WHATWG URL serializer (same compression rule) for non-mapped addresses', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }), (groups) => {
        const bytes = new Uint8Array(16);
        groups.forEach((g, i) => { bytes[2 * i] = g >> 8; bytes[2 * i + 1] = g & 255; });
        const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
        fc.pre(!mapped);
        const viaUrl = new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1);
        expect(formatAddress(bytes, 0, 16)).toBe(viaUrl);
      }),
      { numRuns: 2000 },
    );
  });
});
