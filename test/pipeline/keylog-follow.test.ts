/**
 * `live --keylog FILE` follows the file: real TLS sessions (captures/tls, the corpus's Dovecot
 * STARTTLS capture) fed frame by frame through the analysis live uses (AnalysisSession with the
 * KeyLogFile's key log), the key log file EMPTY at start and the client's key log lines appended
 * while the capture is being read, as a client writing SSLKEYLOGFILE does.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnalysisSession } from '../../src/analyze.js';
import { readCapture } from '../../src/capture/read-capture.js';
import type { RawFrame } from '../../src/capture/frame.js';
import type { Conversation } from '../../src/model/conversation.js';
import type { TlsFacts } from '../../src/protocols/tls/types.js';
import { CHECKS_PER_RANDOM, KeyLogFile } from '../../src/protocols/tls/keylog-file.js';

const TLS = fileURLToPath(new URL('../../captures/tls/', import.meta.url));
const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const haveCorpus = existsSync(CORPUS);
if (!haveCorpus) console.warn('keylog-follow: ../shared/corpus absent, the STARTTLS case is skipped');
/** Loopback session ports (scripts/make-tls-captures.mjs). */
const LOOPBACK_PORTS = Array.from({ length: 99 }, (_, i) => 40001 + i);

let dir: string;
let keylog: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwire-keylog-follow-'));
  keylog = join(dir, 'sslkeys.log');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Reads `pcap` through an AnalysisSession that follows `keylog`; `when(frame)` is called before
 * each frame is analysed (to append to the key log). Returns the conversations and the follower.
 */
async function follow(pcap: string, when: (f: RawFrame) => void): Promise<{ convs: Conversation[]; file: KeyLogFile }> {
  const file = new KeyLogFile(keylog);
  expect(file.start()).toBeUndefined();
  const convs: Conversation[] = [];
  const session = new AnalysisSession({ extraPorts: LOOPBACK_PORTS, keyLog: file.keyLog, onConversation: (c) => convs.push(c) });
  const input = session.input(pcap);
  const stats = await readCapture(pcap, {
    frame(f) {
      when(f);
      input.frame(f);
    },
    warning: (w) => input.warning(w),
  });
  input.finish(stats);
  session.finish();
  file.close();
  return { convs, file };
}

const decryptedLines = (convs: Conversation[]): string[] => convs.flatMap((c) => c.events.filter((e) => e.decrypted).map((e) => `${e.side}: ${e.raw}`));
/** The frame that carries the ClientHello (the first one with a TLS payload this size). */
const afterClientHello = (f: RawFrame): boolean => f.capLen > 200;

