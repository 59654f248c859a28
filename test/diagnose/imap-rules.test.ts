import { describe, expect, it } from 'vitest';
import { diagnose, ids, imap, only, type Step } from './helpers.js';

const DOVECOT: Step = ['S', '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.'];
const EX2003: Step = ['S', '* OK Microsoft Exchange Server 2003 IMAP4rev1 server version 6.5.7638.1 (mail.example.com) ready.'];
const EX2007: Step = ['S', '* OK Microsoft Exchange Server 2007 IMAP4 service ready'];
const EX2013: Step = ['S', '* OK The Microsoft Exchange IMAP4 service is ready.'];
const TLS = { security: 'implicit-tls' as const, serverPort: 993 };

/** A well-behaved session: capabilities, LOGIN inside TLS, SELECT, FETCH, LOGOUT. */
function clean(): Step[] {
  return [
    DOVECOT,
    ['C', 'a1 CAPABILITY'], ['S', '* CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN'], ['S', 'a1 OK Capability completed.'],
    ['C', 'a2 LOGIN "alice@example.com" "Corr3ct-Horse"'], ['S', 'a2 OK [CAPABILITY IMAP4rev1 IDLE] Logged in'],
    ['C', 'a3 SELECT INBOX'], ['S', '* 2 EXISTS'], ['S', 'a3 OK [READ-WRITE] Select completed.'],
    ['C', 'a4 FETCH 1 (FLAGS)'], ['S', '* 1 FETCH (FLAGS (\\Seen))'], ['S', 'a4 OK Fetch completed.'],
    ['C', 'a5 LOGOUT'], ['S', '* BYE Logging out'], ['S', 'a5 OK Logout completed.'],
  ];
}

