/** Small phrases of describe.ts that hostile input bent: an empty certificate subject, a secret whose line was cut. */
import { describe, expect, it } from 'vitest';
import type { Conversation } from '../../src/model/conversation.js';
import { secretFacts } from '../../src/model/secrets.js';
import { secretFactsText, security } from '../../src/report/describe.js';

describe('describe', () => {
  it('a certificate with an empty subject is named as such, not as "certificate ,"', () => {
    const c = {
      transport: { security: 'implicit-tls', decrypted: false, compressed: false },
      tls: { certificates: [{ sender: 'server', certificates: [{ subjectCN: [], subject: '' }] }], handshakeState: 'no-finished' },
    } as unknown as Conversation;
    expect(security(c)).toBe('implicit TLS (certificate (empty subject), handshake: no-finished)');
  });

  it('a secret from a cut line says its length is a lower bound', () => {
    expect(secretFactsText(secretFacts('password', 'x'.repeat(49145), true))).toBe('more than 49145 chars (its line was cut)');
    expect(secretFactsText(secretFacts('password', 'pw'))).toBe('2 chars');
  });
});
