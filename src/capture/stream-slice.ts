/**
 * `read --conversation N -w FILE`: the packets of one conversation, cut out of its capture file
 * as Wireshark's `tcp.stream eq K` selects them, written as a pcap file a user can open (with the
 * key log) in Wireshark. A second pass over the file: the analysis keeps no packets.
 */
import { MailwireError } from '../errors.js';
import { createDecodeContext, decodeFrame } from '../decode/decode-frame.js';
import { newDecoded } from '../decode/decoded.js';
import { TcpStreamIndex } from '../tcp/stream-index.js';
import { PcapWriter } from './pcap-writer.js';
import { readCapture } from './read-capture.js';

/** Writes the frames of `input` whose tcp.stream is `tcpStream` to `target`; returns how many. */
export async function writeStream(input: string, tcpStream: number, target: string): Promise<number> {
  if (input === '(stdin)' || input === '-') throw new MailwireError('ERR_USAGE', '-w cannot cut a conversation out of standard input (it cannot be read twice): save the capture to a file first');
  const index = new TcpStreamIndex();
  const decoded = newDecoded();
  const context = createDecodeContext();
  let writer: PcapWriter | undefined;
  let written = 0;
  try {
    await readCapture(input, {
      frame(f) {
        const d = decodeFrame(f, decoded, context);
        if (d.kind !== 'tcp' || index.packet(d) !== tcpStream) return;
        // The file takes the link type of the conversation's first frame (one conversation, one link).
        writer ??= new PcapWriter(target, f.linkType, 262_144, { nanosecond: true });
        if (f.linkType !== writer.linkType) return;
        writer.write(f.tsSec, f.tsNsec, f.buf.subarray(f.offset, f.offset + f.capLen), f.wireLen);
        written++;
      },
    });
  } finally {
    writer?.close();
  }
  return written;
}
