import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';
import { MailwireError, systemErrorWords } from '../errors.js';
import type { RawFrame } from './frame.js';

/** Records are gathered in a buffer of this size and written with one write call when it fills. */
const WRITE_BUFFER_BYTES = 256 * 1024;
const GLOBAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;

/**
 * Creates (or truncates) a capture file, owner-only (0o600, also when it existed), and returns its
 * descriptor; throws a MailwireError naming the file. `live -w` opens it before the capture starts.
 */
export function openCaptureFile(path: string): number {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w', 0o600);
    // The mode only applies to new files: tighten an existing one too.
    fchmodSync(fd, 0o600);
    return fd;
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    throw new MailwireError('ERR_OUTPUT', `${path}: cannot write the capture: ${systemErrorWords(err)}`);
  }
}

/**
 * Writes a classic pcap file (little-endian, version 2.4, µs or ns timestamps): for `live -w`, and
 * for tests and scripts that build captures. A path is created with mode 0o600 (owner-only: a
 * capture of mail traffic holds credentials); a file descriptor is used as given and left open.
 * Records are buffered (WRITE_BUFFER_BYTES); call flush() or close() to get them on disk. Data
 * longer than the snaplen is cut to it, with the wire length kept.
 */
export class PcapWriter {
  private readonly fd: number;
  private readonly ownsFd: boolean;
  private readonly nanosecond: boolean;
  private readonly buf = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
  private used = 0;
  private closed = false;
  /** Records written so far. */
  records = 0;

  constructor(target: number | string, readonly linkType: number, readonly snaplen = 262_144, opts: { nanosecond?: boolean } = {}) {
    this.nanosecond = opts.nanosecond === true;
    if (typeof target === 'number') {
      this.fd = target;
      this.ownsFd = false;
    } else {
      this.fd = openCaptureFile(target);
      this.ownsFd = true;
    }
    const h = this.buf;
    h.writeUInt32LE(this.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeInt32LE(0, 8);
    h.writeUInt32LE(0, 12);
    h.writeUInt32LE(snaplen >>> 0, 16);
    h.writeUInt32LE(linkType >>> 0, 20);
    this.used = GLOBAL_HEADER_BYTES;
  }

  /** Appends one record; `tsNsec` is nanoseconds (rounded down to µs in a µs file). */
  write(tsSec: number, tsNsec: number, data: Uint8Array, wireLen = data.length): void {
    if (this.closed) throw new MailwireError('ERR_OUTPUT', 'pcap writer used after close()');
    const capLen = Math.min(data.length, this.snaplen);
    if (this.used + RECORD_HEADER_BYTES + capLen > this.buf.length) this.flush();
    const h = this.buf;
    let o = this.used;
    h.writeUInt32LE(tsSec >>> 0, o);
    h.writeUInt32LE(this.nanosecond ? tsNsec >>> 0 : Math.floor(tsNsec / 1000), o + 4);
    h.writeUInt32LE(capLen, o + 8);
    h.writeUInt32LE(Math.max(wireLen, capLen) >>> 0, o + 12);
    o += RECORD_HEADER_BYTES;
    if (capLen > h.length - o) {
      // Bigger than the whole buffer: write the header and the data directly.
      this.used = o;
      this.flush();
      this.writeAll(data.subarray(0, capLen));
    } else {
      h.set(data.subarray(0, capLen), o);
      this.used = o + capLen;
    }
    this.records++;
  }

  /** Appends a frame as read from a capture source (its bytes, times and wire length). */
  writeFrame(f: RawFrame): void {
    this.write(f.tsSec, f.tsNsec, f.buf.subarray(f.offset, f.offset + f.capLen), f.wireLen);
  }

  /** Writes the buffered records to the file. */
  flush(): void {
    if (this.used === 0) return;
    this.writeAll(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  /** Flushes, and closes the file when the writer opened it. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.ownsFd) closeSync(this.fd);
  }

  private writeAll(bytes: Uint8Array): void {
    let off = 0;
    try {
      while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    } catch (err) {
      throw new MailwireError('ERR_OUTPUT', `cannot write the capture: ${systemErrorWords(err)}`);
    }
  }
}
