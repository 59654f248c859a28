/**
 * Live capture hands every frame over in one batch buffer (a Node Buffer) that the next batch
 * overwrites (src/capture/live.ts): whatever the pipeline keeps past a frame must be a copy. On an
 * extra port (--ports) the dispatcher holds a connection's first bytes until the server's first
 * bytes say what it speaks; here every frame is fed from one reused Buffer, scribbled over after
 * each frame, and the TLS sessions must still decrypt to what each side sent.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnalysisSession } from '../../src/analyze.js';
import { readCapture } from '../../src/capture/read-capture.js';
import type { Conversation } from '../../src/model/conversation.js';

const TLS = fileURLToPath(new URL('../../captures/tls/', import.meta.url));
const CAPTURES = fileURLToPath(new URL('../../captures/', import.meta.url));
const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const LOOPBACK_PORTS = Array.from({ length: 99 }, (_, i) => 40001 + i);

/** Analyses `path`; with `reuse`, every frame comes from one Buffer that is scribbled over after it. */
async function analyse(path: string, keyLogText: string | undefined, reuse: boolean): Promise<Conversation[]> {
  const convs: Conversation[] = [];
  const session = new AnalysisSession({ extraPorts: LOOPBACK_PORTS, ...(keyLogText !== undefined ? { keyLogText } : {}), onConversation: (c) => convs.push(c) });
  const input = session.input(path);
  const batch = Buffer.alloc(256 * 1024);
  const stats = await readCapture(path, {
    frame(f) {
      if (!reuse) return input.frame(f);
      batch.set(f.buf.subarray(f.offset, f.offset + f.capLen), 0);
      input.frame({ ...f, buf: batch, offset: 0 });
      batch.fill(0xa5); // the next batch
    },
    warning: (w) => input.warning(w),
    secrets: (x) => input.secrets(x),
  });
  input.finish(stats);
  session.finish();
  return convs;
}

const throughOneBuffer = (name: string): Promise<Conversation[]> => analyse(join(TLS, `${name}.pcap`), readFileSync(join(TLS, `${name}.keylog`), 'latin1'), true);

/** Capture files under `dir` (recursively), with the key log next to them when there is one. */
function captures(dir: string): Array<{ path: string; keylog?: string }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return captures(p);
    if (!/\.(pcap|pcapng|cap)(\.gz)?$/.test(n)) return [];
    const keylog = [`${p}.keylog`, p.replace(/\.pcap(ng)?$/, '.keylog')].find((k) => k !== p && existsSync(k));
    return [keylog ? { path: p, keylog } : { path: p }];
  });
}

describe('frames in a reused buffer (live capture)', () => {
  for (const name of ['tls12-aes128gcm', 'tls13-aes128gcm']) {
    it(`${name} on an extra port: the first bytes held while sniffing are copies`, async () => {
      const convs = await throughOneBuffer(name);
      const sent = (side: string): string[] => readFileSync(join(TLS, `${name}.${side}.txt`), 'latin1').split('\r\n').filter((l) => l !== '');
      const lines = convs.flatMap((c) => c.events.filter((e) => e.decrypted).map((e) => `${e.side}: ${e.raw}`));
      expect(lines.sort()).toEqual([...sent('client').map((l) => `C: ${l}`), ...sent('server').map((l) => `S: ${l}`)].sort());
      expect(convs[0]!.protocol).toBe('imap');
    });
  }

  it('every sample and corpus capture reports the same from a reused buffer as from its own buffers', async () => {
    const all = [...captures(CAPTURES), ...captures(CORPUS)];
    // IP fragments are in it (kept by the fragment reassembler until the datagram is whole).
    expect(all.some((c) => c.path.endsWith('/tunnel-gre-fragmented.pcap'))).toBe(true);
    expect(all.length).toBeGreaterThan(30);
    const differ: string[] = [];
    for (const c of all) {
      const keyLogText = c.keylog ? readFileSync(c.keylog, 'latin1') : undefined;
      const own = JSON.stringify(await analyse(c.path, keyLogText, false));
      const reused = JSON.stringify(await analyse(c.path, keyLogText, true));
      if (reused !== own) differ.push(c.path);
    }
    expect(differ).toEqual([]);
  }, 60_000);
});
