/**
 * The tls.* rules on real bytes: the loopback sessions of captures/tls (see its README) and the
 * third-party corpus (../shared/corpus), each run through the whole pipeline (analyzeFiles).
 * Expectations are exact sorted finding ids per conversation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze.js';
import type { Conversation, Finding } from '../../src/model/conversation.js';
import type { TlsFacts } from '../../src/protocols/tls/types.js';

const TLS_DIR = new URL('../../captures/tls/', import.meta.url);
const CORPUS = new URL('../../../shared/corpus/', import.meta.url);
const HAVE_CORPUS = existsSync(fileURLToPath(CORPUS));
if (!HAVE_CORPUS) console.warn('corpus absent (../shared/corpus): TLS rule corpus tests skipped');

/** Loopback session ports (scripts/make-tls-captures.mjs): not mail ports, so they are named. */
const LOOPBACK_PORTS = Array.from({ length: 99 }, (_, i) => 40001 + i);

interface Run {
  convs: Conversation[];
  /** Sorted ids of every finding, per conversation that used TLS. */
  ids: string[][];
  /** Sorted tls.* ids per conversation that used TLS. */
  tlsIds: string[][];
}

async function run(path: URL, opts: { keylog?: URL; serverName?: string } = {}): Promise<Run> {
  const o: Parameters<typeof analyzeFiles>[1] = { extraPorts: LOOPBACK_PORTS };
  if (opts.keylog) o.keyLogText = readFileSync(opts.keylog, 'utf8');
  if (opts.serverName) o.serverName = opts.serverName;
  const r = await analyzeFiles([fileURLToPath(path)], o);
  const convs = r.conversations.filter((c) => c.tls !== undefined);
  return {
    convs,
    ids: convs.map((c) => c.findings.map((f) => f.id).sort()),
    tlsIds: convs.map((c) => c.findings.map((f) => f.id).filter((id) => id.startsWith('tls.')).sort()),
  };
}

const loopback = (name: string, withKeys = false, serverName?: string) => {
  const o: { keylog?: URL; serverName?: string } = {};
  if (withKeys) o.keylog = new URL(`${name}.keylog`, TLS_DIR);
  if (serverName) o.serverName = serverName;
  return run(new URL(`${name}.pcap`, TLS_DIR), o);
};

function one(r: Run, id: string, conv = 0): Finding {
  const list = r.convs[conv]!.findings.filter((f) => f.id === id);
  expect(list).toHaveLength(1);
  return list[0]!;
}

const tlsOf = (c: Conversation) => c.tls as TlsFacts;

