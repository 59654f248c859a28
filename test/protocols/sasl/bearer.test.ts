import { describe, expect, it } from 'vitest';
import { decodeSasl } from '../../../src/protocols/sasl/index.js';
import { b64, exchange } from './helpers.js';

/** Gmail's XOAUTH2 failure challenge (reference/server-replies.md). */
const GMAIL_ERROR = 'eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==';

const jwtPart = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('XOAUTH2', () => {
  it('suricata-verify/pop3-auth-01 frames 8-14: AUTH XOAUTH2, empty +, response, +OK', () => {
    const r = decodeSasl(exchange('XOAUTH2', [['S', ''], ['C', 'dXNlcj1qb2Uuc3BlZWRib2F0AWF1dGg9QmVhcmVyIEFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUEBAQ==']]));
    expect(r).toEqual({
      mechanism: 'XOAUTH2',
      user: 'joe.speedboat',
      secret: { kind: 'token', value: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      cleartextSecret: true,
      details: { tokenLength: '28', tokenFormat: 'opaque' },
      errors: [],
    });
  });

  it("Gmail's JSON error challenge, the empty client answer, and a JWT's claims without its signature", () => {
    const token = `${jwtPart({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${jwtPart({
      iss: 'https://sts.windows.net/t/', aud: 'https://outlook.office.com', scp: 'IMAP.AccessAsUser.All',
      exp: 1700000000, upn: 'joe@contoso.com', sub: 'not-shown',
    })}.SIGNATURE-NOT-DECODED`;
    const r = decodeSasl(exchange('xoauth2', [['C', b64(`user=joe@contoso.com\x01auth=Bearer ${token}\x01\x01`)], ['S', GMAIL_ERROR], ['C', '']]));
    expect(r.user).toBe('joe@contoso.com');
    expect(r.secret).toEqual({ kind: 'token', value: token });
    expect(r.details).toEqual({
      tokenLength: String(token.length),
      tokenFormat: 'jwt',
      'jwt.alg': 'RS256',
      'jwt.typ': 'JWT',
      'jwt.kid': 'k1',
      'jwt.iss': 'https://sts.windows.net/t/',
      'jwt.aud': 'https://outlook.office.com',
      'jwt.scp': 'IMAP.AccessAsUser.All',
      'jwt.upn': 'joe@contoso.com',
      'jwt.exp': '2023-11-14T22:13:20.000Z',
      serverError: '{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}',
      'serverError.status': '400',
      'serverError.schemes': 'Bearer',
      'serverError.scope': 'https://mail.google.com/',
    });
    // The token itself never leaks into the non-secret facts.
    expect(JSON.stringify(r.details)).not.toContain('SIGNATURE');
    expect(r.errors).toEqual([]);
  });

  it('reports a malformed response', () => {
    const r = decodeSasl(exchange('XOAUTH2', [], b64('user=joe\x01auth=Basic abc')));
    expect(r.errors).toEqual(['XOAUTH2: response does not end with ^A^A', 'XOAUTH2: auth scheme "Basic" is not Bearer']);
    expect(decodeSasl(exchange('XOAUTH2', [], b64('auth=Bearer x\x01\x01'))).errors).toEqual(['XOAUTH2: no user= field']);
  });
});

describe('OAUTHBEARER', () => {
  // RFC 7628 §4.1 and §4.3 (IMAP examples), verbatim.
  const RFC7628_INITIAL = 'bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB';
  const RFC7628_ERROR = 'eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3VyYXRpb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0=';

  it('RFC 7628 §4.1: successful exchange with SASL-IR', () => {
    const r = decodeSasl(exchange('OAUTHBEARER', [], RFC7628_INITIAL));
    expect(r).toEqual({
      mechanism: 'OAUTHBEARER',
      user: 'user@example.com',
      secret: { kind: 'token', value: 'vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==' },
      cleartextSecret: true,
      details: { channelBinding: 'n', host: 'server.example.com', port: '143', tokenLength: '42', tokenFormat: 'opaque' },
      errors: [],
    });
  });

  it('RFC 7628 §4.3: failed exchange, error JSON, client answers AQ==', () => {
    const r = decodeSasl(exchange('OAUTHBEARER', [['S', RFC7628_ERROR], ['C', 'AQ==']], RFC7628_INITIAL));
    expect(r.details['serverError.status']).toBe('invalid_token');
    expect(r.details['serverError.scope']).toBe('example_scope');
    expect(r.details['serverError.openid-configuration']).toBe('https://example.com/.well-known/openid-configuration');
    expect(r.errors).toEqual([]);
  });

  it('decodes saslname escapes and reports a missing gs2 header', () => {
    expect(decodeSasl(exchange('OAUTHBEARER', [], b64('n,a=a=2Cb=3Dc@x,\x01auth=Bearer t\x01\x01'))).user).toBe('a,b=c@x');
    expect(decodeSasl(exchange('OAUTHBEARER', [], b64('\x01auth=Bearer t\x01\x01'))).errors).toEqual([
      'OAUTHBEARER: no gs2 header (expected "n,a=user,")',
    ]);
  });
});
