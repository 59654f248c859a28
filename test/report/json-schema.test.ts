/**
 * The JSON and JSON Lines reports validate against docs/schema/report.schema.json, on the founding
 * samples and on corpus captures covering IMAP, POP3, TLS and refused connections.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const schema = JSON.parse(readFileSync(join(ROOT, 'docs/schema/report.schema.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
const validateReport = ajv.compile(schema);
const validateLine = ajv.compile({ ...schema, $id: undefined, oneOf: [{ $ref: '#/definitions/jsonlConversation' }, { $ref: '#/definitions/jsonlFinding' }, { $ref: '#/definitions/jsonlSummary' }], required: [], properties: {} });

function mailwire(args: string[]): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/mailwire'), ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  expect(r.status, r.stderr.toString()).toBe(0);
  return r.stdout.toString('utf8');
}

const samples = ['phone-vs-thunderbird', 'iphone-exchange2007-plaintext', 'exchange55-telnet', 'exchange2013-proxynotauthenticated', 'clean-imap', 'clean-pop3', 'tunnel-nested', 'connectivity-three-failures', 'connectivity-ipv6-fails', 'connectivity-srv-imaps'].map((n) => join(ROOT, 'captures', `${n}.pcap`));
const corpus = ['zeek/pop3.pcap', 'wireshark-notes/imap-ssl.pcapng', 'arkime/ntlm_synthetic.pcap', 'protolens/imap.pcap'].map((p) => join(CORPUS, p));
const inputs = [...samples, ...(existsSync(CORPUS) ? corpus : [])];

describe('JSON report schema', () => {
  it.each(inputs)('json for %s validates', (file) => {
    for (const extra of [[], ['--show-secrets']]) {
      const doc = JSON.parse(mailwire(['read', file, '--format', 'json', ...extra]));
      const ok = validateReport(doc);
      expect(ok, JSON.stringify(validateReport.errors?.slice(0, 5), null, 1)).toBe(true);
      expect(doc.conversations.length).toBeGreaterThan(0);
    }
  });

  it.each(inputs)('jsonl for %s validates line by line', (file) => {
    const lines = mailwire(['read', file, '--format', 'jsonl']).trim().split('\n');
    for (const line of lines) {
      const obj = JSON.parse(line);
      const ok = validateLine(obj);
      expect(ok, `${obj.type}: ${JSON.stringify(validateLine.errors?.slice(0, 5), null, 1)}`).toBe(true);
    }
  });

  it('rejects a document that breaks the schema (the test can fail)', () => {
    const doc = JSON.parse(mailwire(['read', samples[0]!, '--format', 'json']));
    doc.conversations[0].protocol = 'nntp';
    expect(validateReport(doc)).toBe(false);
  });

  it('checks the reachability summary and the path facts (the schema describes them, it does not let anything through)', () => {
    const doc = JSON.parse(mailwire(['read', join(ROOT, 'captures/connectivity-three-failures.pcap'), '--format', 'json']));
    expect(validateReport(doc)).toBe(true);
    doc.summary.reachability.servers[0].lookups[0].outcome = 'maybe';
    expect(validateReport(doc)).toBe(false);
    const again = JSON.parse(mailwire(['read', join(ROOT, 'captures/connectivity-three-failures.pcap'), '--format', 'json']));
    again.conversations[0].path.icmp[0].quotedFrom = 'router';
    expect(validateReport(again)).toBe(false);
  });
});
