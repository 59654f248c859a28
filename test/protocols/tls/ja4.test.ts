/**
 * JA4 / JA4S against known values: the examples of FoxIO's specification (JA4.md: the ciphers,
 * extensions and signature algorithms of its example hello; JA4S: the TLS 1.3 ServerHello with
 * key_share and supported_versions in either order), and the hellos of captures/tls read by tshark
 * (4.0 has no JA4 field: the fingerprint is composed here from tshark's field values by the
 * specification's rules, so mailwire's parsing is checked against Wireshark's).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../../src/analyze.js';
import { cipherSuiteFact } from '../../../src/protocols/tls/cipher-suites.js';
import { versionFact } from '../../../src/protocols/tls/hello.js';
import { ja4, ja4s } from '../../../src/protocols/tls/ja4.js';
import type { ClientHelloFact, ServerHelloFact, TlsFacts } from '../../../src/protocols/tls/types.js';

const h = (list: string): number[] => list.split(',').map((x) => parseInt(x, 16));

function hello(over: { ciphers: string; extensions: string; sigs?: string; alpn?: string[]; sni?: string; versions?: number[] }): ClientHelloFact {
  const f: ClientHelloFact = {
    frame: 1, ts: 0, legacyVersion: versionFact(0x0303), versionsOffered: (over.versions ?? [0x0303]).map(versionFact),
    supportedVersionsExtension: over.versions !== undefined, cipherSuites: h(over.ciphers).map(cipherSuiteFact),
    extensions: h(over.extensions), random: '00'.repeat(32), sessionIdLength: 0,
  };
  if (over.sigs) f.signatureAlgorithms = h(over.sigs);
  if (over.alpn) f.alpn = over.alpn;
  if (over.sni) f.sni = over.sni;
  return f;
}

const SPEC_CIPHERS = '1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035';
const SPEC_SIGS = '0403,0804,0401,0503,0805,0501,0806,0601';

describe('JA4: the specification\'s examples', () => {
  it('the example hello of JA4.md gives t13d1516h2_8daaf6152771_e5627efa2ab1', () => {
    const f = hello({ ciphers: SPEC_CIPHERS, extensions: '001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015', sigs: SPEC_SIGS, alpn: ['h2', 'http/1.1'], sni: 'example.com', versions: [0x0304, 0x0303] });
    expect(ja4(f)).toBe('t13d1516h2_8daaf6152771_e5627efa2ab1');
  });

  it('without signature algorithms the extension hash has no "_" part (6d807ffa2a79), GREASE is ignored everywhere, no SNI is "i", no ALPN "00"', () => {
    const f = hello({ ciphers: `0a0a,${SPEC_CIPHERS}`, extensions: '1a1a,001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015', versions: [0x2a2a, 0x0304] });
    expect(ja4(f)).toBe('t13i151600_8daaf6152771_6d807ffa2a79');
  });

  it('a TLS 1.2 hello without supported_versions takes its legacy version; http/1.1 gives "h1"; counts stop at 99', () => {
    const many = Array.from({ length: 120 }, (_, i) => (i + 1).toString(16).padStart(4, '0')).join(',');
    expect(ja4(hello({ ciphers: many, extensions: '000d', alpn: ['http/1.1'] })).slice(0, 10)).toBe('t12i9901h1');
  });

  it('an ALPN value that does not start and end with a letter or digit gives hex digits', () => {
    expect(ja4(hello({ ciphers: '1301', extensions: '0010', alpn: ['\u00ab\u00cd'] })).slice(8, 10)).toBe('ad');
  });
});

describe('JA4S: the specification\'s examples', () => {
  const sh = (ext: number[]): ServerHelloFact => ({
    frame: 2, ts: 0, version: versionFact(0x0304), cipherSuite: cipherSuiteFact(0x1301), extensions: ext, helloRetryRequest: false, resumed: false, random: '',
  });
  it('extensions in their order: 0033,002b → t130200_1301_234ea6891581; 002b,0033 → t130200_1301_a56c5b993250', () => {
    expect(ja4s(sh([0x0033, 0x002b]))).toBe('t130200_1301_234ea6891581');
    expect(ja4s(sh([0x002b, 0x0033]))).toBe('t130200_1301_a56c5b993250');
  });
});

/** JA4 composed from tshark's fields of the first ClientHello, by the specification's rules. */
function ja4FromTshark(pcap: string): string | undefined {
  let out: string;
  try {
    out = execFileSync('tshark', ['-r', pcap, '-Y', 'tls.handshake.type==1', '-T', 'fields', '-E', 'occurrence=a',
      '-e', 'tls.handshake.ciphersuite', '-e', 'tls.handshake.extension.type', '-e', 'tls.handshake.sig_hash_alg',
      '-e', 'tls.handshake.extensions_alpn_str', '-e', 'tls.handshake.extensions_server_name', '-e', 'tls.handshake.extensions.supported_version', '-e', 'tls.handshake.version'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
  const [ciphers, exts, sigs, alpn, sni, versions, legacy] = out.split('\n')[0]!.split('\t');
  const grease = (n: number): boolean => (n & 0x0f0f) === 0x0a0a && n >> 8 === (n & 0xff);
  const nums = (s: string | undefined, base: number): number[] => (s ? s.split(',').map((x) => parseInt(x, base)).filter((n) => !grease(n)) : []);
  const hex = (n: number): string => n.toString(16).padStart(4, '0');
  const sha = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);
  const c = nums(ciphers, 16);
  const e = nums(exts, 10);
  const v = Math.max(...(versions ? nums(versions, 16) : [parseInt(legacy!, 16)]));
  const first = alpn ? alpn.split(',')[0]! : '';
  const a = `t${{ 0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10' }[v]}${sni ? 'd' : 'i'}${String(c.length).padStart(2, '0')}${String(e.length).padStart(2, '0')}${first ? first[0]! + first[first.length - 1]! : '00'}`;
  const ext = e.filter((x) => x !== 0 && x !== 16).sort((x, y) => x - y).map(hex).join(',');
  const s = nums(sigs, 16).map(hex).join(',');
  return `${a}_${sha(c.sort((x, y) => x - y).map(hex).join(','))}_${sha(s ? `${ext}_${s}` : ext)}`;
}

describe('JA4 of real hellos (captures/tls), checked against tshark\'s view of the same bytes', () => {
  const dir = fileURLToPath(new URL('../../../captures/tls/', import.meta.url));
  const names = readdirSync(dir).filter((n) => n.endsWith('.pcap')).slice(0, 6);
  const tshark = ja4FromTshark(`${dir}${names[0]}`) !== undefined;
  it.skipIf(!tshark)('every session\'s JA4 equals the one composed from tshark\'s fields (tshark not installed: skipped)', async () => {
    for (const n of names) {
      const r = await analyzeFiles([`${dir}${n}`], { extraPorts: [] });
      const facts = r.conversations[0]?.tls as TlsFacts | undefined;
      expect(facts?.ja4, n).toBe(ja4FromTshark(`${dir}${n}`));
      expect(facts?.ja4s, n).toMatch(/^t1[0-3]\d\d00_[0-9a-f]{4}_[0-9a-f]{12}$/);
    }
  });
});
