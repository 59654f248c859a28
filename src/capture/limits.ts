/**
 * Caps of the capture layer. Each one, when hit, is reported as a CaptureWarning (with the byte
 * offset) and reading goes on; none of them stops a capture.
 */
export const CAPTURE_LIMITS = {
  /** Size of the reused read buffer of the regular-file fast path (one fs.readSync per fill). */
  READ_BUFFER_BYTES: 4 * 1024 * 1024,
  /**
   * A classic-pcap record longer than this is damage unless the file's snaplen is sane and allows
   * it (see MAX_TRUSTED_SNAPLEN_BYTES). 256 KiB is libpcap's own maximum snapshot length.
   */
  MAX_PLAUSIBLE_RECORD_BYTES: 256 * 1024,
  /** A snaplen above this (or 0) says nothing about record sizes: the 256 KiB rule applies. */
  MAX_TRUSTED_SNAPLEN_BYTES: 16 * 1024 * 1024,
  /** A pcapng block longer than this is damage (the reader resynchronises after it). */
  MAX_PCAPNG_BLOCK_BYTES: 16 * 1024 * 1024,
  /** Largest carry buffer (a record or block split across two reads is copied into it). */
  MAX_CARRY_BYTES: 16 * 1024 * 1024 + 64,
  /** Interfaces per pcapng section; Interface Description Blocks beyond it are ignored (reported). */
  MAX_PCAPNG_INTERFACES: 4_096,
  /** Warnings handed to the sink; after this one more says the rest are only counted. */
  MAX_WARNINGS: 1_000,
  /** When resynchronising a classic pcap, a candidate record's time may differ this much from the previous one. */
  RESYNC_MAX_TIME_SKEW_SEC: 86_400,
  /** Initial carry buffer size (it grows by doubling up to MAX_CARRY_BYTES). */
  INITIAL_CARRY_BYTES: 64 * 1024,
} as const;
