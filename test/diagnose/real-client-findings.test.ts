/**
 * Issue 16: findings on sessions of real clients (mbsync, getmail6/imaplib, fetchmail, mutt...)
 * that earlier versions got wrong. Each dialogue is the bytes such a client sends and the answers
 * of Dovecot 2.3 or Cyrus 3.6; the real captures are in captures/real-clients/.
 */
import { describe, expect, it } from 'vitest';
import { diagnose, ids, imap, only, pop3, type Step } from './helpers.js';

const DOVECOT: Step = ['S', '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot (Debian) ready.'];
const TLS = { security: 'implicit-tls' as const, serverPort: 993 };
const POP3_TLS = { security: 'implicit-tls' as const, serverPort: 995 };

describe('pipelined commands are checked in the state the commands before them leave', () => {
  it('IMAP: SELECT and FETCH in one segment (mbsync) is no wrong-state', () => {
    const conv = imap([
      DOVECOT,
      ['C', 'a1 LOGIN alice "Secret123"'], ['S', 'a1 OK Logged in'],
      { side: 'C', text: 'a2 SELECT INBOX\r\na3 FETCH 1:4 (UID FLAGS)\r\n', raw: true },
      ['S', '* 4 EXISTS'], ['S', 'a2 OK [READ-WRITE] Select completed.'],
      ['S', '* 1 FETCH (UID 1 FLAGS ())'], ['S', 'a3 OK Fetch completed.'],
      { side: 'C', text: 'a4 CLOSE\r\na5 LOGOUT\r\n', raw: true },
      ['S', 'a4 OK Close completed.'], ['S', '* BYE Logging out'], ['S', 'a5 OK Logout completed.'],
    ], TLS);
    expect(ids(conv)).toEqual([]);
    expect(conv.exchanges.map((e) => e.state)).toEqual(['not-authenticated', 'authenticated', 'selected', 'selected', 'authenticated']);
  });

  it('IMAP: a FETCH pipelined behind a SELECT that fails is in the wrong state', () => {
    const conv = imap([
      DOVECOT,
      ['C', 'a1 LOGIN alice "Secret123"'], ['S', 'a1 OK Logged in'],
      { side: 'C', text: 'a2 SELECT Nope\r\na3 FETCH 1 (FLAGS)\r\n', raw: true },
      ['S', 'a2 NO Mailbox does not exist'], ['S', 'a3 BAD No mailbox selected.'],
      ['C', 'a4 LOGOUT'], ['S', '* BYE'], ['S', 'a4 OK'],
    ], TLS);
    const f = only(diagnose(conv), 'imap.command-in-wrong-state');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('FETCH is not valid in the authenticated state');
  });

  it('POP3 (RFC 2449 PIPELINING): USER, PASS and STAT in one segment is no wrong-state', () => {
    const conv = pop3([
      ['S', '+OK Dovecot ready.'],
      ['C', 'CAPA'], ['S', '+OK'], ['S', 'USER'], ['S', 'PIPELINING'], ['S', '.'],
      { side: 'C', text: 'USER alice\r\nPASS Secret123\r\nSTAT\r\nLIST\r\n', raw: true },
      ['S', '+OK'], ['S', '+OK Logged in.'], ['S', '+OK 1 300'], ['S', '+OK 1 messages:'], ['S', '1 300'], ['S', '.'],
      ['C', 'QUIT'], ['S', '+OK Logging out.'],
    ], POP3_TLS);
    expect(ids(conv)).toEqual([]);
    expect(conv.anomalies.map((a) => a.code)).toEqual([]);
    expect(conv.exchanges.map((e) => e.state)).toEqual(['AUTHORIZATION', 'AUTHORIZATION', 'AUTHORIZATION', 'TRANSACTION', 'TRANSACTION', 'TRANSACTION']);
  });

  it('POP3: STAT pipelined behind a refused PASS is in the wrong state', () => {
    const conv = pop3([
      ['S', '+OK Dovecot ready.'],
      ['C', 'CAPA'], ['S', '+OK'], ['S', 'USER'], ['S', 'PIPELINING'], ['S', '.'],
      { side: 'C', text: 'USER alice\r\nPASS wrong\r\nSTAT\r\n', raw: true },
      ['S', '+OK'], ['S', '-ERR [AUTH] Authentication failed.'], ['S', '-ERR Unknown command.'],
      ['C', 'QUIT'], ['S', '+OK Logging out.'],
    ], POP3_TLS);
    expect(conv.anomalies.filter((a) => a.code === 'command-in-wrong-state').map((a) => a.detail)).toEqual(['STAT in AUTHORIZATION']);
  });
});

