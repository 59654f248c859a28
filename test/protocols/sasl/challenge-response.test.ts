import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeSasl } from '../../../src/protocols/sasl/index.js';
import { b64, exchange } from './helpers.js';

/** What a password auditor does with a `$cram_md5$` line: HMAC-MD5(password, challenge) == digest. */
function cramMatches(line: string, password: string): boolean {
  const m = /^[^:]*:\$cram_md5\$([^$]+)\$([^$]+)$/.exec(line);
  if (m === null) return false;
  const challenge = Buffer.from(m[1]!, 'base64');
  const [, digest] = /^.* ([0-9a-f]{32})$/.exec(Buffer.from(m[2]!, 'base64').toString())!;
  return createHmac('md5', password).update(challenge).digest('hex') === digest;
}

describe('CRAM-MD5', () => {
  it('RFC 2195 §2 example: the crackable line recovers tanstaaftanstaaf', () => {
    const r = decodeSasl(exchange('CRAM-MD5', [
      ['S', 'PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+'],
      ['C', 'dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw'],
    ]));
    expect(r.user).toBe('tim');
    expect(r.secret).toEqual({ kind: 'hash', value: 'b913a602c7eda7a495b4e6e7334d3890' });
    expect(r.cleartextSecret).toBe(false);
    expect(r.details).toEqual({ challenge: '<1896.697170952@postoffice.reston.mci.net>' });
    expect(r.crackable?.format).toBe('cram-md5');
    expect(cramMatches(r.crackable!.line, 'tanstaaftanstaaf')).toBe(true);
    expect(cramMatches(r.crackable!.line, 'wrong')).toBe(false);
  });

  it('BruteShark "IMAP - Authenticate CRAM-MD5.cap" frames 16-20', () => {
    const r = decodeSasl(exchange('cram-md5', [
      ['S', 'PDY3ODgzMTMwNDUyNDg0MTEuMTEzOTI3NTYyMkBsaW51cy5pbnMuY29tPg=='],
      ['C', 'aGVtbWluZ3dheSAyOWYyMGI2NjkzNDdhYTA4MTc0OTA2NWQ5MDNhNDllNA=='],
    ]));
    expect(r).toEqual({
      mechanism: 'CRAM-MD5',
      user: 'hemmingway',
      secret: { kind: 'hash', value: '29f20b669347aa081749065d903a49e4' },
      cleartextSecret: false,
      details: { challenge: '<6788313045248411.1139275622@linus.ins.com>' },
      crackable: {
        format: 'cram-md5',
        line: 'hemmingway:$cram_md5$PDY3ODgzMTMwNDUyNDg0MTEuMTEzOTI3NTYyMkBsaW51cy5pbnMuY29tPg==$aGVtbWluZ3dheSAyOWYyMGI2NjkzNDdhYTA4MTc0OTA2NWQ5MDNhNDllNA==',
      },
      errors: [],
    });
  });

  it('without a challenge: no crackable line, and says why', () => {
    const r = decodeSasl(exchange('CRAM-MD5', [['C', b64('tim nothex')]]));
    expect(r.crackable).toBeUndefined();
    expect(r.errors).toEqual(['CRAM-MD5: no server challenge', 'CRAM-MD5: digest is not 32 lower-case hex digits']);
  });
});

/** RFC 2831 §2.1.2.1 response-value for qop=auth, as John's dmd5 format computes it. */
function digestResponse(user: string, realm: string, password: string, nonce: string, cnonce: string, nc: string, qop: string, uri: string, authzid?: string): string {
  const md5 = (b: Buffer | string) => createHash('md5').update(b).digest();
  const hex = (b: Buffer | string) => createHash('md5').update(b).digest('hex');
  const a1 = Buffer.concat([md5(`${user}:${realm}:${password}`), Buffer.from(`:${nonce}:${cnonce}${authzid ? `:${authzid}` : ''}`)]);
  return hex(`${hex(a1)}:${nonce}:${nc}:${cnonce}:${qop}:${hex(`AUTHENTICATE:${uri}`)}`);
}

