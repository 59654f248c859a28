import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSasl, type SaslExchange } from '../../../src/protocols/sasl/index.js';
import { decodeBase64, displayText } from '../../../src/protocols/sasl/codec.js';
import { SASL_LIMITS } from '../../../src/protocols/sasl/limits.js';
import { exchange } from './helpers.js';

const MECHS = ['PLAIN', 'LOGIN', 'XOAUTH2', 'OAUTHBEARER', 'CRAM-MD5', 'DIGEST-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'NTLM', 'GSSAPI', 'GSS-SPNEGO', 'EXTERNAL', 'ANONYMOUS', 'XYMPKI'];

/** Payloads biased towards each decoder's grammar, so random bytes reach deep code paths. */
const PREFIXES = ['', 'NTLMSSP\0\x01\0\0\0', 'NTLMSSP\0\x02\0\0\0', 'NTLMSSP\0\x03\0\0\0', '\x60\x81', 'n,a=u,\x01', 'user=u\x01auth=Bearer ', 'username="', 'n,,n=u,r=', '\0u\0'];
const payload = fc.tuple(fc.constantFrom(...PREFIXES), fc.uint8Array({ maxLength: 300 })).map(([p, b]) => Buffer.concat([Buffer.from(p, 'latin1'), b]).toString('base64'));
const text = fc.oneof(payload, fc.string({ maxLength: 80 }), fc.constantFrom('', '=', '*', '+'));
const arbExchange: fc.Arbitrary<SaslExchange> = fc.record({
  mechanism: fc.constantFrom(...MECHS),
  initialResponse: fc.option(text, { nil: undefined }),
  steps: fc.array(fc.record({ side: fc.constantFrom('C' as const, 'S' as const), text }), { maxLength: 6 }),
  cancelled: fc.boolean(),
});

describe('SASL decoder contract', () => {
  it('random input never throws, never hits the internal-error guard, results stay well-formed', () => {
    fc.assert(fc.property(arbExchange, (x) => {
      const r = decodeSasl(x);
      expect(r.mechanism).toBe(x.mechanism.toUpperCase());
      expect(r.errors.filter((e) => e.startsWith('internal'))).toEqual([]);
      for (const v of Object.values(r.details)) expect(v.length).toBeLessThanOrEqual(SASL_LIMITS.MAX_DETAIL_CHARS);
      if (r.cleartextSecret) expect(r.secret).toBeDefined();
    }), { numRuns: 3000 });
  });

  it('caps the number of steps and the size of a step', () => {
    const many = decodeSasl(exchange('LOGIN', Array.from({ length: SASL_LIMITS.MAX_STEPS + 5 }, () => ['S', ''] as ['S', string])));
    expect(many.errors).toContain(`exchange has ${SASL_LIMITS.MAX_STEPS + 5} steps; only the first ${SASL_LIMITS.MAX_STEPS} (MAX_STEPS) were decoded`);
    const big = decodeSasl(exchange('PLAIN', [], 'A'.repeat(SASL_LIMITS.MAX_STEP_CHARS + 4)));
    expect(big.errors).toEqual([`PLAIN response: ${SASL_LIMITS.MAX_STEP_CHARS + 4} characters, over MAX_STEP_CHARS (${SASL_LIMITS.MAX_STEP_CHARS}): not decoded`]);
  });
});

describe('strict base64', () => {
  it.each([
    ['dGlt', 'tim'], ['dGk=', 'ti'], ['dGk', 'ti'], [' dGltIA== ', 'tim '], ['', ''],
  ])('%j decodes', (s, want) => {
    const d = decodeBase64(s);
    expect(d.ok && Buffer.from(d.bytes).toString()).toBe(want);
  });
  it.each([['dG l0'], ['dGl0-_'], ['d'], ['dG=k'], ['dGk==='], ['dGltA=']])('%j is rejected', (s) => {
    expect(decodeBase64(s).ok).toBe(false);
  });
  it('display text escapes controls and cuts long values', () => {
    expect(displayText('a\x00b\x1b', 100)).toBe('a\\x00b\\x1b');
    expect(displayText('abcdef', 4)).toBe('abc…');
  });
});