describe('a login line with a space sent bare is a quoting problem, not a wrong password', () => {
  it('imaplib/getmail6: LOGIN john smith "pass word" answered BAD → imap.unquoted-credentials with the quoted form, no login-failed', () => {
    const conv = imap([DOVECOT, ['C', 'UHJB1 CAPABILITY'], ['S', '* CAPABILITY IMAP4rev1 AUTH=PLAIN'], ['S', 'UHJB1 OK Pre-login capabilities listed, post-login capabilities have more.'],
      ['C', 'UHJB2 LOGIN john smith "pass word"'], ['S', 'UHJB2 BAD Error in IMAP command received by server.'],
      ['C', 'UHJB3 LOGOUT'], ['S', '* BYE Logging out'], ['S', 'UHJB3 OK Logout completed.']], TLS);
    const f = diagnose(conv);
    expect(f.map((x) => x.id)).toEqual(['imap.unquoted-credentials']);
    const m = f[0]!.message;
    expect(m).toContain('3 arguments where it takes 2');
    expect(m).toContain('quoted the password but sent the user name bare');
    expect(m).toContain('LOGIN "john <redacted>" "<redacted>"');
    expect(m).toContain('BAD: a syntax error, not a wrong password');
    // Every word after the first may be password: none is shown, nor a length.
    for (const x of f) for (const word of ['smith', 'pass word', '5-character']) expect(x.message).not.toContain(word);
    expect(conv.auth[0]!.secret).toBeUndefined();
  });

  it('all words bare: both readings are offered, and the cleartext finding does not call the first word the user', () => {
    const conv = imap([DOVECOT, ['C', 'a1 LOGIN john secretone secrettwo'], ['S', 'a1 BAD Error in IMAP command received by server.'], ['C', 'a2 LOGOUT'], ['S', '* BYE'], ['S', 'a2 OK']]);
    const f = diagnose(conv);
    expect(f.map((x) => x.id).sort()).toEqual(['imap.cleartext-login', 'imap.unquoted-credentials']);
    const uq = only(f, 'imap.unquoted-credentials')[0]!;
    expect(uq.message).toContain('LOGIN "john <redacted>" "<redacted>" if the user name has the space');
    expect(uq.message).toContain('LOGIN "john" "<redacted> <redacted>" if the password has it');
    expect(only(f, 'imap.cleartext-login')[0]!.message).toContain('for a user name starting "john"');
    for (const x of f) expect(x.message).not.toMatch(/secretone|secrettwo/);
  });

  it('any BAD answer to LOGIN is not imap.login-failed; an unexplained one is imap.bad-response', () => {
    const conv = imap([DOVECOT, ['C', 'a1 LOGIN alice "Secret123"'], ['S', 'a1 BAD Something odd.'], ['C', 'a2 LOGOUT'], ['S', '* BYE'], ['S', 'a2 OK']], TLS);
    expect(ids(conv)).toEqual(['imap.bad-response']);
  });
});

