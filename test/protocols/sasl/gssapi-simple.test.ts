import { describe, expect, it } from 'vitest';
import { decodeSasl } from '../../../src/protocols/sasl/index.js';
import { b64, exchange } from './helpers.js';

/**
 * Hand-assembled per RFC 4121 §4.1 / RFC 4120 §5.5.1 (no Kerberos capture in the corpus): an
 * InitialContextToken with the krb5 OID, TOK_ID 01 00 and an AP-REQ whose ticket is for
 * imap/mail.example.com@EXAMPLE.COM, enctype 18; encrypted parts are filler (0x55, 0x66).
 *   60 81b4  06 09 2a864886f712010202  0100
 *     6e 81a4 30 81a1 a0(pvno 5) a1(msg-type 14) a2(ap-options)
 *       a3 6f 61 6d 30 6b a0(tkt-vno 5) a1 1b "EXAMPLE.COM"
 *             a2 30 a0(name-type 2) a1 30 1b "imap" 1b "mail.example.com"
 *             a3 30 a0(etype 18) a1(kvno 2) a2 04 20 55…
 *       a4 1b 30 19 a0(etype 18) a2 04 10 66…
 */
const AP_REQ = 'YIG0BgkqhkiG9xIBAgIBAG6BpDCBoaADAgEFoQMCAQ6iBwMFACAAAACjb2FtMGugAwIBBaENGwtFWEFNUExFLkNPTaIjMCGgAwIBAqEaMBgbBGltYXAbEG1haWwuZXhhbXBsZS5jb22jMDAuoAMCARKhAwIBAqIiBCBVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVaQbMBmgAwIBEqISBBBmZmZmZmZmZmZmZmZmZmZm';

// arkime/ntlm_synthetic.pcap frame 16 (SMB session setup): the SPNEGO NegTokenInit security blob
// wrapping an NTLM NEGOTIATE, extracted from `tshark -T fields -e tcp.payload`.
const SPNEGO_NTLM = 'YFUGBisGAQUFAqBLMEmgDjAMBgorBgEEAYI3AgIKojcENU5UTE1TU1AAAQAAAAcCAAIGAAYAKAAAAAcABwAuAAAACgB8TwAAAA9TUE5ET01TUE5IT1NU';

describe('GSSAPI', () => {
  it('Kerberos AP-REQ: realm, SPN and ticket enctype, no user, no secret', () => {
    const r = decodeSasl(exchange('GSSAPI', [['S', ''], ['C', AP_REQ], ['S', 'YGgGCSqGSIb3EgECAgIAb1kwV6ADAgEFoQMCAQ8=']]));
    expect(r).toEqual({
      mechanism: 'GSSAPI',
      cleartextSecret: false,
      details: {
        clientTokens: '1',
        serverTokens: '1',
        gssMechanism: '1.2.840.113554.1.2.2 (Kerberos V5)',
        kerberos: 'AP-REQ with service ticket',
        realm: 'EXAMPLE.COM',
        spn: 'imap/mail.example.com',
        ticketEnctype: '18 (aes256-cts-hmac-sha1-96)',
      },
      errors: [],
    });
  });

  it('every truncation of the AP-REQ is reported, never thrown', () => {
    const full = Buffer.from(AP_REQ, 'base64');
    for (let n = 0; n < full.length; n++) {
      const r = decodeSasl(exchange('GSSAPI', [['C', full.subarray(0, n).toString('base64')]]));
      expect(r.errors.length, `cut at ${n}`).toBeGreaterThan(0);
      expect(r.errors.some((e) => e.startsWith('internal'))).toBe(false);
    }
  });

  it('GSS-SPNEGO wrapping NTLM: the NTLM NEGOTIATE inside is decoded', () => {
    const r = decodeSasl(exchange('GSS-SPNEGO', [], SPNEGO_NTLM));
    expect(r.details).toMatchObject({
      gssMechanism: '1.3.6.1.5.5.2 (SPNEGO)',
      wrapped: 'NTLMSSP',
      'ntlm.clientDomain': 'SPNDOM',
      'ntlm.clientWorkstation': 'SPNHOST',
      'ntlm.clientVersion': '10.0.20348 (NTLM revision 15)',
    });
    expect(r.errors).toEqual([]);
  });

  it('not a GSS token', () => {
    expect(decodeSasl(exchange('GSSAPI', [], b64('hello'))).errors).toEqual(['GSSAPI: client token is not an InitialContextToken ([APPLICATION 0])']);
  });
});

