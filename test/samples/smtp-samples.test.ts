/**
 * The SMTP sample captures in captures/ (made by scripts/make-captures.mjs: a Node server answering
 * with Postfix's and Gmail's replies, a scripted client) through the whole pipeline: each must
 * produce exactly the findings listed here.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze.js';
import type { Finding } from '../../src/model/conversation.js';

const sample = (name: string): string => fileURLToPath(new URL(`../../captures/${name}.pcap`, import.meta.url));
const ids = (fs: readonly Finding[]): string[] => fs.map((f) => f.id).sort();

describe('SMTP samples', () => {
  it('captures/smtp-wrong-password-vs-working.pcap: three stale-password attempts, then Thunderbird sends', async () => {
    const r = await analyzeFiles([sample('smtp-wrong-password-vs-working')]);
    expect(r.conversations.map((c) => [c.protocol, c.client.ip, c.server.port, c.auth.map((a) => `${a.mechanism}:${a.user}:${a.outcome}`).join(), ids(c.findings).join()])).toEqual([
      ['smtp', '127.0.23.21', 587, 'PLAIN:alice@example.org:failed', 'smtp.cleartext-login,smtp.login-failed'],
      ['smtp', '127.0.23.21', 587, 'PLAIN:alice@example.org:failed', 'smtp.cleartext-login,smtp.login-failed'],
      ['smtp', '127.0.23.21', 587, 'PLAIN:alice@example.org:failed', 'smtp.cleartext-login,smtp.login-failed'],
      ['smtp', '127.0.23.22', 587, 'LOGIN:alice@example.org:ok', 'smtp.cleartext-login'],
    ]);
    expect(ids(r.findings)).toEqual(['auth.contrast-with-working-session', 'smtp.repeated-login-failure']);
    const failed = r.conversations[0]!.findings.find((f) => f.id === 'smtp.login-failed')!;
    expect(failed.message).toBe('The server refused AUTH PLAIN for user "alice@example.org" with a 10-character password: "535 5.7.8 Error: authentication failed: authentication failure" — Postfix passed the credentials to its SASL back end (Dovecot or Cyrus) and it refused them: a wrong password, or a user name in a form the back end does not know (user vs user@domain).');
    expect(r.findings.find((f) => f.id === 'auth.contrast-with-working-session')!.message).toBe(
      'The login in connection 1 failed where connection 4 to the same server (127.0.23.20:587) worked: the failing client used AUTH PLAIN, the working one AUTH LOGIN; a different password was used.',
    );
    const tb = r.conversations[3]!;
    expect(tb.exchanges.map((x) => `${x.command}:${x.status}`)).toEqual(['EHLO:250', 'AUTH:235', 'MAIL:250', 'RCPT:250', 'DATA:250', 'QUIT:221']);
    expect(tb.events[tb.exchanges[4]!.commandEvent]!.literals).toMatchObject([{ form: 'body', complete: true }]);
  });

  it('captures/smtp-relay-denied-port25.pcap: no AUTH on port 25, the outside recipient refused', async () => {
    const r = await analyzeFiles([sample('smtp-relay-denied-port25')]);
    expect(r.conversations.map((c) => ids(c.findings))).toEqual([['smtp.relay-denied']]);
    expect(r.findings).toEqual([]);
  });

  it('captures/smtp-gmail-auth-before-starttls.pcap: AUTH on 587 without STARTTLS', async () => {
    const r = await analyzeFiles([sample('smtp-gmail-auth-before-starttls')]);
    const c = r.conversations[0]!;
    expect(c.serverSoftware?.product).toBe('Gmail');
    expect(ids(c.findings)).toEqual(['smtp.cleartext-login', 'smtp.login-failed', 'smtp.starttls-required']);
    expect(c.findings.find((f) => f.id === 'smtp.starttls-required')!.message).toMatch(/^Gmail answered AUTH with "530 5\.7\.0 Must issue a STARTTLS command first\./);
  });
});
