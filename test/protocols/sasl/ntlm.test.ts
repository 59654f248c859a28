import { describe, expect, it } from 'vitest';
import { decodeSasl } from '../../../src/protocols/sasl/index.js';
import { parseNtlmMessage } from '../../../src/protocols/sasl/ntlm-message.js';
import { exchange } from './helpers.js';

// arkime/ntlm_synthetic.pcap, TCP stream 11 (IMAP over IPv6): frames 166 (+), 168 (type 1),
// 170 (+ type 2), 172 (type 3), extracted with `tshark -q -z follow,tcp,ascii,11`.
export const IMAP_TYPE1 = 'TlRMTVNTUAABAAAABwIAAgcABwAoAAAACAAIAC8AAAAKAGFKAAAAD0lNQVBET01JTUFQSE9TVA==';
export const IMAP_TYPE2 = 'TlRMTVNTUAACAAAADgAOADgAAAAFAgACASNFZ4mrze8AAAAAAAAAAAQABABGAAAACgBhSgAAAA9JAE0AQQBQAFQARwBUAAAAAAA=';
export const IMAP_TYPE3 = 'TlRMTVNTUAADAAAAGAAYAFgAAAAYABgAcAAAAA4ADgCIAAAACAAIAJYAAAAQABAAngAAABAAEACuAAAABQIAAgoAYUoAAAAPAAAAAAAAAAAAAAAAAAAAAExMTExMTExMTExMTExMTExMTExMTExMTE5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTkkATQBBAFAARABPAE0AawBhAHQAZQBJAE0AQQBQAEgATwBTAFQAS0tLS0tLS0tLS0tLS0tLSw==';
// Same capture, TCP stream 12 (POP3): frames 190 (+), 192, 194, 196.
const POP3_TYPE1 = 'TlRMTVNTUAABAAAABwIAAgcABwAoAAAACAAIAC8AAAAKAGFKAAAAD1BPUDNET01QT1AzSE9TVA==';
const POP3_TYPE2 = 'TlRMTVNTUAACAAAADgAOADgAAAAFAgACASNFZ4mrze8AAAAAAAAAAAQABABGAAAACgBhSgAAAA9QAE8AUAAzAFQARwBUAAAAAAA=';
const POP3_TYPE3 = 'TlRMTVNTUAADAAAAGAAYAFgAAAAYABgAcAAAAA4ADgCIAAAACAAIAJYAAAAQABAAngAAABAAEACuAAAABQIAAgoAYUoAAAAPAAAAAAAAAAAAAAAAAAAAAExMTExMTExMTExMTExMTExMTExMTExMTE5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTlAATwBQADMARABPAE0AbABpAGEAbQBQAE8AUAAzAEgATwBTAFQAS0tLS0tLS0tLS0tLS0tLSw==';

// [MS-NLMP] §4.2.4.3: the NTLMv2 CHALLENGE_MESSAGE and AUTHENTICATE_MESSAGE test vectors
// (user "User", domain "Domain", password "Password", server challenge 0123456789abcdef).
export const NLMP_CHALLENGE = Buffer.from(
  '4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000' +
  '060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c005300650072007600' +
  '6500720000000000', 'hex').toString('base64');
export const NLMP_AUTHENTICATE = Buffer.from(
  '4e544c4d5353500003000000180018006c00000054005400840000000c000c0048000000080008005400000010001000' +
  '5c00000010001000d8000000358288e20501280a0000000f44006f006d00610069006e00550073006500720043004f00' +
  '4d005000550054004500520086c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa68cd0ab851e51c96aabc927b' +
  'ebef6a1c01010000000000000000000000000000aaaaaaaaaaaaaaaa0000000002000c0044006f006d00610069006e00' +
  '01000c005300650072007600650072000000000000000000c5dad2544fc9799094ce1ce90bc9d03e', 'hex').toString('base64');

const SYNTHETIC_FLAGS = '0x02000205 NEGOTIATE_UNICODE REQUEST_TARGET NEGOTIATE_NTLM NEGOTIATE_VERSION';

