/**
 * captures/real-clients/: Debian's mail clients (curl, Python imaplib/poplib, getmail6, mbsync,
 * fetchmail) against a real Dovecot 2.3, recorded by scripts/lab/real-clients.mjs with the key log
 * each client wrote. expected.json holds, per capture and per conversation in order, the scenario
 * and the findings it must raise ("severity id"), written by reading each session. Two rules on
 * top: the report holds to that list exactly, and a healthy session (a scenario where the client
 * logs in as configured) raises no warning or error except a cleartext login that really happened.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze.js';
import type { Finding } from '../../src/model/conversation.js';

const DIR = new URL('../../captures/real-clients/', import.meta.url);
const file = (name: string): string => fileURLToPath(new URL(name, DIR));

interface Expected {
  /** Per capture, its conversations in order; `healthy`: the client logged in and worked as configured. */
  captures: Record<string, Array<{ scenario: string; healthy?: boolean; findings: string[] }>>;
}
const expected = JSON.parse(readFileSync(file('expected.json'), 'utf8')) as Expected;
const label = (f: Finding): string => `${f.severity} ${f.id}`;

describe.each(Object.entries(expected.captures))('captures/real-clients/%s.pcap', (client, sessions) => {
  it('raises exactly the expected findings, conversation by conversation', async () => {
    const r = await analyzeFiles([file(`${client}.pcap`)], { keyLogText: readFileSync(file(`${client}.keylog`), 'utf8') });
    const got = r.conversations.map((c, i) => ({ scenario: sessions[i]?.scenario ?? '?', findings: c.findings.map(label).sort() }));
    expect(got).toEqual(sessions.map((s) => ({ scenario: s.scenario, findings: [...s.findings].sort() })));
  });

  it('a healthy session raises no warning or error but a true cleartext login', () => {
    for (const s of sessions.filter((x) => x.healthy === true)) {
      const loud = s.findings.filter((f) => !f.startsWith('info ') && !/ (imap|pop3)\.cleartext-login$/.test(f));
      expect({ scenario: s.scenario, loud }).toEqual({ scenario: s.scenario, loud: [] });
    }
  });
});
