/**
 * Reads a capture through the project's own capture, decode and TCP layers and records each TCP
 * connection as ordered per-direction chunks, so the TLS tests can feed the TLS layer exactly the
 * bytes (and gaps) the reassembler would give it, segment by segment.
 */
import { readFileSync } from 'node:fs';
import { CaptureParser } from '../../../../src/capture/capture-parser.js';
import { decodeFrame } from '../../../../src/decode/decode-frame.js';
import { newDecoded } from '../../../../src/decode/decoded.js';
import { TcpReassembler } from '../../../../src/tcp/reassembler.js';
import type { ConnectionInfo, StreamHandler } from '../../../../src/tcp/stream.js';

export interface Chunk {
  dir: 0 | 1;
  bytes: Uint8Array;
  frame: number;
  ts: number;
  /** Offset in this direction's stream; a chunk after missing bytes has `gapBefore` > 0. */
  streamOffset: number;
  gapBefore: number;
}

export interface MiniConnection {
  client: string;
  server: string;
  serverPort: number;
  chunks: Chunk[];
}

export interface MiniCapture {
  connections: MiniConnection[];
  /** Decryption Secrets Block texts (pcapng). */
  secrets: string[];
}

/** Reads a capture and reassembles each TCP connection into ordered per-direction chunks. */
export function readMiniCapture(path: string | URL): MiniCapture {
  const connections: Array<{ id: number; c: MiniConnection }> = [];
  const recorder = (info: ConnectionInfo): StreamHandler => {
    const c: MiniConnection = { client: `${info.client.ip}:${info.client.port}`, server: `${info.server.ip}:${info.server.port}`, serverPort: info.server.port, chunks: [] };
    connections.push({ id: info.id, c });
    const gapBefore: [number, number] = [0, 0];
    return {
      data(dir, bytes, meta) {
        c.chunks.push({ dir, bytes: bytes.slice(), frame: meta.firstFrame, ts: meta.ts, streamOffset: meta.streamOffset, gapBefore: gapBefore[dir] });
        gapBefore[dir] = 0;
      },
      gap(dir, length) {
        gapBefore[dir] += length;
      },
      end() {},
      close() {},
    };
  };
  const reassembler = new TcpReassembler({ open: recorder, probe: (info) => ({ handler: recorder(info), swapRoles: false }) });
  const secrets: string[] = [];
  const decoded = newDecoded();
  const parser = new CaptureParser({
    frame(f) {
      const d = decodeFrame(f, decoded);
      if (d.kind === 'tcp') reassembler.packet(f, d);
    },
    secrets: (s) => void secrets.push(s.text),
  });
  parser.push(readFileSync(path));
  parser.end();
  reassembler.finish();
  return { connections: connections.sort((a, b) => a.id - b.id).map((x) => x.c), secrets };
}