describe('NTLM', () => {
  it('arkime ntlm_synthetic IMAP exchange: NTLMv1, NetNTLMv1 line', () => {
    const r = decodeSasl(exchange('NTLM', [['S', ''], ['C', IMAP_TYPE1], ['S', IMAP_TYPE2], ['C', IMAP_TYPE3]]));
    expect(r).toEqual({
      mechanism: 'NTLM',
      user: 'kate',
      secret: { kind: 'response', value: '4e'.repeat(24) },
      cleartextSecret: false,
      details: {
        negotiateFlags: '0x02000207 NEGOTIATE_UNICODE NEGOTIATE_OEM REQUEST_TARGET NEGOTIATE_NTLM NEGOTIATE_VERSION',
        clientDomain: 'IMAPDOM',
        clientWorkstation: 'IMAPHOST',
        clientVersion: '10.0.19041 (NTLM revision 15)',
        challengeFlags: SYNTHETIC_FLAGS,
        serverChallenge: '0123456789abcdef',
        targetName: 'IMAPTGT',
        serverVersion: '10.0.19041 (NTLM revision 15)',
        authenticateFlags: SYNTHETIC_FLAGS,
        domain: 'IMAPDOM',
        workstation: 'IMAPHOST',
        sessionKey: 'present',
        ntlmVersion: 'NTLMv1',
        mic: 'absent',
      },
      crackable: { format: 'netntlm', line: `kate::IMAPDOM:${'4c'.repeat(24)}:${'4e'.repeat(24)}:0123456789abcdef` },
      errors: [],
    });
  });

  it('arkime ntlm_synthetic POP3 exchange', () => {
    const r = decodeSasl(exchange('ntlm', [['S', ''], ['C', POP3_TYPE1], ['S', POP3_TYPE2], ['C', POP3_TYPE3]]));
    expect([r.user, r.details.domain, r.details.workstation, r.details.targetName, r.errors]).toEqual(['liam', 'POP3DOM', 'POP3HOST', 'POP3TGT', []]);
  });

  it('MS-NLMP §4.2.4.3 NTLMv2 vectors: NetNTLMv2 line (hashcat 5600) with NTProofStr and blob', () => {
    const r = decodeSasl(exchange('NTLM', [['S', NLMP_CHALLENGE], ['C', NLMP_AUTHENTICATE]]));
    const blob = '01010000000000000000000000000000aaaaaaaaaaaaaaaa0000000002000c0044006f006d00610069006e0001000c005300650072007600650072000000000000000000';
    expect(r.crackable).toEqual({ format: 'netntlmv2', line: `User::Domain:0123456789abcdef:68cd0ab851e51c96aabc927bebef6a1c:${blob}` });
    expect(r.user).toBe('User');
    expect(r.details).toMatchObject({
      targetName: 'Server',
      serverVersion: '6.0.6000 (NTLM revision 15)',
      nbDomainName: 'Domain',
      nbComputerName: 'Server',
      domain: 'Domain',
      workstation: 'COMPUTER',
      clientVersion: '5.1.2600 (NTLM revision 15)',
      ntlmVersion: 'NTLMv2',
      clientTime: '0x0000000000000000',
      mic: 'absent',
    });
    expect(r.details.challengeFlags).toMatch(/^0xe28a8233 NEGOTIATE_UNICODE NEGOTIATE_OEM .*NEGOTIATE_TARGET_INFO/);
    expect(r.errors).toEqual([]);
  });

  it('no type 2 seen: facts, but no crackable line', () => {
    const r = decodeSasl(exchange('NTLM', [['C', NLMP_AUTHENTICATE]]));
    expect([r.user, r.details.domain, r.crackable]).toEqual(['User', 'Domain', undefined]);
    expect(r.errors).toEqual(['NTLM: no server challenge seen: no crackable line']);
  });

  it('an offset beyond the message is an error, not a crash', () => {
    const b = Buffer.from(IMAP_TYPE3, 'base64');
    b.writeUInt32LE(0xfffffff0, 40); // UserName offset
    const r = decodeSasl(exchange('NTLM', [['S', IMAP_TYPE2], ['C', b.toString('base64')]]));
    expect(r.errors).toEqual([`NTLM type 3 UserName: offset ${0xfffffff0} length 8 beyond message end ${b.length}`]);
    expect(r.user).toBe('');
  });

  it('reports bad signature, unknown type, wrong side, non-base64', () => {
    const bad = (steps: Array<['C' | 'S', string]>) => decodeSasl(exchange('NTLM', steps)).errors;
    expect(bad([['C', Buffer.from('NTLMSSQ\0\x01\0\0\0\0\0\0\0').toString('base64')]])).toEqual(['NTLM: not an NTLMSSP message (bad signature)']);
    expect(bad([['C', Buffer.from('NTLMSSP\0\x07\0\0\0\0\0\0\0').toString('base64')]])).toEqual(['NTLM: unknown message type 7']);
    expect(bad([['S', IMAP_TYPE1]])).toEqual(['NTLM: type 1 message sent by the server']);
    expect(bad([['C', 'TlRM TVNT']])).toEqual(['NTLM client message: not base64 (characters outside A-Z a-z 0-9 + / =)']);
  });

  it('every truncation of every message is an error value, never an exception', () => {
    for (const m of [IMAP_TYPE1, IMAP_TYPE2, IMAP_TYPE3, NLMP_CHALLENGE, NLMP_AUTHENTICATE]) {
      const full = Buffer.from(m, 'base64');
      expect(parseNtlmMessage(full).errors).toEqual([]);
      for (let n = 0; n < full.length; n++) {
        const cut = full.subarray(0, n);
        const parsed = parseNtlmMessage(cut);
        expect(parsed.errors.length, `${m.slice(0, 12)} cut at ${n}`).toBeGreaterThan(0);
        for (const e of parsed.errors) expect(e).toMatch(/^NTLM(v2 blob)?( type \d)?[ :]/);
        const side = full[8] === 2 ? 'S' : 'C';
        const r = decodeSasl(exchange('NTLM', [[side, cut.toString('base64')]]));
        expect(r.errors.some((e) => e.startsWith('internal'))).toBe(false);
      }
    }
  });
});
