/**
 * Shared by the robustness tests: running the real CLI (`node bin/mailwire`, built into dist/ by
 * `npm test`'s tsc step), locating the corpus, and taking real captures apart record by record so a
 * test can damage one precisely and rebuild the same traffic as pcapng.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PcapngBuilder } from '../helpers/capture-builders.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin/mailwire');
export const CAPTURES = join(ROOT, 'captures');
/** The shared corpus of third-party captures: `<repo>/../shared/corpus`. */
export const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
export const HAVE_CORPUS = existsSync(CORPUS);

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `mailwire ARGS` with colour off (unless `color`: FORCE_COLOR); `input` goes to its standard input. */
export function runCli(args: string[], input?: Uint8Array | string, opts: { color?: boolean } = {}): CliResult {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  if (opts.color) {
    delete env.NO_COLOR;
    env.FORCE_COLOR = '1';
  }
  const r = spawnSync(process.execPath, [BIN, ...args], { input, cwd: ROOT, env, maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** The lines a command wrote to stderr (without the empty last one). */
export function stderrLines(r: CliResult): string[] {
  return r.stderr.split('\n').filter((l) => l !== '');
}

/** One record of a little-endian µs classic pcap: where its 16-byte header starts and its fields. */
export interface PcapRecord {
  offset: number;
  tsSec: number;
  tsUsec: number;
  capLen: number;
  wireLen: number;
  data: Uint8Array;
}

/** Splits a (well-formed, little-endian, µs) classic pcap into its records. */
export function pcapRecords(file: Uint8Array): PcapRecord[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (v.getUint32(0, true) !== 0xa1b2c3d4) throw new Error('pcapRecords: expects a little-endian microsecond pcap');
  const out: PcapRecord[] = [];
  for (let p = 24; p + 16 <= file.length;) {
    const capLen = v.getUint32(p + 8, true);
    out.push({ offset: p, tsSec: v.getUint32(p, true), tsUsec: v.getUint32(p + 4, true), capLen, wireLen: v.getUint32(p + 12, true), data: file.subarray(p + 16, p + 16 + capLen) });
    p += 16 + capLen;
  }
  return out;
}

/** The same frames as pcapng (one Ethernet interface, µs), and the byte offset of every EPB. */
export function toPcapng(file: Uint8Array): { bytes: Uint8Array; epbOffsets: number[] } {
  const b = new PcapngBuilder().shb().idb({ linkType: 1, snaplen: 65535 });
  const epbOffsets: number[] = [];
  let offset = b.build().length;
  for (const r of pcapRecords(file)) {
    epbOffsets.push(offset);
    b.epb({ ifId: 0, ts: BigInt(r.tsSec) * 1_000_000n + BigInt(r.tsUsec), data: r.data, wireLen: r.wireLen });
    offset = b.build().length;
  }
  return { bytes: b.build(), epbOffsets };
}

/** A copy of `bytes` with a little-endian u32 written at `at`. */
export function withU32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  new DataView(copy.buffer).setUint32(at, value >>> 0, true);
  return copy;
}