describe('untagged BAD and BYE', () => {
  it("Dovecot's untagged `* BAD [ALERT] Plaintext authentication not allowed` is not pinned on LOGIN, and the vendor findings say it once", () => {
    const conv = imap([
      ['S', '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED] Dovecot (Debian) ready.'],
      ['C', 'a1 LOGIN alice Secret123'],
      ['S', '* BAD [ALERT] Plaintext authentication not allowed without SSL/TLS, but your client did it anyway. If anyone was listening, the password was exposed.'],
      ['S', 'a1 NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.'],
      ['C', 'a2 LOGOUT'], ['S', '* BYE Logging out'], ['S', 'a2 OK Logout completed.'],
    ]);
    const got = ids(conv);
    expect(got).not.toContain('imap.bad-response');
    expect(got).toContain('dovecot.password-exposed');
    expect(got).toContain('dovecot.plaintext-disallowed');
  });

  it('an untagged BAD no knowledge explains answers no command', () => {
    const conv = imap([DOVECOT, ['C', 'a1 NOOP'], ['S', '* BAD Line too long'], ['S', 'a1 OK'], ['C', 'a2 LOGOUT'], ['S', '* BYE'], ['S', 'a2 OK']], TLS);
    const f = only(diagnose(conv), 'imap.bad-response');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('untagged "* BAD Line too long", which answers no command');
    expect(f[0]!.args.command).toBe('');
  });

  it('`* BYE Too many invalid IMAP commands.` answers the last command: no missing-completion, outcome "the server disconnected the client"', async () => {
    const { outcome } = await import('../../src/report/describe.js');
    const conv = imap([DOVECOT, ['C', 'a1 FOO'], ['S', 'a1 BAD Error in IMAP command received by server.'], ['C', 'a2 FOO'], ['S', 'a2 BAD Error in IMAP command received by server.'], ['C', 'a3 FOO'], ['S', '* BYE Too many invalid IMAP commands.']], { ...TLS, summary: { finBy: 'server' } });
    const got = ids(conv);
    expect(got).toContain('imap.server-bye');
    expect(got).not.toContain('imap.missing-completion');
    expect(outcome(conv)).toBe('the server disconnected the client');
  });
});

describe('spaces in a login line: what was sent, not who typed it', () => {
  it("mutt's `AUTHENTICATE CRAM-MD5 ` (trailing space) that Cyrus rejects is called the client's", () => {
    const conv = imap([
      ['S', '* OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE AUTH=CRAM-MD5 SASL-IR] server ready'],
      ['C', 'a0000 AUTHENTICATE CRAM-MD5 '], ['S', 'a0000 BAD Invalid base64 string'],
      ['C', 'a0001 LOGOUT'], ['S', '* BYE'], ['S', 'a0001 OK'],
    ], TLS);
    const f = diagnose(conv);
    expect(f.map((x) => x.id)).toEqual(['imap.credential-whitespace']);
    expect(f[0]!.message).toContain('the line ends with a space');
    expect(f[0]!.message).toContain('a bug of the client');
    expect(f[0]!.message).not.toContain('pasted by mistake');
  });

  it('a password with a trailing space: a person or the client put it there', () => {
    const conv = pop3([['S', '+OK Dovecot ready.'], ['C', 'USER alice'], ['S', '+OK'], ['C', 'PASS Secret123 '], ['S', '-ERR [AUTH] Authentication failed.'], ['C', 'QUIT'], ['S', '+OK']], POP3_TLS);
    const f = only(diagnose(conv), 'pop3.credential-whitespace');
    expect(f[0]!.message).toContain('Either a person entered these spaces with the credentials (a paste, a typo) or the client added them; the server refused the login.');
  });
});