describe('EXTERNAL, ANONYMOUS, unknown', () => {
  it('EXTERNAL: authzid or none', () => {
    expect(decodeSasl(exchange('EXTERNAL', [], b64('editor'))).authzid).toBe('editor');
    const empty = decodeSasl(exchange('EXTERNAL', [], '='));
    expect([empty.authzid, empty.errors]).toEqual([undefined, []]);
  });

  it('ANONYMOUS: the trace, with control characters made visible', () => {
    expect(decodeSasl(exchange('ANONYMOUS', [['S', ''], ['C', b64('sirhc')]])).details).toEqual({ trace: 'sirhc' });
    expect(decodeSasl(exchange('ANONYMOUS', [], b64('a\nb'))).details).toEqual({ trace: 'a\\x0ab' });
  });

  it('BruteShark "IMAP - Authenticate XYMPKI.pcap" frames 9-13: counted, not decoded', () => {
    const xympki = 'WT12PTEmbj0wOHBzOGVnZTM1YTI0Jmw9MHF3eXQ2cnEvbyZwPW0yb3Z2dHcxMTM5ZTE1MDAmaWc9MWxoaWomaXo9MzMwJnI9OGwmbGc9emgtSGFudC1UVyZpbnRsPXR3Jm5wPTE7IFQ9ej1tMS45S0JtN1QuS0J1UXRrR1BscnlXTE1EVTBCalEzTnpGUFRrOHpNQS0tJmE9UUFFJnNrPURBQTR4Y0suZVlhZEhJJmtzPUVBQUN1UnhVZlNxZDF3WEZrS1lJWGlnM2ctLX5DJmQ9YzJ3QlRucEpla0ZVVFhkTlJGazBUMVJuTUU1M0xTMEJZUUZSUVVVQlp3RTJWRkUxVGs1YVIwdFZSVmxRUmswMVdFUkxTa2hZVTFrM05BRjZlZ0Z0TVM0NVMwSm5WMEVCZEdsd0FYbHNiMlpLUVEtLTsgdmVyc2lvbj0zLjEuMiByZXZpc2lvbj03RDExIGNpZD1mNDk1YTk5ZTEwNTAwMzdjYWRjNDcyODA2NjE5M2MwYmUyZTNiNTk5IHRzPTEyNTg4ODE0NzQgc2lnPVF6V1Q1TWR0dHhLRmIxUWhmSUFrcXBLbE9STWtJZUg0TjBtUXBhbGJXMm1MbEhZMXRnNGxuMkFxNkpIM3I5a09TYXpVYjFRc1RVQkwrMW5zZFlNQnNkMEI1MkR0RzBGVGVvbU1qd05hWUpBeTlPSmJCTFN6d3VrQUtMQzRvMHZwUWdqMTJQYkQ5eDZLTXdxUE9JWEszT04vVVBWclRXbWtMR1VScEVjd3RvMD0gc3JjPWlwaG9uZQ==';
    const r = decodeSasl(exchange('XYMPKI', [['S', ''], ['C', xympki]]));
    expect(r).toEqual({
      mechanism: 'XYMPKI',
      cleartextSecret: false,
      details: { clientSteps: '1', serverSteps: '1', decoded: 'no (unknown mechanism)' },
      errors: [],
    });
  });
});
