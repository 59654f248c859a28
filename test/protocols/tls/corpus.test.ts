/**
 * Real third-party captures (../shared/corpus, read-only, not in the repository): the Dovecot
 * STARTTLS/STLS sessions must decrypt completely with their key logs (TLS 1.2 with a renegotiation),
 * and every TLS connection of the corpus must show its handshake facts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseKeyLog } from '../../../src/protocols/tls/keylog.js';
import { readMiniCapture } from './helpers/mini-capture.js';
import { runTls } from './helpers/run-tls.js';

const CORPUS = new URL('../../../../shared/corpus/', import.meta.url);
const HAVE = existsSync(fileURLToPath(CORPUS));
if (!HAVE) console.warn('corpus absent (../shared/corpus): TLS corpus tests skipped');

const mailConns = (path: string) => readMiniCapture(new URL(path, CORPUS)).connections.filter((c) => [993, 995, 143, 110].includes(c.serverPort));
const keyLog = (path: string) => parseKeyLog(readFileSync(new URL(`${path}.keylog`, CORPUS), 'utf8'));

describe.skipIf(!HAVE)('corpus TLS', () => {
  it('imap-ssl.pcapng (Dovecot STARTTLS, TLS 1.2 + renegotiation) decrypts completely', () => {
    const [c] = mailConns('wireshark-notes/imap-ssl.pcapng');
    const r = runTls(c!, keyLog('wireshark-notes/imap-ssl.pcapng'), { starttls: true });
    expect(r.facts.decryption.status).toBe('ok');
    expect(r.facts.renegotiations).toBe(1);
    expect(r.facts.cipherSuite?.name).toBe('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384');
    expect(r.encryptedBytes).toEqual([0, 0]);
    expect(r.plaintext[0]).toBe('a001 CAPABILITY\na002 CAPABILITY\n');
    expect(r.plaintext[1]).toMatch(/^\* CAPABILITY IMAP4rev1 .*\r\na001 OK Pre-login capabilities listed, post-login capabilities have more\.\r\n\* CAPABILITY .*\r\na002 OK .*\r\n$/);
    expect(r.facts.certificates[0]!.certificates[0]!.subjectCN).toEqual(['localhost']);
    expect(r.facts.certificates[0]!.certificates[0]!.selfSigned).toBe(true);
  });

  it('pop-ssl.pcapng (Dovecot STLS, TLS 1.2 + renegotiation) decrypts completely', () => {
    const [c] = mailConns('wireshark-notes/pop-ssl.pcapng');
    const r = runTls(c!, keyLog('wireshark-notes/pop-ssl.pcapng'), { starttls: true });
    expect(r.facts.decryption.status).toBe('ok');
    expect(r.facts.renegotiations).toBe(1);
    expect(r.plaintext[0]).toBe('CAPA\nCAPA\n');
    const capa = '+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nUSER\r\nSASL PLAIN\r\n.\r\n';
    expect(r.plaintext[1]).toBe(capa + capa);
  });

  it('without the key log the renegotiation is still noticed (encrypted handshake records)', () => {
    const [c] = mailConns('wireshark-notes/imap-ssl.pcapng');
    const r = runTls(c!, undefined, { starttls: true });
    expect(r.facts.renegotiations).toBe(1);
    expect(r.facts.decryption.status).toBe('no-keylog');
    expect(r.encryptedBytes[0]).toBeGreaterThan(0);
  });

  // [capture, STARTTLS?, connections, version, cipher, SNI, leaf CN, handshake state]
  const FACTS: Array<[string, boolean, number, string, string, string | undefined, string | undefined, string]> = [
    ['zeek/telesec.pcap', false, 0, 'TLS 1.2', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', undefined, 'imap.gmx.net', 'established'],
    ['nDPI/imaps.pcap', false, 0, 'TLS 1.2', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'mail.ntop.org', 'mail.ntop.org', 'established'],
    ['nDPI/imaps.pcap', false, 1, 'TLS 1.2', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'imap.asia.secureserver.net', undefined, 'server-hello'],
    ['nDPI/pops.pcapng', false, 0, 'TLS 1.2', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'pop.secureserver.net', undefined, 'server-hello'],
    ['nDPI/pop3_stls.pcap', true, 0, 'TLS 1.0', 'TLS_RSA_WITH_RC4_128_SHA', 'pop.lavabit.com', '*.lavabit.com', 'established'],
    ['zeek/imap-starttls.pcap', true, 0, 'TLS 1.2', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', undefined, 'imap.gmx.net', 'established'],
    ['zeek/pop3-starttls.pcap', true, 0, 'TLS 1.2', 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', undefined, 'chimaera.lilawelt.de', 'established'],
  ];
  it.each(FACTS)('%s (connection %#) shows its handshake facts', (path, starttls, n, version, suite, sni, cn, state) => {
    const r = runTls(mailConns(path)[n]!, undefined, { starttls });
    const f = r.facts;
    expect(f.version?.name).toBe(version);
    expect(f.cipherSuite?.name).toBe(suite);
    expect(f.sni).toBe(sni);
    expect(f.certificates[0]?.certificates[0]?.subjectCN[0]).toBe(cn);
    expect(f.handshakeState).toBe(state);
    expect(f.clientHellos).toHaveLength(1);
    expect(f.clientHellos[0]!.cipherSuites.length).toBeGreaterThan(0);
  });

  it('marks RC4 as weak and TLS 1.0 as not decryptable (pop3_stls)', () => {
    const f = runTls(mailConns('nDPI/pop3_stls.pcap')[0]!, parseKeyLog(''), { starttls: true }).facts;
    expect(f.cipherSuite?.weak).toBe(true);
    expect(f.decryption.status).toBe('unsupported');
    const chain = f.certificates[0]!.certificates;
    expect(chain.length).toBeGreaterThan(1);
    expect(chain[0]!.sanDns).toContain('*.lavabit.com');
    expect(chain.every((c) => c.parseError === undefined)).toBe(true);
  });

  it('a capture that starts mid-session (whatsapp_login_call, IMAPS) counts encrypted bytes without a handshake', () => {
    const conns = mailConns('nDPI/whatsapp_login_call.pcap');
    expect(conns.length).toBeGreaterThan(0);
    const r = runTls(conns[0]!, undefined);
    expect(r.facts.handshakeState).toBe('none');
    expect(r.encryptedBytes[0] + r.encryptedBytes[1]).toBeGreaterThan(0);
    expect(r.facts.anomalies.filter((a) => a.code === 'not-tls')).toEqual([]);
  });
});
