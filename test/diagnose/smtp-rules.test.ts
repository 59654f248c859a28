import { describe, expect, it } from 'vitest';
import { Diagnoser } from '../../src/diagnose/diagnose.js';
import { diagnose, ids, only, smtp, type Step } from './helpers.js';

const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');
const POSTFIX: Step = ['S', '220 mail.example.org ESMTP Postfix (Debian/GNU)'];
const EHLO: Step[] = [['C', 'EHLO laptop'], ['S', '250-mail.example.org'], ['S', '250-PIPELINING'], ['S', '250-SIZE 10240000'], ['S', '250-AUTH PLAIN LOGIN'], ['S', '250-ENHANCEDSTATUSCODES'], ['S', '250 8BITMIME']];
const SEND: Step[] = [
  ['C', 'MAIL FROM:<alice@example.org>'], ['S', '250 2.1.0 Ok'], ['C', 'RCPT TO:<bob@example.net>'], ['S', '250 2.1.5 Ok'],
  ['C', 'DATA'], ['S', '354 End data with <CR><LF>.<CR><LF>'], ['C', 'Subject: hi\r\n\r\nhello\r\n.'], ['S', '250 2.0.0 Ok: queued as 4ABC'],
  ['C', 'QUIT'], ['S', '221 2.0.0 Bye'],
];
const authPlain = (user: string, pw: string): Step => ['C', `AUTH PLAIN ${b64(`\0${user}\0${pw}`)}`];

