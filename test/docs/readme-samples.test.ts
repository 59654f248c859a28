/** The README's sample outputs are what mailwire prints today (scripts/readme-samples.mjs; fix with `npm run docs:readme`). */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
// @ts-expect-error: a plain .mjs script without types
import { README, renderReadme, sampleText } from '../../scripts/readme-samples.mjs';

describe('README sample outputs', () => {
  const text = readFileSync(README as URL, 'utf8');

  it('has generated samples, each equal to what its command prints now', () => {
    expect(text).toContain('<!-- sample: read captures/phone-vs-thunderbird.pcap');
    expect((renderReadme as (t: string) => string)(text)).toBe(text);
  });

  it('would catch a drift: the sample shows no secret and the summary read prints', () => {
    const sample = (sampleText as (spec: string) => string)('read captures/phone-vs-thunderbird.pcap --no-color | first 32 | then from "━━ Across" | cut 140');
    expect(sample).toContain('━━ Summary');
    expect(sample).toContain('<redacted>');
    expect(sample).not.toMatch(/Secret|hunter2|password1/i);
    expect(text).toContain(sample);
  });
});
