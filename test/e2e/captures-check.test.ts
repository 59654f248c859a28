/**
 * The committed sample captures (captures/*.pcap) are what scripts/make-captures.mjs records today:
 * the script's --check mode records every sample afresh and compares the dialogues (everything
 * but timestamps, client ports and TCP details). Needs root (tcpdump -i lo) and dist/.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

describe('captures/ are reproducible', () => {
  it('make-captures --check finds every sample the same', () => {
    const r = spawnSync(process.execPath, ['scripts/make-captures.mjs', '--check'], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(9);
    for (const l of lines) expect(l).toMatch(/^same {4}\S+\.pcap$/);
    expect(r.status).toBe(0);
  });
});