describe('tls rules on the loopback captures', () => {
  it('a clean session (test-CA certificate, valid, matching SNI, TLS 1.2 AEAD) raises nothing at all', async () => {
    const r = await loopback('tls12-ca-valid');
    expect(r.ids).toEqual([[]]);
    // It really had a certificate to judge: issued by the test CA, not self-signed.
    const leaf = tlsOf(r.convs[0]!).certificates[0]!.certificates[0]!;
    expect(leaf.issuerCN).toEqual(['mailwire Test CA']);
    expect(leaf.selfSigned).toBe(false);
  });

  it('--server-name that the certificate covers raises nothing; one it does not cover is a mismatch', async () => {
    expect((await loopback('tls12-ca-valid', false, 'IMAP.example.org')).ids).toEqual([[]]);
    const r = await loopback('tls12-ca-valid', false, 'mail.other.test');
    expect(r.ids).toEqual([['tls.cert-name-mismatch']]);
    const f = one(r, 'tls.cert-name-mismatch');
    expect(f.severity).toBe('warning');
    expect(f.message).toBe("The server's certificate is for mail.example.org, imap.example.org, which does not cover mail.other.test (the name given with --server-name).");
    expect(f.frames).toEqual([tlsOf(r.convs[0]!).certificates[0]!.frame]);
  });

  it('tls.self-signed on a session the client accepted is a warning naming the certificate', async () => {
    const r = await loopback('tls12-aes128gcm');
    expect(r.tlsIds).toEqual([['tls.self-signed']]);
    const f = one(r, 'tls.self-signed');
    expect(f.severity).toBe('warning');
    expect(f.message).toBe("The server's certificate for mail.example.org, imap.example.org is self-signed (issued by itself, not by a certificate authority).");
  });

  it('tls.cert-name-mismatch: SNI imap.wrong-name.test against a certificate for mail.example.org', async () => {
    const r = await loopback('tls12-name-mismatch');
    expect(r.tlsIds).toEqual([['tls.cert-name-mismatch', 'tls.self-signed']]);
    const f = one(r, 'tls.cert-name-mismatch');
    expect(f.severity).toBe('warning');
    expect(f.message).toContain('does not cover imap.wrong-name.test (the name the client asked for with SNI)');
    expect(f.args).toMatchObject({ expected: 'imap.wrong-name.test', source: 'SNI', rejected: false });
  });

  it('the client rejecting the self-signed certificate (TLS 1.2): tls.alert unknown_ca, and tls.self-signed becomes an error', async () => {
    const r = await loopback('tls12-client-rejects');
    expect(r.tlsIds).toEqual([['tls.alert', 'tls.self-signed']]);
    const alert = one(r, 'tls.alert');
    expect(alert.severity).toBe('error');
    expect(alert.args).toMatchObject({ sender: 'client', level: 'fatal', name: 'unknown_ca', description: 48 });
    expect(alert.message).toMatch(/^The client sent a fatal TLS alert unknown_ca \(48\) during the handshake: the client refused the server's certificate \(unknown_ca: /);
    const ss = one(r, 'tls.self-signed');
    expect(ss.severity).toBe('error');
    expect(ss.message).toContain(`the client refused it (fatal alert unknown_ca, frame ${alert.frames[0]})`);
    expect(ss.frames).toEqual([tlsOf(r.convs[0]!).certificates[0]!.frame, alert.frames[0]]);
  });

  it('the client rejecting in TLS 1.3 without keys: its alert went out before its handshake keys (outer type 21 is never encrypted in TLS 1.3), so tls.alert says why', async () => {
    const r = await loopback('tls13-client-rejects');
    expect(r.tlsIds).toEqual([['tls.alert']]);
    const f = one(r, 'tls.alert');
    expect(f.severity).toBe('error');
    expect(f.args).toMatchObject({ sender: 'client', level: 'fatal', name: 'unknown_ca', decrypted: false });
  });

  it('the client rejecting in TLS 1.3 with its key log: tls.alert unknown_ca and the decrypted certificate is self-signed (an error: the client refused it)', async () => {
    const r = await loopback('tls13-client-rejects', true);
    expect(r.tlsIds).toEqual([['tls.alert', 'tls.self-signed']]);
    expect(one(r, 'tls.alert').args).toMatchObject({ sender: 'client', name: 'unknown_ca' });
    expect(one(r, 'tls.self-signed').severity).toBe('error');
  });

  it('tls.cert-expired: certificate that expired 2021-01-01, refused by the client with certificate_expired → error', async () => {
    const r = await loopback('tls12-expired-rejected');
    expect(r.tlsIds).toEqual([['tls.alert', 'tls.cert-expired']]);
    const f = one(r, 'tls.cert-expired');
    expect(f.severity).toBe('error');
    const captureDay = new Date(tlsOf(r.convs[0]!).certificates[0]!.ts * 1000).toISOString().slice(0, 10);
    expect(f.message).toMatch(new RegExp(`^The server's certificate "mail\\.example\\.org" expired on 2021-01-01, \\d+ days before this capture \\(${captureDay}\\); the client refused it \\(fatal alert certificate_expired, frame \\d+\\)\\.$`));
    expect(f.args).toMatchObject({ index: 0, notAfter: '2021-01-01T00:00:00.000Z', rejected: true });
    expect(one(r, 'tls.alert').args).toMatchObject({ sender: 'client', name: 'certificate_expired' });
  });

  it('tls.cert-not-yet-valid: certificate valid from a year after the capture, accepted by a non-verifying client → warning', async () => {
    const r = await loopback('tls12-not-yet-valid');
    expect(r.tlsIds).toEqual([['tls.cert-not-yet-valid']]);
    const f = one(r, 'tls.cert-not-yet-valid');
    expect(f.severity).toBe('warning');
    expect(f.message).toMatch(/^The server's certificate "mail\.example\.org" is valid only from \d{4}-\d\d-\d\d, 36[45] days after this capture \(\d{4}-\d\d-\d\d\)\.$/);
  });

  it('tls.old-version: TLS 1.1, and the client offered nothing newer', async () => {
    const r = await loopback('tls11-ca-valid');
    expect(r.ids).toEqual([['tls.old-version']]);
    const f = one(r, 'tls.old-version');
    expect(f.severity).toBe('warning');
    expect(f.message).toBe('The connection negotiated TLS 1.1, which is obsolete (RFC 8996); the client offered nothing newer.');
    expect(f.frames).toEqual([tlsOf(r.convs[0]!).serverHellos[0]!.frame]);
  });

  // Every other loopback session: self-signed certificate, nothing else. TLS 1.3 hides the
  // certificate, so those are run with their key logs.
  const SELF_SIGNED_ONLY = ['tls12-aes256gcm', 'tls12-chacha20', 'tls12-cbc-sha', 'tls12-cbc-sha256', 'tls12-cbc-sha384', 'tls12-cbc-sha-no-etm', 'tls12-renegotiate', 'tls13-aes128gcm', 'tls13-aes256gcm', 'tls13-chacha20', 'tls13-key-update'];
  it.each(SELF_SIGNED_ONLY)('%s (with its key log): tls.self-signed only', async (name) => {
    expect((await loopback(name, true)).tlsIds).toEqual([['tls.self-signed']]);
  });

  it('close_notify from both sides (decrypted with the key log) is the normal end, not a tls.alert', async () => {
    for (const name of ['tls12-aes128gcm', 'tls13-aes128gcm']) {
      const r = await loopback(name, true);
      expect(tlsOf(r.convs[0]!).alerts.map((a) => `${a.sender}:${a.name}`), name).toEqual(['server:close_notify', 'client:close_notify']);
      expect(r.tlsIds, name).toEqual([['tls.self-signed']]);
    }
  });

  it('TLS 1.3 without a key log: the certificate is encrypted, so no certificate finding is possible', async () => {
    expect((await loopback('tls13-aes128gcm')).tlsIds).toEqual([[]]);
  });
});

describe.skipIf(!HAVE_CORPUS)('tls rules on the corpus', () => {
  const corpus = (p: string, serverName?: string) => run(new URL(p, CORPUS), serverName ? { serverName } : {});

  it('nDPI/pop3_stls.pcap: STLS into TLS 1.0 with RC4-SHA → tls.old-version + tls.weak-cipher', async () => {
    const r = await corpus('nDPI/pop3_stls.pcap');
    expect(r.tlsIds).toEqual([['tls.old-version', 'tls.weak-cipher']]);
    expect(one(r, 'tls.old-version').message).toBe('The connection negotiated TLS 1.0, which is obsolete (RFC 8996); the client offered nothing newer.');
    const weak = one(r, 'tls.weak-cipher');
    expect(weak.severity).toBe('warning');
    expect(weak.message).toBe('The connection uses the cipher suite TLS_RSA_WITH_RC4_128_SHA: RC4, broken and prohibited by RFC 7465; the client offered stronger suites, so the server chose it.');
    // SNI pop.lavabit.com is covered by *.lavabit.com, and the chain was valid in August 2012.
    expect(tlsOf(r.convs[0]!).sni).toBe('pop.lavabit.com');
  });

  it('zeek/telesec.pcap: a clean gmx chain, valid at capture time → no finding at all', async () => {
    const r = await corpus('zeek/telesec.pcap');
    expect(r.ids).toEqual([[]]);
    const t = tlsOf(r.convs[0]!);
    const leaf = t.certificates[0]!.certificates[0]!;
    const at = t.certificates[0]!.ts * 1000;
    // Captured 2016-04-26; the leaf is valid 2013-11-12 .. 2016-11-17.
    expect(new Date(at).toISOString().slice(0, 10)).toBe('2016-04-26');
    expect(Date.parse(leaf.notBefore)).toBeLessThan(at);
    expect(Date.parse(leaf.notAfter)).toBeGreaterThan(at);
  });

  it('zeek/telesec.pcap with --server-name: a SAN name passes, another name is a mismatch', async () => {
    expect((await corpus('zeek/telesec.pcap', 'imap.gmx.de')).ids).toEqual([[]]);
    const r = await corpus('zeek/telesec.pcap', 'imap.web.de');
    expect(r.ids).toEqual([['tls.cert-name-mismatch']]);
    expect(one(r, 'tls.cert-name-mismatch').message).toBe("The server's certificate is for imap.gmx.net, imap.gmx.de, which does not cover imap.web.de (the name given with --server-name).");
  });

  it('nDPI/imaps.pcap: a valid Let\'s Encrypt session, and a flow the capture cut after the ServerHello (not a failure)', async () => {
    const r = await corpus('nDPI/imaps.pcap');
    expect(r.tlsIds).toEqual([[], []]);
    expect(tlsOf(r.convs[1]!).handshakeState).toBe('server-hello');
    expect(tlsOf(r.convs[1]!).ended.client).toBe('capture-end');
  });

  it('zeek/pop3-starttls.pcap: its certificate is issued by a private CA ("Lilawelt"), not self-signed, and valid in 2014 → no tls finding', async () => {
    const r = await corpus('zeek/pop3-starttls.pcap');
    expect(r.tlsIds).toEqual([[]]);
    const leaf = tlsOf(r.convs[0]!).certificates[0]!.certificates[0]!;
    expect(leaf.subjectCN).toEqual(['chimaera.lilawelt.de']);
    expect(leaf.issuerCN).toEqual(['Lilawelt']);
  });

  it('wireshark-notes/imap-ssl.pcapng and pop-ssl.pcapng: Dovecot\'s self-signed "localhost" certificate', async () => {
    for (const p of ['wireshark-notes/imap-ssl.pcapng', 'wireshark-notes/pop-ssl.pcapng']) {
      const r = await corpus(p);
      expect(r.tlsIds, p).toEqual([['tls.self-signed']]);
      expect(one(r, 'tls.self-signed').message).toBe("The server's certificate for localhost is self-signed (issued by itself, not by a certificate authority).");
    }
  });

  it('zeek/imap-starttls.pcap and nDPI/pops.pcapng: no tls finding', async () => {
    expect((await corpus('zeek/imap-starttls.pcap')).tlsIds).toEqual([[]]);
    expect((await corpus('nDPI/pops.pcapng')).tlsIds).toEqual([[]]);
  });
});
