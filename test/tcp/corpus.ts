/**
 * Runs a corpus capture through the real capture parser, decoder and TcpReassembler, collecting
 * every mail connection's bytes (copied), gaps and summary.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import type { RawFrame } from '../../src/capture/frame.js';
import { createDecodeContext, decodeFrame } from '../../src/decode/decode-frame.js';
import { newDecoded } from '../../src/decode/decoded.js';
import { TcpReassembler } from '../../src/tcp/reassembler.js';
import type { ConnectionInfo, ConnectionSummary, Direction, StreamFactory, StreamHandler } from '../../src/tcp/stream.js';

/** The shared corpus, next to the repository (<repo>/../shared/corpus). */
export const CORPUS = new URL('../../../shared/corpus/', import.meta.url);

/** URL of a corpus file from its path under the corpus ("BruteShark/IMAP - Login (Plaintext) 2.pcap"). */
export function corpusFile(path: string): URL {
  return new URL(path.split('/').map(encodeURIComponent).join('/'), CORPUS);
}

/** One direction summarised like the tshark fixtures. */
export interface DirDigest {
  bytes: number;
  sha256: string;
  head: string;
  /** Gaps as {at: data bytes delivered before the gap, length}. */
  gaps: Array<{ at: number; length: number }>;
}

export class Collector implements StreamHandler {
  readonly chunks: [Uint8Array[], Uint8Array[]] = [[], []];
  readonly gaps: [Array<{ at: number; length: number }>, Array<{ at: number; length: number }>] = [[], []];
  readonly dataBytes: [number, number] = [0, 0];
  summary: ConnectionSummary | undefined;
  constructor(readonly info: ConnectionInfo) {}
  data(dir: Direction, bytes: Uint8Array): void {
    this.chunks[dir].push(bytes.slice());
    this.dataBytes[dir] += bytes.length;
  }
  gap(dir: Direction, length: number): void {
    this.gaps[dir].push({ at: this.dataBytes[dir], length });
  }
  end(): void {}
  close(summary: ConnectionSummary): void {
    this.summary = summary;
  }
  describe(dir: Direction): DirDigest {
    const bytes = Buffer.concat(this.chunks[dir]);
    return {
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      head: bytes.subarray(0, 64).toString('hex'),
      gaps: this.gaps[dir],
    };
  }
}

export function reassembleCapture(path: URL): { conns: Collector[]; reassembler: TcpReassembler } {
  const conns: Collector[] = [];
  const factory: StreamFactory = {
    open(info) {
      const c = new Collector(info);
      conns.push(c);
      return c;
    },
    probe: () => undefined,
  };
  const reassembler = new TcpReassembler(factory);
  const d = newDecoded();
  const ctx = createDecodeContext();
  const parser = new CaptureParser({
    frame(f: RawFrame) {
      decodeFrame(f, d, ctx);
      if (d.kind === 'tcp') reassembler.packet(f, d);
    },
  });
  parser.push(new Uint8Array(readFileSync(path)));
  parser.end();
  reassembler.finish();
  return { conns, reassembler };
}

