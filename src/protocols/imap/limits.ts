/** IMAP-specific caps (the shared ones are in ../limits.ts). Each raises an anomaly when hit. */
export const IMAP_LIMITS = {
  /** A literal announced larger than this is implausible for mail (anomaly 'literal-too-large'); it is still skipped by count. */
  MAX_PLAUSIBLE_LITERAL_BYTES: 1024 ** 3,
  /** Literals recorded per logical line; more are still skipped by count, not described. */
  MAX_LITERALS_PER_LINE: 1_000,
  /** Literal pieces (announcement + content) per logical line before the line is cut (hostile streams of tiny literals). */
  MAX_LINE_SEGMENTS: 10_000,
  /** SASL steps collected per AUTHENTICATE exchange; beyond it steps are counted, not kept. */
  MAX_SASL_STEPS: 64,
  /** Bytes of one SASL line handed to the SASL decoder. */
  MAX_SASL_LINE_BYTES: 64 * 1024,
  /** Inflated bytes produced per compressed input byte before the stream is treated as a bomb and no longer inflated. */
  MAX_INFLATE_RATIO: 1_000,
  /** Client bytes that look like a TLS ClientHello held while STARTTLS awaits its completion; beyond it they are read as text (anomaly 'starttls-injection' says so). */
  MAX_EARLY_TLS_BYTES: 64 * 1024,
  /**
   * Parenthesised lists nested deeper than this in one line (real BODYSTRUCTUREs stay under ~10):
   * the rest of the line is kept as text (anomaly 'nesting-too-deep'), so no renderer or JSON
   * reader (jq, Python's json) meets recursion without bound.
   */
  MAX_LIST_DEPTH: 64,
  /**
   * Over a whole COMPRESS=DEFLATE direction: inflated bytes beyond INFLATED_FLOOR_BYTES plus this
   * many times the compressed bytes so far stop the inflater (anomaly 'inflate-error' says so).
   * Mail text deflates 3-10x; a bomb just under MAX_INFLATE_RATIO per chunk is cut at 32x.
   */
  MAX_TOTAL_INFLATE_RATIO: 32,
  INFLATED_FLOOR_BYTES: 16 * 1024 * 1024,
  /** Bytes of one inflate output chunk (zlib's chunk size for the synchronous call). */
  INFLATE_CHUNK_BYTES: 64 * 1024,
} as const;
