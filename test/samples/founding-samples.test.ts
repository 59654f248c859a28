/**
 * The sample captures in captures/ (made by scripts/make-captures.mjs) through the whole pipeline:
 * each must produce exactly the findings listed here, per conversation and across conversations,
 * and the clean sessions none at all.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeFiles, type AnalysisResult } from '../../src/analyze.js';
import type { Conversation, Finding } from '../../src/model/conversation.js';

const sample = (name: string): string => fileURLToPath(new URL(`../../captures/${name}.pcap`, import.meta.url));

const ids = (fs: readonly Finding[]): string[] => fs.map((f) => f.id).sort();
const only = (fs: readonly Finding[], id: string): Finding[] => fs.filter((f) => f.id === id);

/** Per conversation: client address, login outcomes and the sorted finding ids. */
function perConversation(r: AnalysisResult): Array<{ client: string; logins: string[]; findings: string[] }> {
  return r.conversations.map((c: Conversation) => ({ client: c.client.ip, logins: c.auth.map((a) => a.outcome), findings: ids(c.findings) }));
}

describe('captures/phone-vs-thunderbird.pcap (Exchange 2003)', async () => {
  const r = await analyzeFiles([sample('phone-vs-thunderbird')]);
  const [phone1, thunderbird, phone2] = r.conversations as [Conversation, Conversation, Conversation];

  it('has the phone, Thunderbird, then the phone again, all against Exchange 2003 on 143', () => {
    expect(r.conversations.map((c) => [c.protocol, c.client.ip, c.server.ip, c.server.port])).toEqual([
      ['imap', '127.0.0.21', '127.0.0.10', 143],
      ['imap', '127.0.0.22', '127.0.0.10', 143],
      ['imap', '127.0.0.21', '127.0.0.10', 143],
    ]);
    for (const c of r.conversations) expect(c.serverSoftware).toMatchObject({ product: 'Microsoft Exchange', version: '6.5.7638.1' });
  });

  it('produces exactly these findings per connection', () => {
    const phone = ['imap.cleartext-login', 'imap.no-logout', 'imap.skipped-capability', 'imap.unknown-command', 'imap.unquoted-credentials'];
    expect(perConversation(r)).toEqual([
      // Two AUTH attempts on the first connection: unquoted, unknown command and cleartext each time;
      // skipped-capability once, at the first login attempt.
      { client: '127.0.0.21', logins: ['failed', 'failed'], findings: ['imap.cleartext-login', 'imap.cleartext-login', 'imap.no-logout', 'imap.skipped-capability', 'imap.unknown-command', 'imap.unknown-command', 'imap.unquoted-credentials', 'imap.unquoted-credentials'] },
      { client: '127.0.0.22', logins: ['ok'], findings: ['imap.cleartext-login', 'imap.login-despite-auth-list'] },
      { client: '127.0.0.21', logins: ['failed'], findings: phone },
    ]);
    expect(ids(r.findings)).toEqual(['auth.contrast-with-working-session', 'imap.repeated-login-failure']);
  });

  it('Thunderbird has no error: only the cleartext warning and the LOGIN-despite-AUTH=NTLM fact', () => {
    expect(thunderbird.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(thunderbird.auth[0]).toMatchObject({ method: 'LOGIN', user: 'DOMAIN\\alice', userForm: 'quoted', outcome: 'ok', encrypted: false });
    expect(thunderbird.exchanges.map((x) => [x.tag, x.command, x.status])).toEqual([
      ['1', 'CAPABILITY', 'OK'],
      ['2', 'LOGIN', 'OK'],
      ['3', 'SELECT', 'OK'],
      ['4', 'LOGOUT', 'OK'],
    ]);
  });

  it('tells the phone how DOMAIN\\alice must be quoted and which command it meant', () => {
    const [unquoted] = only(phone2.findings, 'imap.unquoted-credentials');
    expect(unquoted!.severity).toBe('error');
    expect(unquoted!.message).toContain('"DOMAIN\\\\alice"');
    expect(unquoted!.message).toContain('backslash');
    const [unknown] = only(phone2.findings, 'imap.unknown-command');
    expect(unknown!.message).toMatch(/AUTHENTICATE or LOGIN/);
    expect(unknown!.message).toContain('Expected SPACE not found');
    expect(phone1.exchanges.map((x) => [x.tag, x.command, x.known, x.status])).toEqual([
      ['A128', 'AUTH', false, 'BAD'],
      ['A129', 'AUTH', false, 'BAD'],
    ]);
  });

  it('contrasts the failing phone with working Thunderbird, naming the decisive differences', () => {
    const [contrast] = only(r.findings, 'auth.contrast-with-working-session');
    expect(contrast!.args).toMatchObject({ failed: phone1.id, worked: thunderbird.id, server: '127.0.0.10:143' });
    const diff = String(contrast!.args.differences);
    expect(diff).toMatch(/AUTH.*LOGIN/);
    expect(diff).toMatch(/quoted/);
    expect(diff).toMatch(/CAPABILITY/);
    const [repeated] = only(r.findings, 'imap.repeated-login-failure');
    expect(repeated!.args).toMatchObject({ client: '127.0.0.21', server: '127.0.0.10:143', failures: 3, connections: 2, successes: 0, samePassword: true });
    // The phone's AUTH attempts carry the password Thunderbird logged in with.
    expect(diff).toContain('the same password was used');
  });

  it('records the phone\'s AUTH as failed login attempts with the password marked secret', () => {
    expect(phone1.auth.map((a) => [a.method, a.user, a.outcome, a.encrypted, a.secret?.length])).toEqual([
      ['AUTH', 'DOMAIN\\alice', 'failed', false, 9],
      ['AUTH', 'DOMAIN\\alice', 'failed', false, 9],
    ]);
    expect(phone1.auth[0]!.details!.notImapCommand).toMatch(/not an IMAP command/);
    expect(phone1.auth[0]!.secret!.fingerprint).toBe(thunderbird.auth[0]!.secret!.fingerprint);
    const ev = phone1.events[phone1.exchanges[0]!.commandEvent]!;
    expect(ev.secrets).toEqual([{ start: 23, end: 32, kind: 'password' }]);
    expect(ev.raw.slice(23, 32)).toBe('Secret123');
    expect(JSON.stringify(ev.parsed)).not.toContain('Secret123');
  });

  it('never shows the password', () => {
    const text = JSON.stringify([r.findings, r.conversations.map((c) => c.findings)]);
    expect(text).not.toContain('Secret123');
  });
});

describe('captures/iphone-exchange2007-plaintext.pcap (Exchange 2007, SecureLogin then PlainTextLogin)', async () => {
  const r = await analyzeFiles([sample('iphone-exchange2007-plaintext')]);
  const failing = ['exchange.plaintext-login-disabled', 'imap.cleartext-login', 'imap.login-disabled-ignored', 'imap.login-failed'];

  it('fails three times with LOGINDISABLED advertised, then succeeds once it is gone', () => {
    expect(perConversation(r)).toEqual([
      { client: '127.0.0.31', logins: ['failed'], findings: failing },
      { client: '127.0.0.31', logins: ['failed'], findings: failing },
      { client: '127.0.0.31', logins: ['failed'], findings: failing },
      { client: '127.0.0.31', logins: ['ok'], findings: ['imap.cleartext-login'] },
    ]);
    expect(ids(r.findings)).toEqual(['auth.contrast-with-working-session', 'imap.repeated-login-failure']);
    const lists = r.conversations.map((c) => c.capabilities[0]!.list.includes('LOGINDISABLED'));
    expect(lists).toEqual([true, true, true, false]);
  });

  it('explains "NO LOGIN failed." as Exchange refusing cleartext LOGIN, not a wrong password', () => {
    const first = r.conversations[0]!;
    const [plain] = only(first.findings, 'exchange.plaintext-login-disabled');
    expect(plain!.severity).toBe('error');
    expect(plain!.message).toContain('NO LOGIN failed.');
    const [failed] = only(first.findings, 'imap.login-failed');
    expect(failed!.message).toMatch(/not encrypted/);
    const [repeated] = only(r.findings, 'imap.repeated-login-failure');
    expect(repeated!.args).toMatchObject({ client: '127.0.0.31', failures: 3, connections: 3, successes: 1, samePassword: true });
  });
});

describe('captures/exchange55-telnet.pcap (Exchange 5.5 by hand, tag "?")', async () => {
  const r = await analyzeFiles([sample('exchange55-telnet')]);
  const [c] = r.conversations as [Conversation];

  it('reads every command with the tag "?" and the FETCH literal whole', () => {
    expect(c.exchanges.map((x) => [x.tag, x.command, x.status])).toEqual([
      ['?', 'LOGIN', 'OK'],
      ['?', 'LIST', 'OK'],
      ['?', 'SELECT', 'OK'],
      ['?', 'FETCH', 'OK'],
      ['?', 'LOGOUT', 'OK'],
    ]);
    const literal = c.events.flatMap((e) => e.literals ?? [])[0];
    expect(literal).toMatchObject({ size: 339, received: 339, complete: true });
    expect(c.serverSoftware).toMatchObject({ product: 'Microsoft Exchange', version: '5.5.2653.23' });
    expect(c.state).toBe('logout');
  });

  it('warns only that CAPABILITY was skipped and the password went in cleartext', () => {
    expect(perConversation(r)).toEqual([{ client: '127.0.0.41', logins: ['ok'], findings: ['imap.cleartext-login', 'imap.skipped-capability'] }]);
    expect(r.findings).toEqual([]);
  });
});

describe('captures/exchange2013-proxynotauthenticated.pcap (Exchange 2013 front end)', async () => {
  const r = await analyzeFiles([sample('exchange2013-proxynotauthenticated')]);

  it('names ProxyNotAuthenticated and the back-end server', () => {
    expect(perConversation(r)).toEqual([
      {
        client: '127.0.0.51',
        logins: ['failed'],
        findings: ['exchange.proxy-not-authenticated', 'imap.cleartext-login', 'imap.login-failed', 'imap.skipped-capability'],
      },
    ]);
    expect(r.findings).toEqual([]);
    const [proxy] = only(r.conversations[0]!.findings, 'exchange.proxy-not-authenticated');
    expect(proxy!.severity).toBe('error');
    expect(proxy!.message).toContain('Proxy=EXMBX01.example.com:1993:SSL');
  });
});

describe('clean sessions produce no finding at all', () => {
  it('captures/clean-imap.pcap: greeting capabilities, AUTHENTICATE CRAM-MD5, SELECT, FETCH, LOGOUT', async () => {
    const r = await analyzeFiles([sample('clean-imap')]);
    expect(perConversation(r)).toEqual([{ client: '127.0.0.61', logins: ['ok'], findings: [] }]);
    expect(r.findings).toEqual([]);
    expect(r.stats.findings).toMatchObject({ error: 0, warning: 0, info: 0 });
    const c = r.conversations[0]!;
    expect(c.auth[0]).toMatchObject({ method: 'AUTHENTICATE', mechanism: 'CRAM-MD5', user: 'alice', outcome: 'ok' });
    expect(c.exchanges.every((x) => x.status === 'OK')).toBe(true);
  });

  it('captures/clean-pop3.pcap: CAPA, AUTH CRAM-MD5, STAT, LIST, UIDL, RETR (dot-stuffed), QUIT', async () => {
    const r = await analyzeFiles([sample('clean-pop3')]);
    expect(perConversation(r)).toEqual([{ client: '127.0.0.62', logins: ['ok'], findings: [] }]);
    expect(r.findings).toEqual([]);
    expect(r.stats.findings).toMatchObject({ error: 0, warning: 0, info: 0 });
    const c = r.conversations[0]!;
    expect(c.protocol).toBe('pop3');
    expect(c.exchanges.map((x) => [x.command, x.status])).toEqual([
      ['CAPA', '+OK'],
      ['AUTH', '+OK'],
      ['STAT', '+OK'],
      ['LIST', '+OK'],
      ['UIDL', '+OK'],
      ['RETR', '+OK'],
      ['QUIT', '+OK'],
    ]);
  });
});
