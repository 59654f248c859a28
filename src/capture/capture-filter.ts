/**
 * Capture filters on files, as `tcpdump -r FILE EXPRESSION` applies them: the expression is
 * compiled by libpcap (through the native addon: pcap_compile on a dead handle of the frame's link
 * type) and each frame is run through the BPF program (pcap_offline_filter). Frames keep their
 * numbers in the file (Wireshark's), so a report of a filtered read still points at the right frames.
 */
import { MailwireError } from '../errors.js';
import type { RawFrame } from './frame.js';
import { loadAddon, type PcapFilterHandle } from './native-addon.js';

/** A tcpdump expression, compiled once per link type met (a pcapng file may mix them). */
export class CaptureFilter {
  private readonly programs = new Map<number, PcapFilterHandle>();

  /** Throws ERR_FILTER_UNAVAILABLE without the addon and ERR_FILTER_SYNTAX when the expression does not compile. */
  constructor(readonly expression: string, firstLinkType = 1) {
    this.program(firstLinkType);
  }

  /** The DLT libpcap compiles for: LINKTYPE_RAW (101) is DLT_RAW (12) in libpcap's numbering. */
  private static dlt(linkType: number): number {
    return linkType === 101 ? 12 : linkType;
  }

  matches(f: RawFrame): boolean {
    return this.program(f.linkType).matches(f.buf, f.offset, f.capLen, f.wireLen);
  }

  private program(linkType: number): PcapFilterHandle {
    let p = this.programs.get(linkType);
    if (p !== undefined) return p;
    const addon = loadAddon('a capture filter', 'ERR_FILTER_UNAVAILABLE');
    if (!addon.Filter) {
      throw new MailwireError('ERR_FILTER_UNAVAILABLE', 'a capture filter needs a newer build of the native libpcap addon: npm run build:native');
    }
    try {
      p = new addon.Filter(CaptureFilter.dlt(linkType), 262_144, this.expression);
    } catch (err) {
      const why = (err as Error).message;
      throw new MailwireError('ERR_FILTER_SYNTAX', `capture filter '${this.expression}': ${why}`);
    }
    this.programs.set(linkType, p);
    return p;
  }
}
