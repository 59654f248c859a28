/** The library entry point (package.json "main": dist/index.js) exposes the documented API and it works. */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import * as mailwire from '../src/index.js';

const SAMPLE = fileURLToPath(new URL('../captures/exchange2013-proxynotauthenticated.pcap', import.meta.url));

describe('library API', () => {
  it('analyses a capture and redacts on request', async () => {
    const result = await mailwire.analyzeFiles([SAMPLE]);
    expect(result.schemaVersion).toBe(mailwire.SCHEMA_VERSION);
    const conv = result.conversations[0]!;
    expect(conv.protocol).toBe('imap');
    expect(conv.findings.map((f) => f.id)).toContain('exchange.proxy-not-authenticated');
    expect(conv.auth[0]!.secret?.value).toBe('Secret123');
    const safe = mailwire.redactConversation(conv);
    expect(safe.auth[0]!.secret?.value).toBeUndefined();
    expect(JSON.stringify(safe)).not.toContain('Secret123');
    expect(mailwire.ruleMeta('exchange.proxy-not-authenticated')?.fix).toMatch(/X509CertificateName/);
  });
});
