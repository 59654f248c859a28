/**
 * Live capture on loopback through mailwire's native libpcap addon (native/mailwire_pcap.c): real
 * TCP over lo, captured, batched, and read back out of the batch buffer. Needs root and the addon;
 * skipped with one line otherwise.
 */
import { describe, expect, it } from 'vitest';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { libpcapVersion, listInterfaces, openLive } from '../../src/capture/live.js';
import type { CaptureStats, RawFrame } from '../../src/capture/frame.js';
import { decodeFrame } from '../../src/decode/decode-frame.js';
import { newDecoded, TcpFlag } from '../../src/decode/decoded.js';
import { AnalysisSession } from '../../src/analyze.js';
import type { Conversation } from '../../src/model/conversation.js';
import { createRequire } from 'node:module';
import { liveCaptureUnavailable } from '../helpers/live-capture.js';

const unavailable = liveCaptureUnavailable();
const canCapture = unavailable === undefined;
if (!canCapture) console.warn(`live capture tests skipped: ${unavailable}`);

async function listen(onConnection: (sock: Socket) => void): Promise<{ port: number; close(): void }> {
  const server = createServer(onConnection);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

describe.skipIf(!canCapture)('live capture on loopback', () => {
  it('lists lo with 127.0.0.1 and names the libpcap it runs on', async () => {
    const list = await listInterfaces();
    expect(list.find((i) => i.name === 'lo')?.addresses).toContain('127.0.0.1');
    expect(libpcapVersion()).toMatch(/^libpcap version \d/);
  });

  it('captures a TCP exchange on lo: Ethernet frames that carry the payload, kernel timestamps, drop counters', async () => {
    const server = await listen((sock) => sock.on('data', () => sock.end('+OK bye\r\n')));
    const payload = `USER live-test-${server.port}\r\n`;
    const frames: Array<{ f: Omit<RawFrame, 'buf'>; bytes: Buffer }> = [];
    let sawPayload: () => void = () => {};
    const seen = new Promise<void>((resolve) => { sawPayload = resolve; });
    const before = Date.now() / 1000;
    const live = openLive({ iface: 'lo', filter: `tcp port ${server.port}` }, {
      frame(f) {
        const { buf, ...rest } = f;
        const bytes = Buffer.from(buf.subarray(f.offset, f.offset + f.capLen));
        frames.push({ f: { ...rest }, bytes });
        if (bytes.includes(payload)) sawPayload();
      },
    });
    let stats: CaptureStats;
    try {
      expect(live.linkType).toBe(1);
      const client = connect(server.port, '127.0.0.1');
      await once(client, 'connect');
      client.write(payload);
      client.resume(); // 'end' comes only once the reply is consumed
      await once(client, 'end');
      client.destroy();
      // No timing assert: the test waits for the frame (the suite's timeout bounds it).
      await seen;
    } finally {
      stats = live.stop();
      server.close();
    }
    expect(stats).toMatchObject({ format: 'live', frames: frames.length, dropped: 0, ifDropped: 0 });
    expect(stats.bytesRead).toBe(frames.reduce((n, x) => n + x.f.capLen, 0));
    expect(frames.length).toBeGreaterThanOrEqual(4); // SYN, SYN/ACK, ACK, data at least
    expect(frames.map((x) => x.f.index)).toEqual(frames.map((_, i) => i + 1));
    const withPayload = frames.find((x) => x.bytes.includes(payload))!;
    expect(withPayload.f).toMatchObject({ linkType: 1, interfaceId: 0, fileOffset: -1 });
    expect(withPayload.f.wireLen).toBe(withPayload.f.capLen);
    // Ethernet header then IPv4 (ethertype 0x0800) from 127.0.0.1.
    expect(withPayload.bytes.readUInt16BE(12)).toBe(0x0800);
    expect([...withPayload.bytes.subarray(26, 30)]).toEqual([127, 0, 0, 1]);
    // The kernel's capture time, in order, within the test's run.
    const times = frames.map((x) => x.f.tsSec + x.f.tsNsec / 1e9);
    expect(times[0]).toBeGreaterThanOrEqual(before - 1);
    expect(times[times.length - 1]).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    for (const x of frames) expect(x.f.tsNsec).toBeLessThan(1e9);
    expect(live.stop()).toBe(stats); // idempotent
  });

  it('sends an IMAP dialogue over lo and the analysis rebuilds it; the input summary carries the kernel drop counters', async () => {
    const server = await listen((sock) => {
      sock.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] live test ready\r\n');
      let pending = '';
      sock.on('data', (d: Buffer) => {
        pending += d.toString('latin1');
        for (let i = pending.indexOf('\r\n'); i >= 0; i = pending.indexOf('\r\n')) {
          const line = pending.slice(0, i);
          pending = pending.slice(i + 2);
          const [tag, cmd] = line.split(' ');
          if (cmd === 'LOGIN') sock.write(`${tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n`);
          else if (cmd === 'LOGOUT') sock.end(`* BYE Logging out\r\n${tag} OK Logout completed.\r\n`);
          else sock.write(`${tag} BAD Error in IMAP command\r\n`);
        }
      });
    });
    const conversations: Conversation[] = [];
    let delivered: () => void = () => {};
    const done = new Promise<void>((resolve) => { delivered = resolve; });
    const session = new AnalysisSession({
      extraPorts: [server.port],
      onConversation: (c) => {
        conversations.push(c);
        delivered();
      },
    });
    const input = session.input('live:lo');
    const live = openLive({ iface: 'lo', filter: `tcp port ${server.port}` }, input);
    let stats: CaptureStats | undefined;
    try {
      const client = connect(server.port, '127.0.0.1');
      client.setEncoding('latin1');
      let got = '';
      const waitFor = async (text: string): Promise<void> => {
        while (!got.includes(text)) got += String((await once(client, 'data'))[0]);
      };
      await waitFor('ready\r\n');
      client.write('a1 LOGIN alice wrongpass\r\n');
      await waitFor('a1 NO');
      client.write('a2 LOGOUT\r\n');
      await waitFor('a2 OK');
      client.end();
      await once(client, 'close');
      // The conversation is delivered once its connection has closed in the capture.
      await done;
    } finally {
      stats = live.stop();
      server.close();
    }
    const summary = input.finish(stats);
    session.finish();
    expect(summary.capture).toMatchObject({ format: 'live', dropped: 0, ifDropped: 0 });
    expect(summary.capture!.frames).toBeGreaterThanOrEqual(10);
    expect(conversations).toHaveLength(1);
    const c = conversations[0]!;
    expect(c.protocol).toBe('imap');
    expect(c.events.map((e) => `${e.side} ${e.raw}`)).toEqual([
      'S * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] live test ready',
      'C a1 LOGIN alice wrongpass',
      'S a1 NO [AUTHENTICATIONFAILED] Authentication failed.',
      'C a2 LOGOUT',
      'S * BYE Logging out',
      'S a2 OK Logout completed.',
    ]);
    expect(c.auth.map((a) => [a.user, a.outcome])).toEqual([['alice', 'failed']]);
    expect(c.findings.map((f) => f.id)).toContain('imap.login-failed');
  });

  it('delivers a 6 MiB transfer whole and in order across many batches (sequence numbers contiguous)', async () => {
    const TRANSFER = 6 * 1024 * 1024;
    const server = await listen((sock) => sock.end(Buffer.alloc(TRANSFER, 0x5a)));
    const d = newDecoded();
    let indexOk = true;
    let lastIndex = 0;
    let nextSeq: number | undefined;
    let contiguous = 0;
    const holes: string[] = [];
    let retransmissions = 0;
    let sawFin: () => void = () => {};
    const fin = new Promise<void>((r) => { sawFin = r; });
    const live = openLive({ iface: 'lo', filter: `tcp src port ${server.port}` }, {
      frame(f: RawFrame) {
        if (f.index !== lastIndex + 1) indexOk = false;
        lastIndex = f.index;
        expect(f.wireLen).toBe(f.capLen); // the default snaplen keeps loopback's 64 KiB segments whole
        decodeFrame(f, d);
        if (d.kind !== 'tcp') return;
        if (d.flags & TcpFlag.SYN) nextSeq = (d.seq + 1) >>> 0;
        else if (d.payloadLength > 0 && nextSeq !== undefined) {
          if (d.seq === nextSeq) {
            // The payload really is the server's bytes, read at the right place in the batch.
            if (f.buf[d.payloadOffset] !== 0x5a || f.buf[d.payloadOffset + d.payloadLength - 1] !== 0x5a) holes.push(`bad bytes in frame ${f.index}`);
            contiguous += d.payloadLength;
            nextSeq = (nextSeq + d.payloadLength) >>> 0;
          } else if (((d.seq + d.payloadLength - nextSeq) | 0) <= 0) {
            retransmissions++; // loopback TCP does retransmit now and then: bytes already seen
          } else holes.push(`seq ${d.seq} (expected ${nextSeq}) len ${d.payloadLength} frame ${f.index}`);
        }
        if (d.flags & TcpFlag.FIN) sawFin();
      },
    });
    let stats: CaptureStats;
    try {
      const client = connect(server.port, '127.0.0.1');
      let received = 0;
      client.on('data', (b: Buffer) => { received += b.length; });
      await once(client, 'end');
      client.destroy();
      expect(received).toBe(TRANSFER);
      await fin;
    } finally {
      stats = live.stop();
      server.close();
    }
    expect(indexOk).toBe(true);
    expect(holes).toEqual([]);
    expect(contiguous).toBe(TRANSFER);
    expect(stats.dropped).toBe(0);
    // More bytes than one 4 MiB batch: the records were split across batches.
    expect(stats.bytesRead).toBeGreaterThan(TRANSFER);
  });

  it('on lo the kernel keeps the outgoing copy of each packet out of the ring, and the same packets arrive as without that', async () => {
    interface Capture {
      ignoresOutgoing: boolean;
      dispatch(max: number, onBatch: (n: number) => void): number;
      stats(): { received: number };
      close(): void;
    }
    const addon = createRequire(import.meta.url)('../../native/build/Release/mailwire_pcap.node') as {
      Capture: new (...args: unknown[]) => Capture;
    };
    const server = await listen((sock) => {
      sock.write('* OK ready\r\n');
      sock.on('data', () => sock.end(Buffer.alloc(1024 * 1024, 0x41)));
    });
    const filter = `tcp port ${server.port}`;
    /** Each capture's packets as they came out of its batch buffer: caplen, len and bytes. */
    const open = (loopback: boolean): { c: Capture; packets: string[]; read(n: number): void } => {
      const batch = Buffer.alloc(4 * 1024 * 1024);
      const c = new addon.Capture('lo', filter, 262_144, 16 * 1024 * 1024, 50, batch, loopback);
      const packets: string[] = [];
      const read = (n: number): void => {
        for (let i = 0, off = 0; i < n; i++) {
          const caplen = batch.readUInt32LE(off + 8);
          packets.push(`${caplen} ${batch.readUInt32LE(off + 12)} ${batch.toString('hex', off + 16, off + 16 + caplen)}`);
          off += 16 + caplen;
        }
      };
      return { c, packets, read };
    };
    const ignoring = open(true);
    const plain = open(false);
    const drainBoth = (): void => {
      for (const x of [ignoring, plain]) x.c.dispatch(-1, x.read);
    };
    try {
      expect(ignoring.c.ignoresOutgoing).toBe(true);
      expect(plain.c.ignoresOutgoing).toBe(false);
      const client = connect(server.port, '127.0.0.1');
      await once(client, 'data');
      client.write('a1 FETCH\r\n');
      client.resume();
      await once(client, 'end');
      client.end();
      await once(client, 'close');
      // Read until each capture has delivered every packet the kernel queued for it (the last
      // block comes at most the block timeout later); the suite's timeout bounds the wait.
      for (;;) {
        drainBoth();
        const a = ignoring.c.stats().received;
        const b = plain.c.stats().received;
        if (a > 0 && ignoring.packets.length === a && plain.packets.length * 2 === b && ignoring.packets.length === plain.packets.length) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      ignoring.c.close();
      plain.c.close();
      server.close();
    }
    expect(ignoring.packets.length).toBeGreaterThan(10);
    expect(ignoring.packets).toEqual(plain.packets);
  });

  it('stop() right after the traffic still delivers every packet captured before it (the block being filled included)', async () => {
    const server = await listen((sock) => sock.on('data', () => sock.end('+OK bye\r\n')));
    const payloads: string[] = [];
    let fins = 0;
    const d = newDecoded();
    const live = openLive({ iface: 'lo', filter: `tcp port ${server.port}` }, {
      frame(f) {
        decodeFrame(f, d);
        if (d.kind !== 'tcp') return;
        if (d.flags & TcpFlag.FIN) fins++;
        if (d.payloadLength) payloads.push(Buffer.from(f.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength)).toString('latin1'));
      },
    });
    let stats: CaptureStats;
    try {
      const client = connect(server.port, '127.0.0.1');
      await once(client, 'connect');
      client.write('QUIT\r\n');
      client.resume();
      await once(client, 'end');
      client.end();
      await once(client, 'close');
    } finally {
      // At once: these packets are still in the block the kernel is filling.
      stats = live.stop();
      server.close();
    }
    expect(payloads).toEqual(['QUIT\r\n', '+OK bye\r\n']);
    expect(fins).toBe(2);
    expect(stats.dropped).toBe(0);
  });

  it('can be stopped from inside the sink: no frame after stop(), the counters still come', async () => {
    const server = await listen((sock) => sock.end(Buffer.alloc(256 * 1024, 0x42)));
    const seen: number[] = [];
    let stats: CaptureStats | undefined;
    let stoppedInside: () => void = () => {};
    const stoppedP = new Promise<void>((r) => { stoppedInside = r; });
    const live = openLive({ iface: 'lo', filter: `tcp port ${server.port}` }, {
      frame(f) {
        seen.push(f.index);
        if (f.index === 3) {
          stats = live.stop();
          stoppedInside();
        }
      },
    });
    try {
      const client = connect(server.port, '127.0.0.1');
      client.resume();
      await once(client, 'end');
      client.destroy();
      await stoppedP;
      // Give a later poll the chance to (wrongly) deliver more.
      await new Promise((r) => setTimeout(r, 150));
    } finally {
      live.stop();
      server.close();
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(stats).toMatchObject({ frames: 3, dropped: 0 });
    expect(live.stop()).toBe(stats);
  });

  it('rejects an unknown interface and a bad filter with clear errors', () => {
    expect(() => openLive({ iface: 'no-such-if0' }, { frame() {} })).toThrow(expect.objectContaining({ code: 'ERR_CAPTURE_INTERFACE' }));
    expect(() => openLive({ iface: 'lo', filter: 'tcp port (' }, { frame() {} })).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });
});
