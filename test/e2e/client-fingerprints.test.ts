/**
 * The lab's TLS mail clients (curl, Python, openssl s_client, fetchmail, mbsync, gnutls-cli) connect
 * to a loopback listener on 127.0.20.1 (scripts/lab/client-fingerprints.mjs): each one's JA4 must be
 * the one src/protocols/tls/client-fingerprints.ts names it by, so reports name these clients.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { knownClient } from '../../src/protocols/tls/client-fingerprints.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/lab/client-fingerprints.mjs', import.meta.url));

describe('lab clients: JA4 fingerprints', () => {
  it('every installed client sends the JA4 the table names it by', () => {
    const rows = execFileSync(process.execPath, [SCRIPT], { encoding: 'utf8', timeout: 120_000 })
      .trim().split('\n').map((l) => JSON.parse(l) as { client: string; version: string; ja4: string | null });
    expect(rows.map((r) => r.client)).toEqual(expect.arrayContaining(['curl', 'Python ssl', 'openssl s_client', 'fetchmail', 'mbsync', 'gnutls-cli']));
    for (const r of rows) {
      expect(r.ja4, `${r.client} (${r.version}) sent no ClientHello`).not.toBeNull();
      const named = knownClient(r.ja4!);
      const word = r.client === 'Python ssl' ? 'Python' : r.client.split(' ')[0]!;
      expect(named, `${r.client} (${r.version}): JA4 ${r.ja4} is not in the table`).toContain(word);
    }
  });
});
