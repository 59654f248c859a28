// The ceiling for the benchmark: the least a Node program must do to see every packet of a capture.
// Reads the file with fs.readSync into one reused 4 MiB buffer and walks the record headers (classic
// pcap) or block headers (pcapng), counting packets. Prints {"packets":N,"bytes":N} on stdout.
//
//   node bench/read-loop.mjs FILE
import { closeSync, openSync, readSync } from 'node:fs';

const BUFFER_BYTES = 4 * 1024 * 1024;

/** Counts the packets of a classic pcap or pcapng file; returns {packets, bytes}. */
export function readLoop(path) {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(BUFFER_BYTES);
  let have = readSync(fd, buf, 0, BUFFER_BYTES, null);
  let bytes = have;
  const magic = buf.readUInt32LE(0);
  const pcapng = magic === 0x0a0d0d0a;
  let le = true;
  if (!pcapng) le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  let pos = pcapng ? 0 : 24;
  let packets = 0;
  for (;;) {
    // Walk every complete record in the buffer.
    for (;;) {
      if (pcapng) {
        if (pos + 8 > have) break;
        const len = buf.readUInt32LE(pos + 4);
        if (len < 12) throw new Error(`bad block length at ${pos}`);
        if (pos + len > have) break;
        const type = buf.readUInt32LE(pos);
        if (type === 6 || type === 3) packets++;
        pos += len;
      } else {
        if (pos + 16 > have) break;
        const cap = le ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
        if (pos + 16 + cap > have) break;
        packets++;
        pos += 16 + cap;
      }
    }
    // Keep the partial record and read on.
    buf.copy(buf, 0, pos, have);
    have -= pos;
    pos = 0;
    const n = readSync(fd, buf, have, BUFFER_BYTES - have, null);
    if (n === 0) break;
    have += n;
    bytes += n;
  }
  closeSync(fd);
  return { packets, bytes };
}

if (process.argv[2]) process.stdout.write(JSON.stringify(readLoop(process.argv[2])) + '\n');
