import { describe, expect, it } from 'vitest';
import { createServer, connect, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { capLinkType, listInterfaces, openLive } from '../../src/capture/live.js';
import type { RawFrame } from '../../src/capture/frame.js';
import { liveCaptureUnavailable } from '../helpers/live-capture.js';

const unavailable = liveCaptureUnavailable();
const canCapture = unavailable === undefined;
if (!canCapture) console.warn(`live capture tests skipped: ${unavailable}`);

describe('capLinkType', () => {
  it('maps the names cap returns', () => {
    expect(['NULL', 'ETHERNET', 'IEEE802_11_RADIO', 'LINKTYPE_LINUX_SLL', 'RAW', 'Unknown linktype 276'].map(capLinkType)).toEqual([0, 1, 127, 113, 101, 276]);
  });
});

describe.skipIf(!canCapture)('live capture on loopback', () => {
  it('lists lo with 127.0.0.1', async () => {
    const list = await listInterfaces();
    const lo = list.find((i) => i.name === 'lo');
    expect(lo?.addresses).toContain('127.0.0.1');
  });

  it('captures a TCP exchange on lo: Ethernet frames that carry the payload', async () => {
    const server = createServer((sock) => sock.on('data', () => sock.end('+OK bye\r\n')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const payload = `USER live-test-${port}\r\n`;
    const frames: Array<{ f: Omit<RawFrame, 'buf'>; bytes: Buffer }> = [];
    let sawPayload: () => void = () => {};
    const seen = new Promise<void>((resolve) => { sawPayload = resolve; });
    const live = openLive({ iface: 'lo', filter: `tcp port ${port}`, snaplen: 65535 }, {
      frame(f) {
        const { buf, ...rest } = f;
        const bytes = Buffer.from(buf.subarray(f.offset, f.offset + f.capLen));
        frames.push({ f: { ...rest }, bytes });
        if (bytes.includes(payload)) sawPayload();
      },
    });
    try {
      expect(live.linkType).toBe(1);
      const client = connect(port, '127.0.0.1');
      await once(client, 'connect');
      client.write(payload);
      client.resume(); // 'end' comes only once the reply is consumed
      await once(client, 'end');
      client.destroy();
      // No timing assert: the test waits for the frame (the suite's timeout bounds it).
      await seen;
    } finally {
      const stats = live.stop();
      server.close();
      expect(stats).toMatchObject({ format: 'live', frames: frames.length });
    }
    expect(frames.length).toBeGreaterThanOrEqual(4); // SYN, SYN/ACK, ACK, data at least
    expect(frames.map((x) => x.f.index)).toEqual(frames.map((_, i) => i + 1));
    const withPayload = frames.find((x) => x.bytes.includes(payload))!;
    expect(withPayload.f).toMatchObject({ linkType: 1, interfaceId: 0, fileOffset: -1 });
    expect(withPayload.f.wireLen).toBe(withPayload.f.capLen);
    // Ethernet header then IPv4 (ethertype 0x0800) from 127.0.0.1.
    expect(withPayload.bytes.readUInt16BE(12)).toBe(0x0800);
    expect([...withPayload.bytes.subarray(26, 30)]).toEqual([127, 0, 0, 1]);
    const now = Date.now() / 1000;
    expect(Math.abs(withPayload.f.tsSec - now)).toBeLessThan(600);
    expect(live.stop().frames).toBe(frames.length); // idempotent
  });

  it('rejects an unknown interface and a bad filter with clear errors', () => {
    expect(() => openLive({ iface: 'no-such-if0' }, { frame() {} })).toThrow(expect.objectContaining({ code: 'ERR_CAPTURE_INTERFACE' }));
    expect(() => openLive({ iface: 'lo', filter: 'tcp port (' }, { frame() {} })).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });
});
