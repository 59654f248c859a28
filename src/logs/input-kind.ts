/**
 * What an input of `mailwire read` is, told by its content (not its name): a capture (pcap, pcapng,
 * gzip, or anything else, which the capture reader then names in its one-line error), or a server
 * log that src/logs reads into conversations. One module so that every command taking an input
 * list (read and its filters, capture sets) asks the same question the same way.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export type InputKind =
  /** pcap / pcapng / gzip, or not recognised as anything else (the capture reader reports it). */
  | 'capture'
  /** Exchange 2013+ IMAP4 or POP3 protocol log (CSV with a `#Fields: dateTime,sessionId,...` header). */
  | 'exchange-protocol-log';

/** Bytes looked at: log headers and the first lines are in the first few KiB. */
const HEAD_BYTES = 16 * 1024;

/** Capture magics (pcap both byte orders and both resolutions, pcapng) and gzip. */
function isCaptureMagic(b: Uint8Array): boolean {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return true;
  if (b.length < 4) return false;
  const m = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  return m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1 || m === 0x0a0d0d0a;
}

/** The kind of input whose first bytes are `head`. */
export function inputKindOf(head: Uint8Array): InputKind {
  if (isCaptureMagic(head)) return 'capture';
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1');
  const lines = text.split('\n', 50);
  if (lines.some((l) => /^#Fields:\s*dateTime,sessionId,seqNumber,/i.test(l))) return 'exchange-protocol-log';
  return 'capture';
}

/** The kind of the input at `path` ('-', standard input, is always a capture: it cannot be peeked at). */
export function inputKind(path: string): InputKind {
  if (path === '-') return 'capture';
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 'capture'; // the capture reader gives the one-line error about the path
  }
  try {
    const head = new Uint8Array(HEAD_BYTES);
    const n = readSync(fd, head, 0, HEAD_BYTES, 0);
    return inputKindOf(head.subarray(0, n));
  } catch {
    return 'capture';
  } finally {
    closeSync(fd);
  }
}
