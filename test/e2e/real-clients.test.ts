/**
 * The real-client lab recorded again (scripts/lab/real-clients.mjs: curl, Python imaplib/poplib,
 * getmail6, mbsync and fetchmail against Dovecot on 127.0.16.x): the live servers and clients must
 * still produce the warnings and errors captures/real-clients/expected.json lists for every
 * conversation. Info findings are left out here: how a TLS connection's teardown interleaves (who
 * resets after whose close_notify) is a race; test/samples/real-clients.test.ts holds the committed
 * captures to the full list.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze.js';
import { record } from '../../scripts/lab/real-clients.mjs';

const expected = JSON.parse(readFileSync(fileURLToPath(new URL('../../captures/real-clients/expected.json', import.meta.url)), 'utf8')) as {
  /** teardownRace: findings that depend on how the client's teardown races the server's (checked on the committed capture only). */
  captures: Record<string, Array<{ scenario: string; findings: string[]; teardownRace?: string[] }>>;
};

describe('real-client lab, recorded again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailwire-rc-e2e-'));
  beforeAll(async () => {
    await record(dir);
  }, 240_000);
  afterAll(() => {
    if (process.env.MAILWIRE_LAB_KEEP === '1') console.log(`real-client captures kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });

  it.each(Object.keys(expected.captures))('%s: every conversation raises the expected warnings and errors', async (client) => {
    const r = await analyzeFiles([join(dir, `${client}.pcap`)], { keyLogText: readFileSync(join(dir, `${client}.keylog`), 'utf8') });
    const sessions = expected.captures[client]!;
    const loud = (list: string[], race: readonly string[] = []): string[] => list.filter((f) => !f.startsWith('info ') && !race.includes(f)).sort();
    const got = r.conversations.map((c, i) => loud(c.findings.map((f) => `${f.severity} ${f.id}`), sessions[i]?.teardownRace));
    expect(got).toEqual(sessions.map((s) => loud(s.findings, s.teardownRace)));
  });
});
