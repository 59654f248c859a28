import { describe, expect, it } from 'vitest';
import { lookupReply, SERVER_REPLIES, type ReplyContext } from '../../src/diagnose/knowledge/lookup.js';

function ctx(over: Partial<ReplyContext>): ReplyContext {
  return { product: 'unknown', protocol: 'imap', status: 'NO', text: '', serverPort: 143, encrypted: false, ...over };
}

describe('knowledge base lookup (pure)', () => {
  it('entry keys are unique and kebab-case', () => {
    const keys = SERVER_REPLIES.map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of keys) expect(k).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('Exchange 2003 "Expected SPACE not found" → quoting advice', () => {
    const e = lookupReply(ctx({ product: 'exchange', status: 'BAD', text: 'Protocol Error: "Expected SPACE not found".', command: 'AUTH' }));
    expect(e?.key).toBe('exchange-expected-space');
    expect(e?.fix).toContain('"DOMAIN\\\\user"');
  });

  it('Exchange 2007 NO LOGIN failed on 143 without TLS → plaintext login disabled', () => {
    const e = lookupReply(ctx({ product: 'exchange', version: '2007', text: 'LOGIN failed.', command: 'LOGIN' }));
    expect(e?.finding).toBe('exchange.plaintext-login-disabled');
    expect(e?.fix).toContain('Set-ImapSettings -LoginType PlainTextLogin');
    expect(e?.fix).toMatch(/restart/i);
  });

  it('the same reply inside TLS, or when capabilities did not forbid LOGIN, is a plain login failure', () => {
    expect(lookupReply(ctx({ product: 'exchange', text: 'LOGIN failed.', command: 'LOGIN', encrypted: true }))?.key).toBe('generic-login-failed');
    expect(lookupReply(ctx({ product: 'exchange', text: 'LOGIN failed.', command: 'LOGIN', loginDisabled: false }))?.key).toBe('generic-login-failed');
    expect(lookupReply(ctx({ product: 'exchange', text: 'LOGIN failed.', command: 'LOGIN', loginDisabled: true }))?.finding).toBe('exchange.plaintext-login-disabled');
  });

  it('Exchange 2013 ProxyNotAuthenticated → X509CertificateName fix', () => {
    const e = lookupReply(ctx({ product: 'exchange', code: 'Error=ProxyNotAuthenticated Proxy=MBX01.corp.example:1993:SSL', text: 'LOGIN failed.', command: 'LOGIN', encrypted: true }));
    expect(e?.finding).toBe('exchange.proxy-not-authenticated');
    expect(e?.fix).toContain('Set-ImapSettings -X509CertificateName');
    expect(e?.fix).toMatch(/password/);
  });

  it('Microsoft 365 refusals → basic auth disabled', () => {
    expect(lookupReply(ctx({ product: 'm365', text: 'LOGIN failed.', command: 'LOGIN', encrypted: true }))?.finding).toBe('m365.basic-auth-disabled');
    expect(lookupReply(ctx({ product: 'm365', text: 'AUTHENTICATE failed.', command: 'AUTHENTICATE', encrypted: true }))?.finding).toBe('m365.basic-auth-disabled');
    expect(lookupReply(ctx({ product: 'm365', protocol: 'pop3', status: '-ERR', text: 'Logon failure: unknown user name or bad password.', command: 'PASS', encrypted: true }))?.finding).toBe('m365.basic-auth-disabled');
  });

  it('Gmail: app password, web login, AUTHENTICATIONFAILED', () => {
    expect(lookupReply(ctx({ product: 'gmail', code: 'ALERT', text: 'Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)' }))?.finding).toBe('gmail.app-password-required');
    expect(lookupReply(ctx({ product: 'gmail', protocol: 'pop3', status: '-ERR', code: 'AUTH', text: 'Application-specific password required: http://support.google.com/accounts/bin/answer.py?answer=185833' }))?.finding).toBe('gmail.app-password-required');
    expect(lookupReply(ctx({ product: 'gmail', code: 'ALERT', text: 'Please log in via your web browser: https://support.google.com/mail/accounts/answer/78754 (Failure)' }))?.finding).toBe('gmail.web-login-required');
    expect(lookupReply(ctx({ product: 'gmail', code: 'AUTHENTICATIONFAILED', text: 'Invalid credentials (Failure)' }))?.key).toBe('gmail-invalid-credentials');
  });

  it('Dovecot PRIVACYREQUIRED (2.3 and 2.4 wording) and AUTHENTICATIONFAILED', () => {
    for (const w of ['Plaintext', 'Cleartext']) {
      const e = lookupReply(ctx({ product: 'dovecot', code: 'PRIVACYREQUIRED', text: `${w} authentication disallowed on non-secure (SSL/TLS) connections.` }));
      expect(e?.finding).toBe('dovecot.plaintext-disallowed');
    }
    expect(lookupReply(ctx({ product: 'dovecot', code: 'AUTHENTICATIONFAILED', text: 'Authentication failed.' }))?.key).toBe('imap-authenticationfailed');
    expect(lookupReply(ctx({ product: 'dovecot', status: 'BAD', code: 'ALERT', text: 'Plaintext authentication not allowed without SSL/TLS, but your client did it anyway. If anyone was listening, the password was exposed.' }))?.finding).toBe('dovecot.password-exposed');
    expect(lookupReply(ctx({ product: 'dovecot', status: 'BAD', text: 'Error in IMAP command received by server.' }))?.key).toBe('dovecot-error-in-command');
    expect(lookupReply(ctx({ product: 'dovecot', code: 'UNAVAILABLE', text: 'Temporary authentication failure.' }))?.key).toBe('dovecot-auth-temp');
    expect(lookupReply(ctx({ product: 'dovecot', code: 'LIMIT', text: 'Maximum number of connections from user+IP exceeded (mail_max_userip_connections=10)' }))?.finding).toBe('dovecot.connection-limit');
  });

  it('Cyrus and Courier', () => {
    expect(lookupReply(ctx({ product: 'cyrus', text: 'Login only available under a layer' }))?.finding).toBe('cyrus.plaintext-disallowed');
    expect(lookupReply(ctx({ product: 'cyrus', protocol: 'pop3', status: '-ERR', code: 'AUTH', text: 'USER command only available under a layer' }))?.finding).toBe('cyrus.plaintext-disallowed');
    expect(lookupReply(ctx({ product: 'cyrus', text: 'Login failed: authentication failure' }))?.key).toBe('cyrus-login-failed');
    expect(lookupReply(ctx({ product: 'courier', text: 'STARTTLS required' }))?.finding).toBe('courier.tls-required');
    expect(lookupReply(ctx({ product: 'courier', protocol: 'pop3', status: '-ERR', text: 'TLS required to log in.' }))?.finding).toBe('courier.tls-required');
    expect(lookupReply(ctx({ product: 'courier', text: 'Login failed.' }))?.key).toBe('courier-login-failed');
  });

  it('POP3 [AUTH], [IN-USE], [SYS/TEMP] codes', () => {
    const p = (code: string) => lookupReply(ctx({ protocol: 'pop3', status: '-ERR', code, text: 'whatever' }))?.key;
    expect(p('AUTH')).toBe('pop3-auth');
    expect(p('IN-USE')).toBe('pop3-in-use');
    expect(p('SYS/TEMP')).toBe('pop3-sys-temp');
    expect(p('SYS/PERM')).toBe('pop3-sys-perm');
    expect(p('LOGIN-DELAY')).toBe('pop3-login-delay');
  });

  it('an IMAP entry never answers a POP3 reply and vice versa', () => {
    expect(lookupReply(ctx({ protocol: 'pop3', status: '-ERR', code: 'AUTHENTICATIONFAILED', text: 'x' }))).toBeUndefined();
    expect(lookupReply(ctx({ protocol: 'imap', code: 'IN-USE', text: 'x' }))).toBeUndefined();
  });

  it('an unknown reply has no entry', () => {
    expect(lookupReply(ctx({ text: 'Something odd happened' }))).toBeUndefined();
  });
});