describe('a followed key log (live --keylog)', () => {
  for (const name of ['tls12-aes128gcm', 'tls13-aes128gcm', 'tls13-chacha20']) {
    it(`${name}: keys appended after the ClientHello decrypt the session; without them, not`, async () => {
      const keys = readFileSync(join(TLS, `${name}.keylog`), 'latin1');
      const pcap = join(TLS, `${name}.pcap`);
      const clientSent = readFileSync(join(TLS, `${name}.client.txt`), 'latin1').split('\r\n').filter((l) => l !== '');
      const serverSent = readFileSync(join(TLS, `${name}.server.txt`), 'latin1').split('\r\n').filter((l) => l !== '');

      writeFileSync(keylog, '');
      let seenHello = false;
      let appended = 0;
      const withKeys = await follow(pcap, (f) => {
        // The frame after the ClientHello's: that frame has been analysed, no key was needed yet.
        if (seenHello && appended === 0) appended = f.index;
        if (appended === f.index) appendFileSync(keylog, keys);
        if (afterClientHello(f)) seenHello = true;
      });
      expect(appended).toBeGreaterThan(4);
      const lines = decryptedLines(withKeys.convs);
      expect(lines).toEqual(expect.arrayContaining([...clientSent.map((l) => `C: ${l}`), ...serverSent.map((l) => `S: ${l}`)]));
      expect(lines.length).toBe(clientSent.length + serverSent.length);
      expect((withKeys.convs[0]!.tls as TlsFacts).decryption.status).toBe('ok');
      // The file was checked a few times (at most a stat per new session, or per 100 ms), read once more.
      expect(withKeys.file.statCalls).toBeLessThanOrEqual(3);
      expect(withKeys.file.readCalls).toBe(1);

      // Keys there from the start: found at once, the file is not checked again.
      writeFileSync(keylog, keys);
      const atStart = await follow(pcap, () => {});
      expect(decryptedLines(atStart.convs)).toEqual(lines);
      expect([atStart.file.statCalls, atStart.file.readCalls]).toEqual([1, 1]);

      writeFileSync(keylog, '');
      const without = await follow(pcap, () => {});
      expect(decryptedLines(without.convs)).toEqual([]);
      // The key log was given (it is followed), it just has no key for this session.
      expect((without.convs[0]!.tls as TlsFacts).decryption.status).toBe('no-key');
      expect((without.convs[0]!.tls as TlsFacts).decryption.failure?.reason).toMatch(/^no \w+ line in the key log for this client random$/);
    });
  }

  for (const name of ['tls13-aes128gcm', 'tls13-chacha20', 'tls13-key-update']) {
    it(`${name}: keys logged only once the client read the server's encrypted flight (the race of live capture) still decrypt both sides`, async () => {
      const keys = readFileSync(join(TLS, `${name}.keylog`), 'latin1');
      const pcap = join(TLS, `${name}.pcap`);
      const sent = (side: string): string[] => readFileSync(join(TLS, `${name}.${side}.txt`), 'latin1').split('\r\n').filter((l) => l !== '');
      writeFileSync(keylog, '');
      let flight = 0;
      let appended = 0;
      const r = await follow(pcap, (f) => {
        // Before the client's next frame (its Finished): after the ServerHello frame was analysed,
        // when the server's encrypted handshake needed keys the file did not have yet.
        if (flight > 0 && appended === 0 && f.capLen > 100) {
          appended = f.index;
          appendFileSync(keylog, keys);
        }
        if (flight === 0 && f.capLen > 1000) flight = f.index;
      });
      expect([flight, appended]).toEqual([6, 8]);
      const lines = decryptedLines(r.convs);
      expect(lines).toEqual(expect.arrayContaining([...sent('client').map((l) => `C: ${l}`), ...sent('server').map((l) => `S: ${l}`)]));
      expect(lines.length).toBe(sent('client').length + sent('server').length);
      const tls = r.convs[0]!.tls as TlsFacts;
      expect(tls.decryption.status).toBe('ok');
      expect(tls.decryption.failure).toBeUndefined();
      // The server's certificate went by in records that could not be decrypted then.
      expect(tls.certificates).toEqual([]);
    });
  }

  it('TLS 1.3 without keys: the late lookups of the server\'s keys are bounded', async () => {
    writeFileSync(keylog, '');
    const r = await follow(join(TLS, 'tls13-aes128gcm.pcap'), () => {});
    expect((r.convs[0]!.tls as TlsFacts).decryption.status).toBe('no-key');
    expect(r.file.statCalls).toBeLessThanOrEqual(1 + CHECKS_PER_RANDOM);
  });

  it('keys appended after the session ended are too late (they are looked up when the keys are needed)', async () => {
    const name = 'tls12-aes128gcm';
    const pcap = join(TLS, `${name}.pcap`);
    writeFileSync(keylog, '');
    let last = 0;
    await readCapture(pcap, { frame: (f) => void (last = f.index) });
    const late = await follow(pcap, (f) => {
      if (f.index === last) appendFileSync(keylog, readFileSync(join(TLS, `${name}.keylog`), 'latin1'));
    });
    expect(decryptedLines(late.convs)).toEqual([]);
  });

  it.skipIf(!haveCorpus)('Dovecot STARTTLS with a renegotiation: the second handshake\'s key, appended later, is read too', async () => {
    const pcap = join(CORPUS, 'wireshark-notes/imap-ssl.pcapng');
    const [first, second] = readFileSync(join(CORPUS, 'wireshark-notes/imap-ssl.pcapng.keylog'), 'latin1').split('\n').filter((l) => l.startsWith('CLIENT_RANDOM'));
    // The whole key log at once, for comparison.
    writeFileSync(keylog, `${first}\n${second}\n`);
    const whole = decryptedLines((await follow(pcap, () => {})).convs);
    expect(whole).toContain('C: a001 CAPABILITY');

    // Empty at start; the first handshake's line after the STARTTLS reply, the renegotiation's
    // line in two writes (a partial line first) right after the first decrypted record.
    writeFileSync(keylog, '');
    let state = 0;
    const r = await follow(pcap, (f) => {
      const text = Buffer.from(f.buf.subarray(f.offset, f.offset + f.capLen)).toString('latin1');
      if (state === 0 && text.includes('Begin TLS negotiation')) {
        appendFileSync(keylog, `${first}\n${second!.slice(0, 40)}`);
        state = 1;
      } else if (state === 1 && f.capLen > 150) {
        appendFileSync(keylog, `${second!.slice(40)}\n`);
        state = 2;
      }
    });
    expect(state).toBe(2);
    expect(decryptedLines(r.convs)).toEqual(whole);
    expect(r.file.keyLog.entries.size).toBe(2);
  });
});
