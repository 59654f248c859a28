/**
 * A pcapng Decryption Secrets Block (what `editcap --inject-secrets tls,KEYLOG` writes) is a key
 * log: the Dovecot STARTTLS capture from the corpus, rewritten as pcapng with its key log in a DSB
 * before the packets, decrypts with no --keylog, exactly as with --keylog.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import { analyzeFiles } from '../../src/analyze.js';
import { PcapngBuilder, collector } from '../helpers/capture-builders.js';

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const haveCorpus = existsSync(CORPUS);
if (!haveCorpus) console.warn('decryption secrets block test: ../shared/corpus absent, skipped');

const TLS_KEY_LOG = 0x544c534b;

describe.skipIf(!haveCorpus)('pcapng Decryption Secrets Block', () => {
  const source = join(CORPUS, 'wireshark-notes/imap-ssl.pcapng');
  const keylogText = haveCorpus ? readFileSync(join(CORPUS, 'wireshark-notes/imap-ssl.pcapng.keylog'), 'latin1') : '';

  function withDsb(): string {
    const sink = collector();
    const parser = new CaptureParser(sink);
    parser.push(readFileSync(source));
    parser.end();
    const b = new PcapngBuilder().shb().idb({ linkType: sink.frames[0]!.linkType, tsresol: 9 });
    b.dsb(TLS_KEY_LOG, keylogText);
    for (const f of sink.frames) {
      const ts = BigInt(f.tsSec) * 1_000_000_000n + BigInt(f.tsNsec);
      b.epb({ ifId: 0, ts, data: Buffer.from(f.hex, 'hex'), wireLen: f.wireLen });
    }
    const file = join(mkdtempSync(join(tmpdir(), 'mailwire-dsb-')), 'imap-ssl-dsb.pcapng');
    writeFileSync(file, b.build());
    return file;
  }

  it('decrypts with the key log from the capture itself, as with --keylog', async () => {
    const fromDsb = await analyzeFiles([withDsb()]);
    const fromOption = await analyzeFiles([source], { keyLogText: keylogText });
    const without = await analyzeFiles([source]);
    const lines = (r: typeof fromDsb) => r.conversations.flatMap((c) => c.events.filter((e) => e.decrypted).map((e) => `${e.side}: ${e.raw}`));
    expect(lines(without)).toEqual([]);
    expect(lines(fromOption).length).toBeGreaterThan(0);
    expect(lines(fromDsb)).toEqual(lines(fromOption));
    expect(fromDsb.conversations[0]!.transport.decrypted).toBe(true);
    expect(lines(fromDsb)).toContain('C: a001 CAPABILITY');
  });
});
