import { describe, expect, it } from 'vitest';
import { Diagnoser } from '../../src/diagnose/diagnose.js';
import { diagnose, ids, only, pop3, type Step } from './helpers.js';

const GREETING: Step = ['S', '+OK Dovecot ready. <1896.697170952@dbc.mtview.ca.us>'];
const CAPA: Step[] = [['C', 'CAPA'], ['S', '+OK'], ['S', 'CAPA'], ['S', 'TOP'], ['S', 'UIDL'], ['S', 'USER'], ['S', 'SASL PLAIN'], ['S', 'STLS'], ['S', '.']];

/** A well-behaved session over implicit TLS (995): the dissector is fed the decrypted plaintext. */
function cleanSession(): Step[] {
  return [GREETING, ...CAPA, ['C', 'USER alice'], ['S', '+OK'], ['C', 'PASS s3cret-Pw'], ['S', '+OK Logged in.'], ['C', 'STAT'], ['S', '+OK 2 320'], ['C', 'QUIT'], ['S', '+OK Logging out.']];
}

describe('POP3 rules on real dialogues', () => {
  it('a clean session over TLS raises nothing', () => {
    expect(ids(pop3(cleanSession(), { security: 'implicit-tls', serverPort: 995 }))).toEqual([]);
  });

  it('pop3.cleartext-login: USER/PASS on port 110 without TLS, message without the password', () => {
    const f = diagnose(pop3(cleanSession()));
    expect(f.map((x) => x.id).sort()).toEqual(['pop3.cleartext-login']);
    expect(f[0]!.message).toContain('"alice"');
    expect(f[0]!.message).toContain('a 9-character password');
    expect(f[0]!.message).not.toContain('s3cret');
  });

  it('pop3.login-failed with [AUTH] and its meaning; pop3.no-quit when the client just leaves', () => {
    const conv = pop3([GREETING, ...CAPA, ['C', 'USER alice'], ['S', '+OK'], ['C', 'PASS wrong-one'], ['S', '-ERR [AUTH] Authentication failed.']], { security: 'implicit-tls', serverPort: 995 });
    const f = diagnose(conv);
    expect(f.map((x) => x.id).sort()).toEqual(['pop3.login-failed', 'pop3.no-quit']);
    const lf = only(f, 'pop3.login-failed')[0]!;
    expect(lf.severity).toBe('error');
    expect(lf.args.responseCode).toBe('AUTH');
    expect(lf.args.knowledge).toBe('pop3-auth');
    expect(lf.message).toContain('-ERR [AUTH] Authentication failed.');
    expect(lf.message).not.toContain('wrong-one');
  });

  it('pop3.login-failed explains [IN-USE] and [SYS/TEMP]', () => {
    for (const [code, key] of [['IN-USE', 'pop3-in-use'], ['SYS/TEMP', 'pop3-sys-temp']] as const) {
      const conv = pop3([GREETING, ['C', 'USER bob'], ['S', '+OK'], ['C', 'PASS pw123'], ['S', `-ERR [${code}] Try later`], ['C', 'QUIT'], ['S', '+OK']], { security: 'implicit-tls', serverPort: 995 });
      const lf = only(diagnose(conv), 'pop3.login-failed')[0]!;
      expect(lf.args.knowledge).toBe(key);
    }
  });

  it('pop3.unknown-command suggests the POP3 command (LOGIN → USER and PASS)', () => {
    const conv = pop3([GREETING, ['C', 'LOGIN bob secretpw'], ['S', '-ERR Unknown command: LOGIN'], ['C', 'QUIT'], ['S', '+OK']], { security: 'implicit-tls', serverPort: 995 });
    const f = only(diagnose(conv), 'pop3.unknown-command');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('USER and PASS');
    expect(f[0]!.message).not.toContain('secretpw');
  });

  it('pop3.skipped-capa (info) when the client logs in without CAPA', () => {
    const conv = pop3([GREETING, ['C', 'USER bob'], ['S', '+OK'], ['C', 'PASS pw123'], ['S', '+OK'], ['C', 'QUIT'], ['S', '+OK']], { security: 'implicit-tls', serverPort: 995 });
    const f = diagnose(conv);
    expect(f.map((x) => `${x.id}:${x.severity}`)).toEqual(['pop3.skipped-capa:info']);
  });

  it('pop3.apop-md5', () => {
    const conv = pop3([GREETING, ['C', 'APOP mrose c4c9334bac560ecc979e58001b3e22fb'], ['S', '+OK maildrop has 1 message'], ['C', 'QUIT'], ['S', '+OK']]);
    const f = diagnose(conv);
    expect(f.map((x) => x.id)).toContain('pop3.apop-md5');
    expect(f.map((x) => x.id)).not.toContain('pop3.cleartext-login');
    expect(only(f, 'pop3.apop-md5')[0]!.message).not.toContain('c4c9334b');
  });

  it('pop3.login-disabled-ignored: USER/PASS although CAPA offered no USER before STLS', () => {
    const conv = pop3([
      GREETING, ['C', 'CAPA'], ['S', '+OK'], ['S', 'TOP'], ['S', 'STLS'], ['S', 'SASL'], ['S', '.'],
      ['C', 'USER bob'], ['S', '-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.'],
      ['C', 'PASS pw123'], ['S', '-ERR No username given.'], ['C', 'QUIT'], ['S', '+OK'],
    ]);
    const f = diagnose(conv);
    expect(f.map((x) => x.id)).toContain('pop3.login-disabled-ignored');
    expect(only(f, 'pop3.login-disabled-ignored')[0]!.message).toContain('did not offer USER');
  });

  it('pop3.credential-whitespace: password with a trailing space', () => {
    const conv = pop3([GREETING, ...CAPA, ['C', 'USER bob'], ['S', '+OK'], ['C', 'PASS pw123 '], ['S', '-ERR [AUTH] Authentication failed.'], ['C', 'QUIT'], ['S', '+OK']], { security: 'implicit-tls', serverPort: 995 });
    const f = only(diagnose(conv), 'pop3.credential-whitespace');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('password ends with a space');
    expect(f[0]!.message).not.toContain('pw123');
  });

  it('pop3.malformed: a server line that is not a status line', () => {
    const conv = pop3([GREETING, ['C', 'NOOP'], ['S', 'garbage here'], ['S', '+OK'], ['C', 'QUIT'], ['S', '+OK']], { security: 'implicit-tls', serverPort: 995 });
    const f = only(diagnose(conv), 'pop3.malformed');
    expect(f).toHaveLength(1);
    expect(f[0]!.args.server).toBe(1);
  });

  it('pop3.truncated-response: the connection ends inside RETR', () => {
    const conv = pop3([GREETING, ...CAPA, ['C', 'USER bob'], ['S', '+OK'], ['C', 'PASS pw123'], ['S', '+OK'], ['C', 'RETR 1'], ['S', '+OK 300 octets'], ['S', 'Subject: hi'], ['S', '']], { security: 'implicit-tls', serverPort: 995 });
    expect(ids(conv)).toContain('pop3.truncated-response');
  });

  it('pop3.starttls-failed: STLS refused, then USER/PASS in cleartext', () => {
    const conv = pop3([GREETING, ['C', 'STLS'], ['S', '-ERR TLS support not enabled'], ['C', 'USER bob'], ['S', '+OK'], ['C', 'PASS pw123'], ['S', '+OK'], ['C', 'QUIT'], ['S', '+OK']]);
    const f = diagnose(conv);
    expect(f.map((x) => x.id).sort()).toEqual(['pop3.cleartext-login', 'pop3.skipped-capa', 'pop3.starttls-failed']);
    expect(only(f, 'pop3.starttls-failed')[0]!.message).toContain('without encryption');
  });

  it('pop3.auth-cancelled (info)', () => {
    const conv = pop3([GREETING, ...CAPA, ['C', 'AUTH CRAM-MD5'], ['S', '+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+'], ['C', '*'], ['S', '-ERR Authentication aborted'], ['C', 'QUIT'], ['S', '+OK']], { security: 'implicit-tls', serverPort: 995 });
    expect(ids(conv)).toEqual(['pop3.auth-cancelled']);
  });
});

