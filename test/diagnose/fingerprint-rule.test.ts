/**
 * tls.failing-client-fingerprint on real TLS sessions (captures/tls, read together without keys):
 * the two sessions whose client refused the server's certificate share a JA4 that no working
 * session has; a JA4 that both failed and worked is never called out.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze.js';
import { CaptureLedger } from '../../src/diagnose/ledger.js';
import { tlsFailingClientFingerprint } from '../../src/diagnose/rules/tls-failing-client-fingerprint.js';
import { knownClient } from '../../src/protocols/tls/client-fingerprints.js';

const tls = (name: string): string => fileURLToPath(new URL(`../../captures/tls/${name}.pcap`, import.meta.url));

describe('tls.failing-client-fingerprint', () => {
  it('fires when the failing connections share a JA4 the working ones do not have', async () => {
    const r = await analyzeFiles(['tls12-client-rejects', 'tls12-expired-rejected', 'tls12-aes128gcm', 'tls12-ca-valid', 'tls12-chacha20'].map(tls));
    const f = r.findings.filter((x) => x.id === 'tls.failing-client-fingerprint');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toBe('The 2 connections that failed all come from one client build, JA4 t12d280700_d943125447b4_e7e480e5a997; '
      + 'the 3 connections that worked came from others (JA4 t12d020700_b06afd972a5c_e7e480e5a997, JA4 t12d020700_c5d8418a506e_e7e480e5a997).');
    expect(f[0]!.conversation).toBe(1);
    expect(f[0]!.frames).toEqual([(r.conversations[0]!.tls as { clientHellos: Array<{ frame: number }> }).clientHellos[0]!.frame]);
  });

  it('stays silent when the fingerprint also worked, or nothing worked', async () => {
    const mixed = await analyzeFiles(['tls13-client-rejects', 'tls13-key-update', 'tls13-aes128gcm'].map(tls));
    expect(mixed.findings.filter((x) => x.id === 'tls.failing-client-fingerprint')).toEqual([]);
    const onlyFailing = await analyzeFiles(['tls12-client-rejects', 'tls12-expired-rejected'].map(tls));
    expect(onlyFailing.findings.filter((x) => x.id === 'tls.failing-client-fingerprint')).toEqual([]);
  });

  it('names the client software when the table knows the fingerprint, and a failure among others gives the count', () => {
    const ledger = new CaptureLedger();
    const curl = 't13d311100_e8f1e7e78f70_b26ce05bbdd6';
    expect(knownClient(curl)).toBe('curl 7.88.1 / OpenSSL 3.0');
    const entry = (conversation: number, ja4: string, outcome: 'failed' | 'worked') => ({
      protocol: 'imap' as const, key: 'k', server: 's', client: 'c', conversation, logins: [],
      fingerprint: { ja4, outcome, frame: conversation * 10, ...(knownClient(ja4) ? { client: knownClient(ja4)! } : {}) },
    });
    for (let i = 1; i <= 37; i++) ledger.apply(entry(i, curl, 'failed'));
    ledger.apply(entry(38, 'other-a', 'failed'));
    for (let i = 39; i <= 338; i++) ledger.apply(entry(i, 'other-b', 'worked'));
    const drafts = tlsFailingClientFingerprint.finish(ledger, { options: { slowResponseSec: 5 } });
    expect(drafts.map((d) => d.message)).toEqual([
      `37 connections from one client build, JA4 ${curl} (curl 7.88.1 / OpenSSL 3.0), all failed (of 38 failing); the 300 connections that worked came from others (JA4 other-b).`,
    ]);
    expect(drafts[0]!.frames).toEqual([10]);
  });
});