describe('tcp.reset: a problem only when it cuts a live session', () => {
  const session = (): Step[] => [DOVECOT, ['C', 'a1 LOGIN alice "Secret123"'], ['S', 'a1 OK Logged in'], ['C', 'a2 NOOP'], ['S', 'a2 OK']];

  it('the client closed with FIN and reset when the server\'s last bytes arrived: info, an ordinary teardown', () => {
    const f = only(diagnose(imap(session(), { ...TLS, summary: { finBy: 'client', resetBy: 'client', resetFrame: 12, endReason: 'rst' } })), 'tcp.reset');
    expect(f).toHaveLength(1);
    expect(f[0]!.severity).toBe('info');
    expect(f[0]!.message).toContain('after the session had ended (the client had closed its side with FIN): an ordinary teardown');
  });

  it('the client sent LOGOUT and reset before the answer: info', () => {
    const f = only(diagnose(imap([...session(), ['C', 'a3 LOGOUT']], { ...TLS, summary: { finBy: undefined, resetBy: 'client', resetFrame: 12, endReason: 'rst' } })), 'tcp.reset');
    expect(f[0]!.severity).toBe('info');
    expect(f[0]!.message).toContain('(LOGOUT sent)');
  });

  it('a reset with no close before it, a command in flight: a warning', () => {
    const f = only(diagnose(imap([...session(), ['C', 'a3 FETCH 1 (BODY[])']], { ...TLS, summary: { finBy: undefined, resetBy: 'server', resetFrame: 12, endReason: 'rst' } })), 'tcp.reset');
    expect(f[0]!.severity).toBe('warning');
    expect(f[0]!.message).toContain('in the middle of the session');
  });
});

describe('a client that gives up because the server refuses cleartext logins', () => {
  const LOGINDISABLED: Step = ['S', '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED] Dovecot (Debian) ready.'];

  it('IMAP (fetchmail without TLS): CAPABILITY shows LOGINDISABLED, the client says LOGOUT → imap.gave-up-without-tls with the fix', () => {
    const conv = imap([LOGINDISABLED, ['C', 'A0001 CAPABILITY'], ['S', '* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED'], ['S', 'A0001 OK Pre-login capabilities listed, post-login capabilities have more.'],
      ['C', 'A0002 LOGOUT'], ['S', '* BYE Logging out'], ['S', 'A0002 OK Logout completed.']]);
    const f = diagnose(conv);
    expect(f.map((x) => x.id)).toEqual(['imap.gave-up-without-tls']);
    expect(f[0]!.message).toBe('The client sent LOGOUT without trying to log in: the server advertised LOGINDISABLED (no cleartext LOGIN on this connection) at frame 6, and offered STARTTLS, which the client did not use. Set the client to use STARTTLS on this port or TLS on port 993.');
  });

  it('IMAP (mbsync): the greeting says LOGINDISABLED and the client just closes', () => {
    const conv = imap([LOGINDISABLED], { summary: { finBy: 'client' } });
    expect(ids(conv)).toEqual(['imap.gave-up-without-tls', 'imap.no-logout']);
  });

  it('POP3 (Dovecot before STLS: no USER in CAPA): QUIT without a login → pop3.gave-up-without-tls', () => {
    const conv = pop3([['S', '+OK Dovecot (Debian) ready.'], ['C', 'CAPA'], ['S', '+OK'], ['S', 'CAPA'], ['S', 'TOP'], ['S', 'UIDL'], ['S', 'RESP-CODES'], ['S', 'PIPELINING'], ['S', 'AUTH-RESP-CODE'], ['S', 'STLS'], ['S', 'SASL'], ['S', '.'], ['C', 'QUIT'], ['S', '+OK Logging out']]);
    const f = diagnose(conv);
    expect(f.map((x) => x.id)).toEqual(['pop3.gave-up-without-tls']);
    expect(f[0]!.message).toContain("the server's CAPA offered no USER");
    expect(f[0]!.message).toContain('Set the client to use STLS on this port or TLS on port 995.');
  });

  it('not raised when the client logs in, uses STARTTLS, or the server offers cleartext login', () => {
    expect(ids(imap([LOGINDISABLED, ['C', 'a1 STARTTLS'], ['S', 'a1 OK Begin TLS negotiation now.']]))).not.toContain('imap.gave-up-without-tls');
    expect(ids(imap([DOVECOT, ['C', 'a1 LOGOUT'], ['S', '* BYE'], ['S', 'a1 OK']]))).toEqual([]);
  });
});
