/**
 * `live -w` and `live -o` with rotation (-C/-G/-W, rotation.ts): the pcap writer and the report
 * output that start a new file between two writes when the Rotation says so. The first file is
 * opened at once (while live still runs as root); the later ones by the user live becomes, so the
 * directory must be writable by it (docs: README, live options).
 */
import type { RawFrame } from '../capture/frame.js';
import { PcapWriter } from '../capture/pcap-writer.js';
import { openOutput, type Output } from './output.js';
import { Rotation, type RotationOptions } from './rotation.js';

const PCAP_HEADER_BYTES = 24;
const PCAP_RECORD_HEADER_BYTES = 16;

/** Something that may ask the capture to stop (-W with -G: the last file is written). */
export interface Stoppable {
  readonly limitReached: boolean;
}

/** A pcap writer that rotates by the packets' own times (-G) and sizes (-C). */
export class RotatingPcapWriter implements Stoppable {
  private readonly rotation: Rotation;
  private writer: PcapWriter | undefined;
  private size = 0;
  /** Files written so far, in order. */
  readonly files: string[] = [];

  constructor(template: string, opts: RotationOptions, private readonly linkType: number, private readonly snaplen: number, now = Date.now() / 1000) {
    this.rotation = new Rotation(template, opts, '-w');
    this.open(this.rotation.first(now));
  }

  get limitReached(): boolean {
    return this.rotation.limitReached;
  }

  writeFrame(f: RawFrame): void {
    const bytes = PCAP_RECORD_HEADER_BYTES + Math.min(f.capLen, this.snaplen);
    const next = this.rotation.next(f.tsSec + f.tsNsec / 1e9, this.size - PCAP_HEADER_BYTES, bytes);
    if (next !== undefined) {
      this.writer!.close();
      this.open(next);
    }
    this.writer!.writeFrame(f);
    this.size += bytes;
  }

  close(): void {
    this.writer?.close();
  }

  private open(name: string): void {
    this.writer = new PcapWriter(name, this.linkType, this.snaplen);
    this.size = PCAP_HEADER_BYTES;
    this.files.push(name);
  }
}

/** The report output (-o FILE) rotating by the time of each write (-G) and its size (-C). */
export function openRotatingOutput(template: string, opts: RotationOptions, ownerOnly: boolean, clock: () => number = () => Date.now() / 1000): Output & Stoppable & { files: string[] } {
  const rotation = new Rotation(template, opts, '-o');
  const files: string[] = [];
  let out: Output;
  let size = 0;
  const open = (name: string): void => {
    out = openOutput(name, { ownerOnly });
    files.push(name);
    size = 0;
  };
  open(rotation.first(clock()));
  // Each write is whole records (report writers hand over complete lines), so a switch between two
  // writes never cuts a line.
  const before = (bytes: number): void => {
    const next = rotation.next(clock(), size, bytes);
    if (next !== undefined) {
      out.close();
      open(next);
    }
    size += bytes;
  };
  return {
    write(text: string) {
      before(Buffer.byteLength(text, 'utf8'));
      out.write(text);
    },
    writeBytes(b: Uint8Array) {
      before(b.length);
      out.writeBytes(b);
    },
    close: () => out.close(),
    isTerminal: false,
    get limitReached() {
      return rotation.limitReached;
    },
    files,
  };
}
