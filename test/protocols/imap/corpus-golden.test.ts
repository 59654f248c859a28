/**
 * Every IMAP connection of the shared corpus, through the real pipeline, against a golden
 * transcript (test/fixtures/imap/golden/*.txt, checked by reading the streams with
 * `tshark -q -z follow,tcp,ascii,N`). Regenerate deliberately: test/fixtures/imap/regenerate.sh.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dissectImapFile, renderGolden } from './corpus-harness.js';

const CORPUS = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));
const GOLDEN = fileURLToPath(new URL('../../fixtures/imap/golden/', import.meta.url));
const UPDATE = process.env.UPDATE_IMAP_GOLDEN === '1';
const present = existsSync(CORPUS);
if (!present) console.warn(`IMAP corpus tests skipped: ${CORPUS} is absent`);

/** Capture → golden name, and whether the traffic is well formed (no malformed event expected). */
const CASES: Array<{ file: string; wellFormed: boolean; keyLog?: string }> = [
  { file: 'arkime/imap.pcap', wellFormed: true },
  { file: 'suricata-verify/imap-detection/input.pcap', wellFormed: true },
  { file: 'BruteShark/IMAP - Login (Plaintext) 2.pcap', wellFormed: true },
  { file: 'BruteShark/IMAP - Login (Plaintext) 3.pcap', wellFormed: true },
  { file: 'BruteShark/IMAP - Authenticate XYMPKI.pcap', wellFormed: true },
  { file: 'BruteShark/IMAP - Authenticate Digest-MD5.pcap', wellFormed: true },
  { file: 'BruteShark/IMAP - Authenticate Plain (Base64).pcap', wellFormed: true },
  { file: 'BruteShark/IMAP - Authenticate CRAM-MD5.cap', wellFormed: true },
  { file: 'arkime/arkime_synthetic.pcap', wellFormed: true },
  { file: 'arkime/ntlm_synthetic.pcap', wellFormed: true },
  { file: 'arkime/imap-tag.pcap', wellFormed: true },
  { file: 'zeek/imap-starttls.pcap', wellFormed: true },
  // Anonymised by its publisher: one FETCH literal announces 2 bytes fewer than it carries.
  { file: 'protolens/imap_fetch.pcap', wellFormed: false },
  { file: 'protolens/imap.pcap', wellFormed: true },
  { file: 'protolens/imap_append.pcap', wellFormed: true },
  { file: 'nDPI/imap.pcap', wellFormed: true },
  { file: 'suricata-verify/tcp-async-01/input.pcap', wellFormed: true },
  { file: 'wireshark-notes/imap-ssl.pcapng', wellFormed: true, keyLog: 'wireshark-notes/imap-ssl.pcapng.keylog' },
];

const goldenName = (file: string): string => file.replace(/\.(pcapng|pcap|cap)$/, '').replace(/[^A-Za-z0-9.-]+/g, '_') + '.txt';

describe.skipIf(!present)('IMAP corpus golden transcripts', () => {
  for (const c of CASES) {
    it(c.file, async () => {
      const keyLog = c.keyLog ? readFileSync(CORPUS + c.keyLog, 'utf8') : undefined;
      const convs = await dissectImapFile(CORPUS + c.file, keyLog);
      expect(convs.length).toBeGreaterThan(0);
      if (c.wellFormed) {
        const bad = convs.flatMap((x) => x.events.filter((e) => e.kind === 'malformed').map((e) => `${x.id} f${e.frame}: ${e.raw} (${e.note})`));
        expect(bad).toEqual([]);
      }
      const text = renderGolden(convs);
      const path = GOLDEN + goldenName(c.file);
      if (UPDATE) writeFileSync(path, text);
      expect(text).toBe(readFileSync(path, 'utf8'));
    });
  }
});
