/**
 * The connectivity samples (captures/connectivity-*.pcap) are what
 * scripts/make-connectivity-captures.sh records today with real software in network namespaces
 * (dnsmasq, dig, getent, curl, iptables REJECT, a Python IMAP server): its --check mode records them
 * afresh and compares what mailwire reports (finding ids, reachability). Needs root and dist/.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

describe('connectivity captures are reproducible', () => {
  it('make-connectivity-captures --check finds every sample the same, and leaves no namespace behind', () => {
    const r = spawnSync('bash', ['scripts/make-connectivity-captures.sh', '--check'], { cwd: REPO, encoding: 'utf8', timeout: 150_000 });
    const lines = r.stdout.trim().split('\n').filter((l) => /^(same|DIFFERS)/.test(l));
    expect(lines, r.stdout + r.stderr).toEqual([
      'same     connectivity-three-failures.pcap',
      'same     connectivity-ipv6-fails.pcap',
      'same     connectivity-srv-imaps.pcap',
    ]);
    expect(r.status).toBe(0);
    const ns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    expect(ns).not.toMatch(/\bmw19/);
  });
});