describe('SMTP rules on real dialogues', () => {
  it('a clean submission over implicit TLS (465) raises nothing', () => {
    expect(ids(smtp([POSTFIX, ...EHLO, authPlain('alice', 's3cret'), ['S', '235 2.7.0 Authentication successful'], ...SEND], { security: 'implicit-tls', serverPort: 465 }))).toEqual([]);
  });

  it('smtp.cleartext-login on 587 without STARTTLS; the password never in the message', () => {
    const f = diagnose(smtp([POSTFIX, ...EHLO, authPlain('alice', 's3cret'), ['S', '235 2.7.0 Authentication successful'], ...SEND]));
    expect(f.map((x) => x.id)).toEqual(['smtp.cleartext-login']);
    expect(f[0]!.message).toBe('AUTH PLAIN for user "alice" with a 6-character password was sent without encryption: the password was readable on the wire.');
  });

  it('smtp.login-failed explains Postfix/Dovecot SASL 535 5.7.8', () => {
    const f = diagnose(smtp([POSTFIX, ...EHLO, authPlain('alice', 'wrong'), ['S', '535 5.7.8 Error: authentication failed: authentication failure'], ['C', 'QUIT'], ['S', '221 2.0.0 Bye']], { security: 'implicit-tls', serverPort: 465 }));
    expect(f.map((x) => x.id)).toEqual(['smtp.login-failed']);
    expect(f[0]!.args).toMatchObject({ status: '535', responseCode: '5.7.8', knowledge: 'postfix-dovecot-sasl-failed', user: 'alice' });
    expect(f[0]!.message).toContain('"535 5.7.8 Error: authentication failed: authentication failure"');
    expect(f[0]!.message).not.toContain('wrong');
  });

  it('Gmail: 534-5.7.9 app password required, and 535-5.7.8 BadCredentials explained', () => {
    const gmail: Step = ['S', '220 smtp.gmail.com ESMTP a1sm1234567wrx.12 - gsmtp'];
    const app = diagnose(smtp([gmail, ['C', 'EHLO x'], ['S', '250 AUTH LOGIN PLAIN'], authPlain('alice@gmail.com', 'pw'), ['S', '534-5.7.9 Application-specific password required. For more information, go to'], ['S', '534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor a1sm1234567wrx.12 - gsmtp']], { security: 'implicit-tls', serverPort: 465 }));
    expect(app.map((x) => x.id).sort()).toEqual(['gmail.app-password-required', 'smtp.login-failed', 'smtp.no-quit']);
    const bad = diagnose(smtp([gmail, ['C', 'EHLO x'], ['S', '250 AUTH LOGIN PLAIN'], authPlain('alice@gmail.com', 'pw'), ['S', '535-5.7.8 Username and Password not accepted. For more information, go to'], ['S', '535 5.7.8  https://support.google.com/mail/?p=BadCredentials a1sm1234567wrx.12 - gsmtp']], { security: 'implicit-tls', serverPort: 465 }));
    expect(bad.map((x) => x.id)).toEqual(['smtp.login-failed', 'smtp.no-quit']);
    expect(bad[0]!.args['knowledge']).toBe('gmail-smtp-bad-credentials');
  });

  it('Microsoft 365: SmtpClientAuthentication disabled and basic authentication disabled', () => {
    const m365: Step = ['S', '220 AM0PR01CA0123.outlook.office365.com Microsoft ESMTP MAIL Service ready at Mon, 7 Dec 2026 21:00:00 +0000'];
    const tenant = diagnose(smtp([m365, ['C', 'EHLO x'], ['S', '250 AUTH LOGIN XOAUTH2'], authPlain('alice@contoso.com', 'pw'), ['S', '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [AM0PR01CA0123.eurprd01.prod.exchangelabs.com 2026-12-07T21:00:00.000Z 08DB]']], { security: 'implicit-tls', serverPort: 465 }));
    expect(tenant.map((x) => x.id).sort()).toEqual(['m365.smtp-auth-disabled', 'smtp.login-failed', 'smtp.no-quit']);
    expect(only(tenant, 'm365.smtp-auth-disabled')[0]!.message).toMatch(/^Microsoft 365 \(Exchange Online\) answered AUTH with "535 5\.7\.139 Authentication unsuccessful, SmtpClientAuthentication is disabled/);
    const basic = diagnose(smtp([m365, ['C', 'EHLO x'], ['S', '250 AUTH LOGIN XOAUTH2'], authPlain('alice@contoso.com', 'pw'), ['S', '535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [AM0PR01CA0123.eurprd01.prod.exchangelabs.com]']], { security: 'implicit-tls', serverPort: 465 }));
    expect(basic.map((x) => x.id).sort()).toEqual(['m365.basic-auth-disabled', 'smtp.login-failed', 'smtp.no-quit']);
  });

  it('smtp.auth-required: Exchange 530 5.7.57 to MAIL FROM without AUTH', () => {
    const f = diagnose(smtp([['S', '220 AM0PR01CA0123.outlook.office365.com Microsoft ESMTP MAIL Service ready'], ['C', 'EHLO x'], ['S', '250 SIZE 157286400'], ['C', 'MAIL FROM:<printer@contoso.com>'], ['S', '530 5.7.57 Client not authenticated to send mail. [AM0PR01CA0123.eurprd01.prod.exchangelabs.com]'], ['C', 'QUIT'], ['S', '221 2.0.0 Service closing transmission channel']], { security: 'implicit-tls', serverPort: 465 }));
    expect(f.map((x) => x.id)).toEqual(['smtp.auth-required']);
  });

  it('smtp.starttls-required: AUTH before STARTTLS refused with 530 5.7.0; the AUTH is also a cleartext login', () => {
    const f = diagnose(smtp([POSTFIX, ['C', 'EHLO x'], ['S', '250-mail.example.org'], ['S', '250 STARTTLS'], authPlain('alice', 'pw'), ['S', '530 5.7.0 Must issue a STARTTLS command first'], ['C', 'QUIT'], ['S', '221 2.0.0 Bye']]));
    expect(f.map((x) => x.id).sort()).toEqual(['smtp.cleartext-login', 'smtp.login-failed', 'smtp.starttls-required']);
    expect(only(f, 'smtp.starttls-required')[0]!.message).toBe('Postfix answered AUTH with "530 5.7.0 Must issue a STARTTLS command first": The server accepts AUTH (or mail) only inside TLS, and the client tried on the cleartext connection before STARTTLS (RFC 3207 §4).');
  });

  it('smtp.relay-denied: RCPT to a foreign domain on port 25 without AUTH', () => {
    const f = diagnose(smtp([POSTFIX, ['C', 'EHLO x'], ['S', '250 mail.example.org'], ['C', 'MAIL FROM:<alice@example.org>'], ['S', '250 2.1.0 Ok'], ['C', 'RCPT TO:<bob@example.net>'], ['S', '554 5.7.1 <bob@example.net>: Relay access denied'], ['C', 'QUIT'], ['S', '221 2.0.0 Bye']], { serverPort: 25 }));
    expect(f.map((x) => x.id)).toEqual(['smtp.relay-denied']);
    expect(f[0]!.message).toBe('Postfix answered RCPT with "554 5.7.1 <bob@example.net>: Relay access denied": The server refused to relay to a recipient outside its own domains because it does not trust the client: the client did not authenticate (AUTH), or sent to the MX port 25 instead of the submission port.');
  });

  it('smtp.sender-not-owned: Postfix reject_sender_login_mismatch at RCPT', () => {
    const f = diagnose(smtp([POSTFIX, ...EHLO, authPlain('alice', 'pw'), ['S', '235 2.7.0 Authentication successful'], ['C', 'MAIL FROM:<boss@example.org>'], ['S', '250 2.1.0 Ok'], ['C', 'RCPT TO:<bob@example.net>'], ['S', '553 5.7.1 <boss@example.org>: Sender address rejected: not owned by user alice'], ['C', 'QUIT'], ['S', '221 2.0.0 Bye']], { security: 'implicit-tls', serverPort: 465 }));
    expect(f.map((x) => x.id)).toEqual(['smtp.sender-not-owned']);
  });

  it('smtp.message-too-large: SIZE declared above the advertised limit and 552 5.3.4', () => {
    const f = diagnose(smtp([POSTFIX, ...EHLO, ['C', 'MAIL FROM:<a@example.org> SIZE=20000000'], ['S', '552 5.3.4 Message size exceeds fixed limit'], ['C', 'QUIT'], ['S', '221 2.0.0 Bye']], { security: 'implicit-tls', serverPort: 465 }));
    expect(f.map((x) => x.id)).toEqual(['smtp.message-too-large']);
    expect(f[0]!.message).toBe('The message was too large for the server: MAIL FROM declared SIZE=20000000; the server advertised SIZE 10240000; the server answered MAIL with "552 5.3.4 Message size exceeds fixed limit".');
  });

  it('smtp.early-talker and smtp.slow-greeting', () => {
    const f = diagnose(smtp([['C', 'EHLO eager', ], { side: 'S', text: '220 mail.example.org ESMTP Postfix', delay: 8 }, ['S', '250 mail.example.org'], ['C', 'QUIT'], ['S', '221 Bye']], { security: 'implicit-tls', serverPort: 465 }));
    expect(f.map((x) => x.id).sort()).toEqual(['smtp.early-talker', 'smtp.slow-greeting']);
    expect(only(f, 'smtp.slow-greeting')[0]!.message).toBe("The server's greeting came 8.0 s after the connection was opened (threshold 5 s).");
  });

  it('smtp.port25-blocked: a SYN to port 25 never answered', () => {
    const conv = smtp([], { serverPort: 25, summary: { noAnswer: true, established: false, synFrames: [1, 2, 3] } });
    expect(ids(conv)).toEqual(['smtp.port25-blocked', 'tcp.no-answer']);
  });

  it('smtp.repeated-login-failure and the contrast with a working submission', () => {
    const d = new Diagnoser();
    for (let id = 1; id <= 3; id++) d.conversation(smtp([POSTFIX, ...EHLO, authPlain('alice', 'wrong'), ['S', '535 5.7.8 Error: authentication failed: authentication failure']], { id }));
    d.conversation(smtp([POSTFIX, ...EHLO, ['C', 'STARTTLS'], ['S', '220 2.0.0 Ready to start TLS']], { id: 4 }));
    d.conversation(smtp([POSTFIX, ...EHLO, authPlain('alice@example.org', 'right'), ['S', '235 2.7.0 Authentication successful'], ...SEND], { id: 5, security: 'implicit-tls', serverPort: 587 }));
    const f = d.finish();
    expect(f.map((x) => x.id).sort()).toEqual(['auth.contrast-with-working-session', 'smtp.repeated-login-failure']);
    expect(only(f, 'auth.contrast-with-working-session')[0]!.message).toBe('The login in connection 1 failed where connection 5 to the same server (198.51.100.5:587) worked: the user name had the form a bare name instead of user@domain; the failing login was not encrypted, the working one was inside TLS; a different password was used.');
  });
});