describe('POP3 capture-level rules', () => {
  it('pop3.repeated-login-failure after three failing connections from one client, same password', () => {
    const d = new Diagnoser();
    for (let id = 1; id <= 3; id++) {
      d.conversation(pop3([GREETING, ['C', 'USER bob'], ['S', '+OK'], ['C', 'PASS samepw'], ['S', '-ERR [AUTH] Authentication failed.'], ['C', 'QUIT'], ['S', '+OK']], { id, security: 'implicit-tls', serverPort: 995 }));
    }
    const f = d.finish();
    expect(f.map((x) => x.id)).toEqual(['pop3.repeated-login-failure']);
    expect(f[0]!.args.failures).toBe(3);
    expect(f[0]!.args.samePassword).toBe(true);
    expect(f[0]!.message).toContain('same password');
    expect(f[0]!.message).not.toContain('samepw');
  });

  it('two failures are not "repeated"; a failure beside a success gives the contrast', () => {
    const d = new Diagnoser();
    d.conversation(pop3([GREETING, ['C', 'USER bob'], ['S', '+OK'], ['C', 'PASS pw-one'], ['S', '-ERR [AUTH] Authentication failed.'], ['C', 'QUIT'], ['S', '+OK']], { id: 1, clientIp: '192.0.2.77' }));
    d.conversation(pop3([GREETING, ...CAPA, ['C', 'STLS'], ['S', '+OK Begin TLS']], { id: 2 }));
    d.conversation(pop3([GREETING, ...CAPA, ['C', 'USER bob'], ['S', '+OK'], ['C', 'PASS pw-two'], ['S', '+OK'], ['C', 'QUIT'], ['S', '+OK']], { id: 3, security: 'implicit-tls' }));
    const f = d.finish();
    expect(f.map((x) => x.id)).toEqual(['auth.contrast-with-working-session']);
    expect(f[0]!.message).toContain('never asked CAPA');
    expect(f[0]!.message).toContain('a different password');
  });
});