describe('IMAP rules on real dialogues', () => {
  it('a clean session over TLS raises nothing', () => {
    expect(ids(imap(clean(), TLS))).toEqual([]);
  });

  it('the same session on 143 without TLS: only imap.cleartext-login, without the password', () => {
    const f = diagnose(imap(clean()));
    expect(f.map((x) => x.id)).toEqual(['imap.cleartext-login']);
    expect(f[0]!.message).toContain('"alice@example.com"');
    expect(f[0]!.message).toContain('a 13-character password');
    expect(f[0]!.message).not.toContain('Corr3ct');
  });

  it('founding case 1: the phone sending "A128 AUTH DOMAIN\\user pass" unquoted to Exchange 2003 without CAPABILITY', () => {
    const conv = imap([EX2003, ['C', 'A128 AUTH CORP\\jdoe Secr3t!pw'], ['S', 'A128 BAD Protocol Error: "Expected SPACE not found".']], { summary: { finBy: 'server' } });
    const f = diagnose(conv);
    expect(f.map((x) => x.id).sort()).toEqual(['imap.cleartext-login', 'imap.skipped-capability', 'imap.unknown-command', 'imap.unquoted-credentials']);
    const unknown = only(f, 'imap.unknown-command')[0]!;
    expect(unknown.message).toContain('AUTHENTICATE or LOGIN');
    expect(unknown.message).toContain('Expected SPACE not found');
    const uq = only(f, 'imap.unquoted-credentials')[0]!;
    expect(uq.severity).toBe('error');
    expect(uq.message).toContain('backslash');
    expect(uq.message).toContain('"CORP\\\\jdoe"');
    for (const x of f) expect(x.message).not.toContain('Secr3t');
  });

  it('imap.unquoted-credentials on LOGIN: user name shown quoted, password only by character class', () => {
    const conv = imap([DOVECOT, ['C', '1 capability'], ['S', '* CAPABILITY IMAP4rev1 AUTH=PLAIN'], ['S', '1 OK done'], ['C', '2 login CORP\\jdoe "pw"'], ['S', '2 BAD Error in IMAP command received by server.'], ['C', '3 logout'], ['S', '* BYE'], ['S', '3 OK']], TLS);
    const f = diagnose(conv);
    // BAD is a syntax error, not a refused password: the quoting finding says it all.
    expect(f.map((x) => x.id).sort()).toEqual(['imap.unquoted-credentials']);
    expect(only(f, 'imap.unquoted-credentials')[0]!.args.quoted).toBe('"CORP\\\\jdoe"');
  });

  it('founding case 2: iPhone LOGIN on 143 against Exchange 2007 with LOGINDISABLED', () => {
    const conv = imap([
      EX2007,
      ['C', '1 CAPABILITY'], ['S', '* CAPABILITY IMAP4 IMAP4rev1 AUTH=NTLM AUTH=GSSAPI LOGINDISABLED STARTTLS IDLE'], ['S', '1 OK CAPABILITY completed.'],
      ['C', '2 LOGIN "jdoe@example.com" "pw12345"'], ['S', '2 NO LOGIN failed.'],
      ['C', '3 LOGOUT'], ['S', '* BYE Microsoft Exchange Server 2007 IMAP4 server signing off.'], ['S', '3 OK LOGOUT completed.'],
    ]);
    const f = diagnose(conv);
    expect(f.map((x) => x.id).sort()).toEqual(['exchange.plaintext-login-disabled', 'imap.cleartext-login', 'imap.login-disabled-ignored', 'imap.login-failed']);
    const ex = only(f, 'exchange.plaintext-login-disabled')[0]!;
    expect(String(ex.args.fix)).toContain('Set-ImapSettings -LoginType PlainTextLogin');
  });

  it('founding case 4: Exchange 2013 ProxyNotAuthenticated, with the server name from the options', () => {
    const conv = imap([
      EX2013,
      ['C', '1 CAPABILITY'], ['S', '* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN UIDPLUS MOVE ID IDLE'], ['S', '1 OK CAPABILITY completed.'],
      ['C', '2 LOGIN "jdoe@example.com" "pw12345"'], ['S', '2 NO [Error=ProxyNotAuthenticated Proxy=MBX01.corp.example.com:1993:SSL] LOGIN failed.'],
      ['C', '3 LOGOUT'], ['S', '* BYE'], ['S', '3 OK'],
    ], TLS);
    const f = diagnose(conv, { serverName: 'mail.example.com' });
    expect(f.map((x) => x.id).sort()).toEqual(['exchange.proxy-not-authenticated', 'imap.login-failed']);
    const p = only(f, 'exchange.proxy-not-authenticated')[0]!;
    expect(String(p.args.fix)).toContain('Set-ImapSettings -X509CertificateName mail.example.com');
    expect(only(f, 'imap.login-failed')[0]!.args.responseCode).toContain('ProxyNotAuthenticated');
  });

  it('founding case 3: the Exchange 5.5 telnet session with tag "?" is clean apart from cleartext', () => {
    const conv = imap([
      ['S', '* OK Microsoft Exchange IMAP4rev1 server version 5.5.2653.23 (exch55) ready'],
      ['C', '? LOGIN jdoe pw12345'], ['S', '? OK LOGIN completed.'],
      ['C', '? LIST "" *'], ['S', '* LIST (\\HasNoChildren) "/" INBOX'], ['S', '? OK LIST completed.'],
      ['C', '? SELECT INBOX'], ['S', '* 1 EXISTS'], ['S', '? OK [READ-WRITE] SELECT completed.'],
      ['C', '? FETCH 1 (FLAGS)'], ['S', '* 1 FETCH (FLAGS (\\Seen))'], ['S', '? OK FETCH completed.'],
      ['C', '? LOGOUT'], ['S', '* BYE Microsoft Exchange IMAP4rev1 server signing off'], ['S', '? OK LOGOUT completed.'],
    ]);
    expect(ids(conv)).toEqual(['imap.cleartext-login', 'imap.skipped-capability']);
  });

  it('imap.login-failed with AUTHENTICATIONFAILED meaning; no-logout when the client just leaves', () => {
    const conv = imap([DOVECOT, ['C', 'a LOGIN bob wrongpw'], ['S', 'a NO [AUTHENTICATIONFAILED] Authentication failed.']], TLS);
    const f = diagnose(conv);
    expect(f.map((x) => x.id).sort()).toEqual(['imap.login-failed', 'imap.no-logout']);
    const lf = only(f, 'imap.login-failed')[0]!;
    expect(lf.args.knowledge).toBe('imap-authenticationfailed');
    expect(lf.message).toContain('NO [AUTHENTICATIONFAILED] Authentication failed.');
    expect(lf.message).not.toContain('wrongpw');
  });

  it('dovecot.plaintext-disallowed on [PRIVACYREQUIRED]', () => {
    const conv = imap([DOVECOT, ['C', 'a LOGIN bob pw12345'], ['S', 'a NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.'], ['C', 'b LOGOUT'], ['S', '* BYE'], ['S', 'b OK']]);
    expect(ids(conv)).toEqual(['dovecot.plaintext-disallowed', 'imap.cleartext-login', 'imap.login-failed']);
  });

  it('gmail.app-password-required and m365.basic-auth-disabled', () => {
    const g = imap([['S', '* OK Gimap ready for requests from 192.0.2.10 x1'], ['C', 'a1 CAPABILITY'], ['S', '* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2'], ['S', 'a1 OK Thats all she wrote!'], ['C', 'a2 LOGIN me@gmail.com pw12345'], ['S', 'a2 NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)'], ['C', 'a3 LOGOUT'], ['S', '* BYE'], ['S', 'a3 OK']], TLS);
    expect(ids(g)).toEqual(['gmail.app-password-required', 'imap.login-failed']);
    const m = imap([['S', '* OK The Microsoft Exchange IMAP4 service is ready. [RgBSADMAUAAyADgAMQBDAEEAMAAxADUANwAuAEQARQBVAFAAMgA4ADEALgBQAFIATwBEAC4ATwBVAFQATABPAE8ASwAuAEMATwBNAA==]'], ['C', 'a1 CAPABILITY'], ['S', '* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2'], ['S', 'a1 OK CAPABILITY completed.'], ['C', 'a2 LOGIN me@contoso.com pw12345'], ['S', 'a2 NO LOGIN failed.'], ['C', 'a3 LOGOUT'], ['S', '* BYE'], ['S', 'a3 OK']], TLS);
    expect(ids(m)).toEqual(['imap.login-failed', 'm365.basic-auth-disabled']);
  });

  it('imap.bad-response for a non-login command, explained', () => {
    const conv = imap([EX2013, ['C', 'a1 LOGIN bob pw12345'], ['S', 'a1 OK LOGIN completed.'], ['C', 'a2 STORE 1 +FLAGS (\\Seen)'], ['S', 'a2 BAD Command received in Invalid state.'], ['C', 'a3 LOGOUT'], ['S', '* BYE'], ['S', 'a3 OK']], TLS);
    const f = diagnose(conv);
    const bad = only(f, 'imap.bad-response');
    expect(bad).toHaveLength(1);
    expect(bad[0]!.args.knowledge).toBe('exchange-invalid-state');
    expect(bad[0]!.message).toContain('STORE');
  });

  it('imap.server-bye when the server drops the client, not for LOGOUT', () => {
    const conv = imap([DOVECOT, ['C', 'a1 FOO'], ['S', 'a1 BAD Error in IMAP command received by server.'], ['C', 'a2 FOO'], ['S', 'a2 BAD Error in IMAP command received by server.'], ['C', 'a3 FOO'], ['S', '* BYE Too many invalid IMAP commands.']], { ...TLS, summary: { finBy: 'server' } });
    const f = diagnose(conv);
    expect(only(f, 'imap.server-bye')).toHaveLength(1);
    expect(only(f, 'imap.server-bye')[0]!.args.knowledge).toBe('too-many-invalid-commands');
    // The BYE answers the third command (RFC 9051 §7.1.5): it is not a command left unanswered.
    expect(f.map((x) => x.id)).not.toContain('imap.missing-completion');
    expect(ids(imap(clean(), TLS))).not.toContain('imap.server-bye');
  });

  it('imap.mechanism-not-advertised and imap.login-despite-auth-list', () => {
    const a = imap([EX2013, ['C', '1 CAPABILITY'], ['S', '* CAPABILITY IMAP4rev1 AUTH=NTLM AUTH=GSSAPI'], ['S', '1 OK'], ['C', '2 AUTHENTICATE PLAIN AGJvYgBwdzEyMzQ1'], ['S', '2 NO AUTHENTICATE failed.'], ['C', '3 LOGIN bob pw12345'], ['S', '3 OK LOGIN completed.'], ['C', '4 LOGOUT'], ['S', '* BYE'], ['S', '4 OK']], TLS);
    const f = diagnose(a);
    expect(f.map((x) => x.id).sort()).toEqual(['imap.login-despite-auth-list', 'imap.login-failed', 'imap.mechanism-not-advertised']);
    expect(only(f, 'imap.login-despite-auth-list')[0]!.severity).toBe('info');
  });

  it('imap.auth-cancelled (info)', () => {
    const conv = imap([DOVECOT, ['C', '1 AUTHENTICATE PLAIN'], ['S', '+ '], ['C', '*'], ['S', '1 BAD Authentication aborted by client.'], ['C', '2 LOGOUT'], ['S', '* BYE'], ['S', '2 OK']], TLS);
    expect(ids(conv)).toEqual(['imap.auth-cancelled']);
  });

  it('imap.credential-whitespace: password with a trailing space, not shown', () => {
    const conv = imap([DOVECOT, ['C', 'a LOGIN bob "pw12345 "'], ['S', 'a NO [AUTHENTICATIONFAILED] Authentication failed.'], ['C', 'b LOGOUT'], ['S', '* BYE'], ['S', 'b OK']], TLS);
    const f = only(diagnose(conv), 'imap.credential-whitespace');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('password ends with a space');
    expect(f[0]!.message).not.toContain('pw12345');
  });

  it('imap.starttls-failed', () => {
    const conv = imap([DOVECOT, ['C', 'a STARTTLS'], ['S', 'a NO TLS not configured'], ['C', 'b LOGOUT'], ['S', '* BYE'], ['S', 'b OK']]);
    expect(ids(conv)).toEqual(['imap.starttls-failed']);
  });

  it('imap.tag-reuse, imap.invalid-tag, imap.unexpected-completion', () => {
    const conv = imap([DOVECOT, ['C', 'a1 LOGIN bob pw12345'], ['S', 'a1 OK'], ['C', 'x NOOP'], ['C', 'x NOOP'], ['S', 'x OK'], ['S', 'x OK'], ['S', 'zz OK stray'], ['C', 'b(1 NOOP'], ['S', 'b(1 OK'], ['C', 'q LOGOUT'], ['S', '* BYE'], ['S', 'q OK']], TLS);
    const got = ids(conv);
    expect(got).toContain('imap.tag-reuse');
    expect(got).toContain('imap.unexpected-completion');
    expect(got).toContain('imap.invalid-tag');
  });

  it('imap.command-in-wrong-state: SELECT before login', () => {
    const conv = imap([DOVECOT, ['C', 'a SELECT INBOX'], ['S', 'a BAD Please login first'], ['C', 'b LOGOUT'], ['S', '* BYE'], ['S', 'b OK']], TLS);
    expect(ids(conv)).toEqual(['imap.bad-response', 'imap.command-in-wrong-state']);
  });

  it('imap.bare-lf and imap.malformed', () => {
    const conv = imap([DOVECOT, { side: 'C', text: 'a1 NOOP\n', raw: true }, ['S', 'a1 OK'], ['S', 'garbage line'], ['C', 'a2 LOGOUT'], ['S', '* BYE'], ['S', 'a2 OK']], TLS);
    const got = ids(conv);
    expect(got).toContain('imap.bare-lf');
    expect(got).toContain('imap.malformed');
  });

  it('imap.slow-response above the configured threshold only', () => {
    const steps: Step[] = [DOVECOT, ['C', 'a1 LOGIN bob pw12345'], { side: 'S', text: 'a1 OK', delay: 8 }, ['C', 'a2 LOGOUT'], ['S', '* BYE'], ['S', 'a2 OK']];
    expect(ids(imap(steps, TLS))).toEqual(['imap.slow-response']);
    expect(ids(imap(steps, TLS), { slowResponseSec: 10 })).toEqual([]);
    expect(only(diagnose(imap(steps, TLS)), 'imap.slow-response')[0]!.args.slowestCommand).toBe('LOGIN');
  });

  it('imap.truncated-response when the connection ends inside a literal', () => {
    const conv = imap([DOVECOT, ['C', 'a1 LOGIN bob pw12345'], ['S', 'a1 OK'], ['C', 'a2 FETCH 1 BODY[]'], { side: 'S', text: '* 1 FETCH (BODY[] {100}\r\nSubject: hi\r\n', raw: true }], TLS);
    expect(ids(conv)).toContain('imap.truncated-response');
  });
});
