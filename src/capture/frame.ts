/**
 * What the capture layer hands to the decoder: one captured record at a time.
 *
 * Performance contract: a source owns ONE RawFrame object and overwrites it for every record, and
 * `buf` is the source's large reused read buffer (the frame's bytes are buf[offset, offset+capLen)).
 * So a sink must copy anything it keeps beyond the `frame()` call. This keeps the hot path free of
 * per-packet allocation (a new Buffer or even a subarray per packet measurably costs throughput).
 */
export interface RawFrame {
  /** 1-based frame number, as Wireshark numbers frames (counts every record of the input). */
  index: number;
  /** Capture timestamp: whole seconds since the epoch. */
  tsSec: number;
  /** Capture timestamp: nanoseconds within tsSec (0..999_999_999). */
  tsNsec: number;
  /** Bytes captured (what is in buf). */
  capLen: number;
  /** Bytes on the wire (>= capLen when the snaplen cut the packet); equals capLen when unknown. */
  wireLen: number;
  /** LINKTYPE_* number (https://www.tcpdump.org/linktypes.html). */
  linkType: number;
  /** pcapng interface id (0 for classic pcap and live). */
  interfaceId: number;
  /** Buffer that holds the frame bytes at [offset, offset + capLen). Valid only during the call. */
  buf: Uint8Array;
  offset: number;
  /** Byte offset of the record in the (decompressed) input; -1 for live capture. */
  fileOffset: number;
}

/** Seconds since the epoch as a double (sub-microsecond precision for present-day times). */
export function frameTime(f: Pick<RawFrame, 'tsSec' | 'tsNsec'>): number {
  return f.tsSec + f.tsNsec / 1e9;
}

/** A problem in the capture file itself (not in the traffic): damaged records, resyncs, unknown blocks. */
export interface CaptureWarning {
  code: string;
  message: string;
  /** Byte offset in the (decompressed) input, when known. */
  offset?: number;
  /** Frame number near the problem, when known. */
  frame?: number;
}

/** Key log material found inside a capture (pcapng Decryption Secrets Block). */
export interface CaptureSecrets {
  /** 0x544c534b = TLS key log. */
  secretsType: number;
  /** The secrets as text (NSS key log lines for TLS). */
  text: string;
}

/** Receives what a capture source reads, in file order. */
export interface FrameSink {
  frame(f: RawFrame): void;
  warning?(w: CaptureWarning): void;
  secrets?(s: CaptureSecrets): void;
  /**
   * Backpressure (sharded reading, src/parallel): called by the reading loops between chunks; when
   * it returns a promise the loop awaits it before reading on.
   */
  drain?(): Promise<void> | undefined;
  /**
   * Whether the sink wants no more frames (`read -c COUNT` has its count): the reading loops stop
   * at the next chunk. Frames of the current chunk may still arrive; the sink ignores them.
   */
  done?(): boolean;
}

/** Totals a source reports when it is done. */
export interface CaptureStats {
  format: 'pcap' | 'pcap-ns' | 'pcapng' | 'live';
  compressed: boolean;
  frames: number;
  bytesRead: number;
  warnings: number;
  /** Live capture only: libpcap's counters. */
  dropped?: number;
  ifDropped?: number;
}

/** LINKTYPE_ values this project decodes. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
  /** PPP (the protocol field, with or without ff 03 in front). */
  PPP: 9,
  /** PPP in HDLC-like framing, or Cisco HDLC. */
  PPP_HDLC: 50,
  /** PPPoE without an Ethernet header. */
  PPP_ETHER: 51,
  C_HDLC: 104,
  /** DLT_RAW on some BSDs/OpenBSD uses 12 or 14 in the file; normalised by the reader. */
  RAW_ALT_12: 12,
  RAW_ALT_14: 14,
} as const;
