/**
 * Loopback frames reach 65 550 bytes (MTU 65536 + Ethernet header). With a smaller snaplen (`--snaplen
 * 65535`, tcpdump's `-s 65535`) libpcap cuts them; openLive must hand such a packet over as cut with
 * its real length (wireLen > capLen), so that decode trusts the IP length and the TCP layer sees
 * the few missing bytes, rather than a frame that looks whole but contradicts its IP header (which
 * decode rejects, losing the whole segment). Needs root and mailwire's native libpcap addon.
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { RawFrame } from '../../src/capture/frame.js';
import { openLive } from '../../src/capture/live.js';
import { decodeFrame } from '../../src/decode/decode-frame.js';
import { newDecoded, TcpFlag } from '../../src/decode/decoded.js';
import { liveCaptureUnavailable } from '../helpers/live-capture.js';

const unavailable = liveCaptureUnavailable();
const canCapture = unavailable === undefined;
if (!canCapture) console.warn(`live snaplen test skipped: ${unavailable}`);

/** Enough to fill loopback's 64 KiB segments many times over. */
const TRANSFER_BYTES = 4 * 1024 * 1024;
const CAP_SNAPLEN_BYTES = 65_535; // below a loopback frame's size
/** Transfers to try before concluding the kernel never sent a full-size segment. */
const MAX_TRANSFERS = 20;

describe.skipIf(!canCapture)('live capture of loopback segments longer than the snaplen', () => {
  it('marks packets that fill the snaplen as cut, and decode keeps their TCP payload', async () => {
    const server = createServer((sock) => sock.end(Buffer.alloc(TRANSFER_BYTES, 0x41)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const full: Array<{ capLen: number; wireLen: number; kind: string; payload: number; payloadWire: number }> = [];
    let sawFin: () => void = () => {};
    const d = newDecoded();
    const live = openLive({ iface: 'lo', filter: `tcp src port ${port}`, snaplen: CAP_SNAPLEN_BYTES }, {
      frame(f: RawFrame) {
        decodeFrame(f, d);
        if (d.kind === 'tcp' && d.flags & TcpFlag.FIN) sawFin();
        if (f.capLen >= CAP_SNAPLEN_BYTES || f.wireLen > f.capLen) full.push({ capLen: f.capLen, wireLen: f.wireLen, kind: d.kind, payload: d.payloadLength, payloadWire: d.payloadWireLength });
      },
    });
    try {
      // Whether the kernel sends full 64 KiB segments depends on the receive window of the moment:
      // transfer again until some did.
      for (let i = 0; i < MAX_TRANSFERS && full.length === 0; i++) {
        const fin = new Promise<void>((r) => (sawFin = r));
        const client = connect(port, '127.0.0.1');
        let received = 0;
        client.on('data', (b: Buffer) => (received += b.length));
        await once(client, 'end');
        client.destroy();
        expect(received).toBe(TRANSFER_BYTES);
        // The server's FIN comes after all its data: every segment has reached the sink.
        await fin;
      }
    } finally {
      live.stop();
      server.close();
    }
    expect(full.length).toBeGreaterThan(0);
    for (const x of full) {
      expect(x.capLen).toBe(CAP_SNAPLEN_BYTES);
      expect(x.wireLen).toBeGreaterThan(x.capLen);
      expect(x.wireLen).toBeLessThanOrEqual(65_550); // the real length, from libpcap's header
      expect(x.kind).toBe('tcp');
      // The IP header announces more payload than was captured of it.
      expect(x.payloadWire).toBeGreaterThan(x.payload);
      expect(x.payload).toBeGreaterThan(65_000);
    }
  });
});
