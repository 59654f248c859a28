import { describe, expect, it } from 'vitest';
import { decodeSasl } from '../../../src/protocols/sasl/index.js';
import { b64, exchange } from './helpers.js';

describe('PLAIN', () => {
  it('zeek/pop3.pcap stream 5, frames 64-67: AUTH PLAIN, then the response on its own line', () => {
    const r = decodeSasl(exchange('PLAIN', [['S', ''], ['C', 'AGRpZ2l0YWxpbnZlc3RpZ2F0b3JAbmV0d29ya3NpbXMuY29tAG5hcGllcjEyMw==']]));
    expect(r).toEqual({
      mechanism: 'PLAIN',
      user: 'digitalinvestigator@networksims.com',
      secret: { kind: 'password', value: 'napier123' },
      cleartextSecret: true,
      details: {},
      errors: [],
    });
  });

  it('zeek/pop3.pcap stream 3, frames 35-38: the failed attempt with another password', () => {
    const r = decodeSasl(exchange('plain', [['S', ''], ['C', 'AGRpZ2l0YWxpbnZlc3RpZ2F0b3JAbmV0d29ya3NpbXMuY29tAG5hcGllcg==']]));
    expect(r.secret).toEqual({ kind: 'password', value: 'napier' });
    expect(r.mechanism).toBe('PLAIN');
  });

  it('BruteShark "IMAP - Authenticate Plain (Base64).pcap" frame 10: initial response on the command line', () => {
    const r = decodeSasl(exchange('PLAIN', [], 'AGRpZ2l0YWxpbnZlc3RpZ2F0b3JAbmV0d29ya3NpbXMuY29tAG5hcGllcjEyMw=='));
    expect(r.user).toBe('digitalinvestigator@networksims.com');
    expect(r.secret?.value).toBe('napier123');
  });

  it('RFC 4616 §4: authzid Ursel, authcid Kurt', () => {
    const r = decodeSasl(exchange('PLAIN', [], b64('Ursel\0Kurt\0xipj3plmq')));
    expect([r.authzid, r.user, r.secret?.value]).toEqual(['Ursel', 'Kurt', 'xipj3plmq']);
  });

  it('keeps UTF-8 passwords and reports a missing separator', () => {
    expect(decodeSasl(exchange('PLAIN', [], b64('\0jöe\0pässwörd'))).secret?.value).toBe('pässwörd');
    const one = decodeSasl(exchange('PLAIN', [], b64('joe\0secret')));
    expect([one.user, one.secret?.value]).toEqual(['joe', 'secret']);
    expect(one.errors).toEqual(['PLAIN: 1 NUL separator instead of 2 (authzid NUL authcid NUL passwd); read as authcid NUL passwd']);
    const none = decodeSasl(exchange('PLAIN', [], b64('joe secret')));
    expect(none.secret).toBeUndefined();
    expect(none.errors).toEqual(['PLAIN: 0 NUL separators, expected 2 (authzid NUL authcid NUL passwd)']);
  });

  it('bad base64 and cancel are values, not exceptions', () => {
    expect(decodeSasl(exchange('PLAIN', [['S', ''], ['C', 'not base64!']])).errors).toEqual([
      'PLAIN response: not base64 (characters outside A-Z a-z 0-9 + / =)',
    ]);
    const c = decodeSasl(exchange('PLAIN', [['S', ''], ['C', '*']], undefined, true));
    expect(c.errors).toEqual([]);
    expect(c.details).toEqual({ cancelled: 'client cancelled with *' });
  });

  it("'=' initial response is the empty message", () => {
    expect(decodeSasl(exchange('PLAIN', [], '=')).errors).toEqual(['PLAIN: 0 NUL separators, expected 2 (authzid NUL authcid NUL passwd)']);
  });
});

describe('LOGIN', () => {
  it('protolens/imap_fetch.pcap frames 7-11: raw-text prompts and raw-text replies', () => {
    const user = 'aaaatremelylongusernamezzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz';
    const pass = 'anextremelylongpasswordyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy';
    // Both replies are valid base64 by alphabet, which is why the decoder must not trust that alone.
    const r = decodeSasl(exchange('login', [['S', 'User Name'], ['C', user], ['S', 'Password'], ['C', pass]]));
    expect(r).toEqual({
      mechanism: 'LOGIN',
      user,
      secret: { kind: 'password', value: pass },
      cleartextSecret: true,
      details: { promptEncoding: 'raw text (not base64)', replyEncoding: 'raw text (not base64)' },
      errors: [],
    });
  });

  it('draft-murchison-sasl-login: base64 prompts and replies', () => {
    const r = decodeSasl(exchange('LOGIN', [['S', 'VXNlcm5hbWU6'], ['C', b64('tim')], ['S', 'UGFzc3dvcmQ6'], ['C', b64('tanstaaftanstaaf')]]));
    expect([r.user, r.secret?.value, r.details]).toEqual(['tim', 'tanstaaftanstaaf', {}]);
  });

  it('empty prompts, SASL-IR username, and a raw reply to base64 prompts', () => {
    const empty = decodeSasl(exchange('LOGIN', [['S', ''], ['C', b64('u@x.org')], ['S', ''], ['C', b64('pw')]]));
    expect([empty.user, empty.secret?.value]).toEqual(['u@x.org', 'pw']);
    const ir = decodeSasl(exchange('LOGIN', [['S', 'UGFzc3dvcmQ6'], ['C', b64('pw')]], b64('u')));
    expect([ir.user, ir.secret?.value]).toEqual(['u', 'pw']);
    const raw = decodeSasl(exchange('LOGIN', [['S', 'VXNlcm5hbWU6'], ['C', 'u@x.org'], ['S', 'UGFzc3dvcmQ6'], ['C', b64('pw')]]));
    expect([raw.user, raw.secret?.value, raw.details.replyEncoding]).toEqual(['u@x.org', 'pw', 'raw text (not base64)']);
  });

  it('reports extra client messages and a missing user', () => {
    const r = decodeSasl(exchange('LOGIN', [['C', b64('a')], ['C', b64('b')], ['C', b64('c')]]));
    expect(r.errors).toEqual(['LOGIN: unexpected client message #3']);
    expect(decodeSasl(exchange('LOGIN', [['S', 'VXNlcm5hbWU6']])).errors).toEqual(['LOGIN: no username sent']);
  });
});
