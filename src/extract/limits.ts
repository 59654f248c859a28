/** Caps of the extractor. Each one, when hit, is counted in the index (`skipped`) and said on stdout. */
export const EXTRACT_LIMITS = {
  /** Messages being written at the same time (one temp file each); more are skipped and counted. */
  MAX_OPEN_MESSAGES: 256,
  /** Messages written per run; later ones are skipped and counted. */
  MAX_MESSAGES: 100_000,
  /** Bytes of a message's start read back to decode its header fields (Subject, From, To, Date). */
  MAX_HEADER_BYTES: 64 * 1024,
  /** Characters of a decoded header field kept in the index. */
  MAX_FIELD_CHARS: 1_000,
  /** Characters of a file name (before the extension and uniqueness suffix). */
  MAX_NAME_CHARS: 120,
} as const;
