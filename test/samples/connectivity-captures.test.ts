/**
 * The connectivity samples (captures/connectivity-*.pcap, recorded with dnsmasq, dig, getent, curl,
 * iptables REJECT and a Python IMAP server in network namespaces by
 * scripts/make-connectivity-captures.sh): what the reports say about the path before TCP.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function read(name: string, format = 'json'): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/mailwire'), 'read', `captures/${name}.pcap`, '--format', format], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  expect(r.status, r.stderr.toString()).toBe(0);
  return r.stdout.toString('utf8');
}

const allFindings = (doc: Json): Json[] => [...doc.conversations.flatMap((c: Json) => c.findings), ...doc.findings];

describe('connectivity-three-failures.pcap: NXDOMAIN, firewall reject (ICMP 3/13), port unreachable (ICMP 3/3)', () => {
  const doc = JSON.parse(read('connectivity-three-failures')) as Json;

  it('each cause is its own finding, naming who answered; no tcp.no-answer ("nothing came back" would be false)', () => {
    const ids = allFindings(doc).map((f) => f.id).sort();
    expect(ids).toEqual(['dns.name-not-found', 'path.admin-prohibited', 'path.port-unreachable']);
    const [c143, c993] = doc.conversations as Json[];
    expect(c143.findings[0]).toMatchObject({ id: 'path.admin-prohibited', frames: [3, 4], args: { reporter: '10.19.1.1', type: 3, code: 13 } });
    expect(c143.findings[0].message).toContain('10.19.1.1');
    expect(c143.path.icmp).toEqual([expect.objectContaining({ frame: 4, cause: 'admin-prohibited', reporter: '10.19.1.1', quotedFrom: 'client' })]);
    expect(c143.outcome).toBe('rejected by 10.19.1.1 (ICMP communication administratively prohibited)');
    expect(c993.findings[0]).toMatchObject({ id: 'path.port-unreachable', frames: [5, 6], args: { reporter: '10.19.2.3' } });
    expect(c993.findings[0].message).toMatch(/server host 10\.19\.2\.3 .* nothing is listening on 993/);
    expect(doc.findings[0]).toMatchObject({ id: 'dns.name-not-found', severity: 'error', frames: [1, 2], args: { name: 'mail.example.com', resolver: '10.19.2.2' } });
  });

  it('the reachability summary: the name did not resolve; the address with each port and what became of it', () => {
    expect(doc.summary.reachability.servers).toEqual([
      { name: 'mail.example.com', lookups: [expect.objectContaining({ type: 'A', outcome: 'nxdomain', rcode: 'NXDOMAIN', queries: 1, frames: [1, 2] })], attempts: [] },
      { lookups: [], attempts: [
        expect.objectContaining({ address: '10.19.2.3', port: 143, tries: 1, answered: 1, connected: 0, failures: { 'admin-prohibited': 1 } }),
        expect.objectContaining({ address: '10.19.2.3', port: 993, tries: 1, answered: 1, connected: 0, failures: { 'port-unreachable': 1 } }),
      ] },
    ]);
  });

  it('in the text, Markdown and HTML reports too', () => {
    const text = read('connectivity-three-failures', 'text');
    expect(text).toContain('━━ Reachability');
    expect(text).toMatch(/mail\.example\.com +not resolved: A NXDOMAIN \(resolver 10\.19\.2\.2\)/);
    expect(text).toMatch(/10\.19\.2\.3:143 +not looked up in the capture; 1 try: rejected by a firewall/);
    expect(text).not.toMatch(/nothing came back|never answered the connection/);
    expect(read('connectivity-three-failures', 'markdown')).toContain('| mail.example.com | **not resolved: A NXDOMAIN \\(resolver 10.19.2.2\\)** |');
    expect(read('connectivity-three-failures', 'html')).toContain('<h2 id="reachability-h">Reachability</h2>');
  });
});

describe('connectivity-ipv6-fails.pcap: A and AAAA, IPv6 dropped by the firewall, curl falls back to IPv4', () => {
  const doc = JSON.parse(read('connectivity-ipv6-fails')) as Json;

  it('path.family-failed says which family failed and how; the IPv6 attempt really got no answer', () => {
    const ids = allFindings(doc).map((f) => f.id).sort();
    expect(ids).toContain('path.family-failed');
    expect(ids).toContain('tcp.no-answer');
    const f = doc.findings.find((x: Json) => x.id === 'path.family-failed');
    expect(f.message).toBe('imap.example.com port 143: IPv6 ([fd19:2::2]:143) never answered, while IPv4 (10.19.2.2:143) connected: the client fell back to IPv4.');
  });

  it('reachability: one name, both lookups, the two attempts', () => {
    const [entry] = doc.summary.reachability.servers as Json[];
    expect(entry.name).toBe('imap.example.com');
    expect(entry.lookups.map((l: Json) => [l.type, l.outcome, l.answers])).toEqual([['A', 'resolved', ['10.19.2.2']], ['AAAA', 'resolved', ['fd19:2::2']]]);
    expect(entry.attempts.map((a: Json) => [a.address, a.family, a.connected, a.greeted, a.loggedIn, a.failures])).toEqual([
      ['fd19:2::2', 6, 0, 0, 0, { 'no-answer': 1 }],
      ['10.19.2.2', 4, 1, 1, 1, {}],
    ]);
  });
});

describe('connectivity-srv-imaps.pcap: an RFC 6186 SRV lookup, then a working IMAPS connection', () => {
  const doc = JSON.parse(read('connectivity-srv-imaps')) as Json;

  it('no finding: a clean session from real software raises nothing', () => {
    expect(allFindings(doc)).toEqual([]);
  });

  it('reachability: the SRV record, its target resolved, the IMAPS connection', () => {
    const servers = doc.summary.reachability.servers as Json[];
    expect(servers.map((s) => s.name)).toEqual(['_imaps._tcp.example.com', 'imap.example.com']);
    expect(servers[0].lookups[0]).toMatchObject({ type: 'SRV', outcome: 'resolved', answers: ['imap.example.com:993'] });
    expect(servers[1].attempts).toEqual([expect.objectContaining({ address: '10.19.2.2', port: 993, tries: 1, connected: 1, encrypted: 1 })]);
  });
});
