import { describe, expect, it } from 'vitest';
import { emptyKeyLog, mergeKeyLog, parseKeyLog } from '../../../src/protocols/tls/keylog.js';

const R1 = 'aa'.repeat(32);
const R2 = 'BB'.repeat(32);

describe('parseKeyLog', () => {
  it('reads CLIENT_RANDOM and the TLS 1.3 traffic secrets, keyed by lower-case client random', () => {
    const kl = parseKeyLog([
      '# comment',
      '',
      `CLIENT_RANDOM ${R1} ${'01'.repeat(48)}`,
      `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${R2} ${'02'.repeat(32)}`,
      `SERVER_HANDSHAKE_TRAFFIC_SECRET ${R2} ${'03'.repeat(32)}`,
      `CLIENT_TRAFFIC_SECRET_0 ${R2} ${'04'.repeat(32)}`,
      `SERVER_TRAFFIC_SECRET_0 ${R2} ${'05'.repeat(48)}\r`,
    ].join('\n'));
    expect(kl.usedLines).toBe(5);
    expect(kl.badLines).toBe(0);
    expect(Buffer.from(kl.entries.get(R1)!.masterSecret!).toString('hex')).toBe('01'.repeat(48));
    const e = kl.entries.get(R2.toLowerCase())!;
    expect(Buffer.from(e.clientHandshake!).toString('hex')).toBe('02'.repeat(32));
    expect(Buffer.from(e.serverHandshake!).toString('hex')).toBe('03'.repeat(32));
    expect(Buffer.from(e.clientTraffic0!).toString('hex')).toBe('04'.repeat(32));
    expect(e.serverTraffic0!.length).toBe(48);
  });

  it('counts ignored labels and bad lines instead of throwing', () => {
    const kl = parseKeyLog([
      `EXPORTER_SECRET ${R1} ${'01'.repeat(32)}`,
      `CLIENT_EARLY_TRAFFIC_SECRET ${R1} ${'01'.repeat(32)}`,
      `CLIENT_RANDOM ${R1.slice(2)} ${'01'.repeat(48)}`, // short random
      `CLIENT_RANDOM ${R1} 0g`, // not hex
      `CLIENT_RANDOM ${R1}`, // missing secret
      'GARBAGE',
      '\u0000\u00ff binary',
    ].join('\n'));
    expect(kl.ignoredLines).toBe(2);
    expect(kl.badLines).toBe(5);
    expect(kl.entries.size).toBe(0);
  });

  it('merges text and key logs into the same object (pcapng secrets arrive later)', () => {
    const kl = emptyKeyLog();
    const same = mergeKeyLog(kl, `CLIENT_RANDOM ${R1} ${'01'.repeat(48)}`);
    expect(same).toBe(kl);
    mergeKeyLog(kl, parseKeyLog(`CLIENT_TRAFFIC_SECRET_0 ${R1} ${'09'.repeat(32)}\nbad`));
    const e = kl.entries.get(R1)!;
    expect(e.masterSecret).toBeDefined();
    expect(e.clientTraffic0).toBeDefined();
    expect(kl.usedLines).toBe(2);
    expect(kl.badLines).toBe(1);
  });
});
