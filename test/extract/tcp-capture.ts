/**
 * Test helper: a classic pcap (Ethernet/IPv4/TCP) of one scripted connection: handshake, the data
 * of each step in segments of at most SEGMENT_BYTES (in order, acknowledged), then FIN or RST, or
 * nothing (the capture stops). Streams the file to disk so a 20 MB session needs no 20 MB buffer.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

const SEGMENT_BYTES = 1400;

export type Step = { dir: 0 | 1; data: Uint8Array | string } | { dir: 0 | 1; skip: number };

export interface SessionSpec {
  clientPort?: number;
  serverPort: number;
  steps: Step[];
  /** How it ends: 'fin' (default), 'rst' from the server, or 'cut' (no more packets). */
  end?: 'fin' | 'rst' | 'cut';
}

const IP = [
  [10, 0, 0, 1],
  [10, 0, 0, 2],
];

export function writeTcpCapture(path: string, spec: SessionSpec): void {
  const fd = openSync(path, 'w');
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  writeSync(fd, header);
  const ports = [spec.clientPort ?? 40001, spec.serverPort];
  const seq = [1000, 5000];
  let usec = 0;
  const packet = (dir: 0 | 1, flags: number, payload: Uint8Array): void => {
    const tcpLen = 20;
    const ipLen = 20 + tcpLen + payload.length;
    const frame = Buffer.alloc(14 + ipLen);
    frame.writeUInt16BE(0x0800, 12);
    frame[14] = 0x45;
    frame.writeUInt16BE(ipLen, 16);
    frame[22] = 64;
    frame[23] = 6;
    frame.set(IP[dir]!, 26);
    frame.set(IP[1 - dir]!, 30);
    const t = 34;
    frame.writeUInt16BE(ports[dir]!, t);
    frame.writeUInt16BE(ports[1 - dir]!, t + 2);
    frame.writeUInt32BE(seq[dir]! >>> 0, t + 4);
    frame.writeUInt32BE(seq[1 - dir]! >>> 0, t + 8);
    frame[t + 12] = 0x50;
    frame[t + 13] = flags;
    frame.writeUInt16BE(65535, t + 14);
    frame.set(payload, t + 20);
    const rec = Buffer.alloc(16);
    usec += 100;
    rec.writeUInt32LE(1_700_000_000 + Math.floor(usec / 1e6), 0);
    rec.writeUInt32LE(usec % 1e6, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    writeSync(fd, rec);
    writeSync(fd, frame);
    seq[dir] = (seq[dir]! + payload.length + (flags & 0x03 ? 1 : 0)) >>> 0;
  };
  const SYN = 0x02, ACK = 0x10, PSH = 0x08, FIN = 0x01, RST = 0x04;
  const empty = new Uint8Array(0);
  seq[0] -= 1; // the SYN takes the sequence number before the first data byte
  seq[1] -= 1;
  packet(0, SYN, empty);
  packet(1, SYN | ACK, empty);
  packet(0, ACK, empty);
  for (const s of spec.steps) {
    if ('skip' in s) {
      seq[s.dir] = (seq[s.dir]! + s.skip) >>> 0; // bytes never captured: a gap
      continue;
    }
    const data = typeof s.data === 'string' ? Buffer.from(s.data, 'latin1') : s.data;
    for (let off = 0; off < data.length; off += SEGMENT_BYTES) packet(s.dir, ACK | PSH, data.subarray(off, off + SEGMENT_BYTES));
    packet(s.dir === 0 ? 1 : 0, ACK, empty);
  }
  if (spec.end === 'rst') packet(1, RST | ACK, empty);
  else if (spec.end !== 'cut') {
    packet(0, FIN | ACK, empty);
    packet(1, FIN | ACK, empty);
    packet(0, ACK, empty);
  }
  closeSync(fd);
}