describe('DIGEST-MD5', () => {
  it('BruteShark "IMAP - Authenticate Digest-MD5.pcap" frames 10-17', () => {
    const r = decodeSasl(exchange('DIGEST-MD5', [
      ['S', 'cmVhbG09IiIsbm9uY2U9ImhaYTV6aXVTMEVRT25mWnZBOEM2MGc9PSIscW9wPSJhdXRoIixjaGFyc2V0PSJ1dGYtOCIsYWxnb3JpdGhtPSJtZDUtc2VzcyI='],
      ['C', 'dXNlcm5hbWU9ImhlbW1pbmd3YXkiLHJlYWxtPSIiLG5vbmNlPSJoWmE1eml1UzBFUU9uZlp2QThDNjBnPT0iLGNub25jZT0iNGhnb0ZpZEk5RHc9IixuYz0wMDAwMDAwMSxxb3A9YXV0aCxkaWdlc3QtdXJpPSJpbWFwLzEwLjAuMS4xMDIiLHJlc3BvbnNlPTRhMGRhMTYzY2U1NjcyODdmZmE3NzdiYTJlZmJjOTdlLGNoYXJzZXQ9dXRmLTg='],
      ['S', 'cnNwYXV0aD1kMTAzN2RlYTExMDQ1ZTcyMTYyNzNiZGE2YTI5NGJlYg=='],
      ['C', ''],
    ]));
    expect(r).toEqual({
      mechanism: 'DIGEST-MD5',
      user: 'hemmingway',
      secret: { kind: 'hash', value: '4a0da163ce567287ffa777ba2efbc97e' },
      cleartextSecret: false,
      details: {
        offeredRealm: '', offeredQop: 'auth', algorithm: 'md5-sess', charset: 'utf-8', realm: '',
        digestUri: 'imap/10.0.1.102', qop: 'auth', nc: '00000001', rspauth: 'present (server proved it knows the password)',
      },
      crackable: {
        format: 'dmd5',
        line: 'hemmingway:$DIGEST-MD5$hemmingway$$hZa5ziuS0EQOnfZvA8C60g==$imap/10.0.1.102$4hgoFidI9Dw=$00000001$auth$4a0da163ce567287ffa777ba2efbc97e',
      },
      errors: [],
    });
  });

  it('RFC 2831 §4 example (IMAP, chris/secret): the crackable line recovers the password', () => {
    // The RFC's response value, verbatim; recomputing it from "secret" proves the line is complete.
    const response = 'd388dad90d4bbd760a152321f2143af7';
    const challenge = 'realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8';
    const client = `charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",nc=00000001,cnonce="OA6MHXh6VqTrRk",digest-uri="imap/elwood.innosoft.com",response=${response},qop=auth`;
    const r = decodeSasl(exchange('DIGEST-MD5', [['S', b64(challenge)], ['C', b64(client)]]));
    const f = r.crackable!.line.split(':$DIGEST-MD5$')[1]!.split('$');
    expect(f).toEqual(['chris', 'elwood.innosoft.com', 'OA6MG9tEQGm2hh', 'imap/elwood.innosoft.com', 'OA6MHXh6VqTrRk', '00000001', 'auth', response]);
    expect(digestResponse(f[0]!, f[1]!, 'secret', f[2]!, f[4]!, f[5]!, f[6]!, f[3]!)).toBe(f[7]);
  });

  it('quoted-string escapes, several realms, authzid, unterminated quote', () => {
    const r = decodeSasl(exchange('DIGEST-MD5', [
      ['S', b64('realm="a",realm="b",nonce="n"')],
      ['C', b64('username="jo\\"e",nonce="n",cnonce="c",nc=00000001,digest-uri="imap/h",response=00,authzid="boss"')],
    ]));
    expect([r.user, r.authzid, r.details.offeredRealm]).toEqual(['jo"e', 'boss', 'a, b']);
    expect(r.crackable!.line.endsWith('$boss')).toBe(true);
    expect(decodeSasl(exchange('DIGEST-MD5', [['S', b64('nonce="x')]])).errors).toContain('DIGEST-MD5: unterminated quoted value for nonce');
  });
});

describe('SCRAM', () => {
  /** RFC 5802 §3: ClientProof = ClientKey XOR HMAC(H(ClientKey), AuthMessage). */
  function proof(hash: 'sha1' | 'sha256', password: string, salt: string, i: number, authMessage: string): string {
    const salted = pbkdf2Sync(password, Buffer.from(salt, 'base64'), i, hash === 'sha1' ? 20 : 32, hash);
    const clientKey = createHmac(hash, salted).update('Client Key').digest();
    const sig = createHmac(hash, createHash(hash).update(clientKey).digest()).update(authMessage).digest();
    return Buffer.from(clientKey.map((v, k) => v ^ sig[k]!)).toString('base64');
  }

  it.each([
    // RFC 5802 §5 (SCRAM-SHA-1) and RFC 7677 §3 (SCRAM-SHA-256), user "user", password "pencil".
    ['SCRAM-SHA-1', 'sha1', 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL', 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
      'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=', 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ='],
    ['scram-sha-256', 'sha256', 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO', 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='],
  ] as const)('%s RFC example', (mech, hash, c1, s1, c2, s2) => {
    const r = decodeSasl(exchange(mech, [['S', b64(s1)], ['C', b64(c2)], ['S', b64(s2)], ['C', '']], b64(c1)));
    const p = c2.slice(c2.indexOf(',p=') + 3);
    expect(r).toEqual({
      mechanism: mech.toUpperCase(),
      user: 'user',
      secret: { kind: 'response', value: p },
      cleartextSecret: false,
      details: { channelBinding: 'n', salt: /s=([^,]+)/.exec(s1)![1], iterations: '4096', serverSignature: 'present' },
      errors: [],
    });
    // The fixture is the RFC's: the proof really is the one "pencil" gives.
    const authMessage = `${c1.slice(3)},${s1},${c2.slice(0, c2.indexOf(',p='))}`;
    expect(proof(hash, 'pencil', r.details.salt!, 4096, authMessage)).toBe(p);
  });

  it('authzid, escaped user name, server error', () => {
    const r = decodeSasl(exchange('SCRAM-SHA-256-PLUS', [['S', b64('e=unknown-user')]], b64('p=tls-exporter,a=adm=2Cin,n=j=3Do,r=abc')));
    expect([r.user, r.authzid, r.details.channelBinding, r.details.serverError]).toEqual(['j=o', 'adm,in', 'p=tls-exporter', 'unknown-user']);
  });
});
