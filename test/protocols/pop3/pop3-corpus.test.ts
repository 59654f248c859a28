/**
 * Every POP3 connection of the third-party corpus against a golden transcript
 * (test/fixtures/pop3/golden/<capture>.txt). Regenerate deliberately with
 *   MAILWIRE_UPDATE_GOLDEN=1 npx vitest run test/protocols/pop3/pop3-corpus.test.ts
 * and check the diff against `tshark -r F -q -z follow,tcp,ascii,N` (see test/fixtures/pop3/README.md).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dissectPop3File, renderGolden } from './corpus-harness.js';

const CORPUS = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));
const GOLDEN = fileURLToPath(new URL('../../fixtures/pop3/golden/', import.meta.url));
const UPDATE = process.env['MAILWIRE_UPDATE_GOLDEN'] === '1';

/** Captures holding POP3 traffic, and the name of their golden file. */
const POP3_CAPTURES: ReadonlyArray<readonly [string, string]> = [
  ['zeek/pop3.pcap', 'zeek-pop3'],
  ['zeek/bad-list-retr-crafted.pcap', 'zeek-bad-list-retr-crafted'],
  ['zeek/pop3-unknown-commands.pcap', 'zeek-pop3-unknown-commands'],
  ['zeek/pop3-starttls.pcap', 'zeek-pop3-starttls'],
  ['suricata-verify/pop3/input.pcap', 'suricata-pop3'],
  ['suricata-verify/pop3-02-bug-7709/input.pcap', 'suricata-pop3-02-bug-7709'],
  ['suricata-verify/pop3-03-bug-7709/input.pcap', 'suricata-pop3-03-bug-7709'],
  ['suricata-verify/pop3-auth-01/input.pcap', 'suricata-pop3-auth-01'],
  ['nDPI/pop3.pcap', 'ndpi-pop3'],
  ['nDPI/pop3_stls.pcap', 'ndpi-pop3-stls'],
  ['protolens/pop3.pcap', 'protolens-pop3'],
  ['BruteShark/SIP_CALL_RTP_G711.pcap', 'bruteshark-sip-call'],
  ['BruteShark/PCAPNG Examples/POP3.pcapng', 'bruteshark-pop3-pcapng'],
  ['arkime/pop3-tag.pcap', 'arkime-pop3-tag'],
  ['arkime/ntlm_synthetic.pcap', 'arkime-ntlm-synthetic'],
];

const present = existsSync(CORPUS);
if (!present) console.warn(`POP3 corpus tests skipped: ${CORPUS} not found`);

describe.skipIf(!present)('POP3 dissector on the corpus', () => {
  for (const [capture, name] of POP3_CAPTURES) {
    it(`${capture} matches golden/${name}.txt`, async () => {
      const text = renderGolden(await dissectPop3File(CORPUS + capture));
      const file = `${GOLDEN}${name}.txt`;
      if (UPDATE) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(file, text);
      }
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('the pcapng re-save gives the same dialogue as the pcap', async () => {
    const strip = (s: string) => s.replace(/\bf\d+(-\d+)?\b/g, 'f');
    const a = renderGolden(await dissectPop3File(CORPUS + 'zeek/pop3.pcap'));
    const b = renderGolden(await dissectPop3File(CORPUS + 'BruteShark/PCAPNG Examples/POP3.pcapng'));
    expect(strip(b)).toBe(strip(a));
  });

  it('RETR body sizes equal the LIST sizes (dot-unstuffing and CRLF counted right)', async () => {
    const convs = await dissectPop3File(CORPUS + 'zeek/pop3.pcap');
    const full = convs.find((c) => c.exchanges.some((x) => x.command === 'RETR'))!;
    const sizes = full.events.flatMap((e) => e.literals ?? []).map((l) => [l.size, l.complete]);
    expect(sizes).toEqual([[5565, true], [8412, true], [5214, true]]);
  });
});
