/**
 * Golden outputs: every report format on every founding sample, exactly as the CLI prints it with
 * colour off. They were reviewed by eye once; a change in any of them must be deliberate:
 * regenerate with `MAILWIRE_UPDATE_GOLDEN=1 npx vitest run test/cli/golden.test.ts` and review the
 * diff. Run-dependent values (secret fingerprints, the version) are normalised.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GOLDEN = join(ROOT, 'test/fixtures/cli/golden');
const UPDATE = process.env.MAILWIRE_UPDATE_GOLDEN === '1';

const SAMPLES = ['phone-vs-thunderbird', 'iphone-exchange2007-plaintext', 'exchange55-telnet', 'exchange2013-proxynotauthenticated', 'clean-imap', 'clean-pop3'];
const FORMATS: Array<[string, string]> = [['text', 'txt'], ['markdown', 'md'], ['json', 'json'], ['jsonl', 'jsonl']];

function normalise(text: string): string {
  return text
    .replace(/"fingerprint":\s*"[0-9a-f]+"/g, '"fingerprint":"<run-keyed>"')
    .replace(/("generator":\s*\{\s*"name":\s*"mailwire",\s*"version":\s*)"[^"]+"/g, '$1"<version>"')
    .replace(/mailwire \d+\.\d+\.\d+/g, 'mailwire <version>');
}

describe('golden reports of the founding samples', () => {
  for (const sample of SAMPLES) {
    for (const [format, ext] of FORMATS) {
      it(`${sample} as ${format}`, () => {
        const r = spawnSync(process.execPath, [join(ROOT, 'bin/mailwire'), 'read', `captures/${sample}.pcap`, '--format', format], {
          cwd: ROOT,
          env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
        });
        expect(r.status, r.stderr.toString()).toBe(0);
        const out = normalise(r.stdout.toString('utf8'));
        const file = join(GOLDEN, `${sample}.${ext}`);
        if (UPDATE || !existsSync(file)) {
          if (!UPDATE) throw new Error(`missing golden file ${file}: run with MAILWIRE_UPDATE_GOLDEN=1`);
          writeFileSync(file, out);
        }
        expect(out).toBe(readFileSync(file, 'utf8'));
      });
    }
  }
});
