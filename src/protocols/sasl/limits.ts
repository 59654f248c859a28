/** Caps of the SASL decoders. Each one, when hit, adds an entry to `SaslResult.errors` saying so. */
export const SASL_LIMITS = {
  /** Longest step text (base64 characters) decoded; a longer step is counted but not decoded. */
  MAX_STEP_CHARS: 64 * 1024,
  /** Steps looked at per exchange (initial response included); the rest are counted, not decoded. */
  MAX_STEPS: 64,
  /** Longest detail value kept, in UTF-16 code units; longer values are cut and end with '…'. */
  MAX_DETAIL_CHARS: 512,
  /** AV pairs read from one NTLM TargetInfo list; the rest are skipped. */
  MAX_NTLM_AV_PAIRS: 64,
  /** DER elements visited while looking through a GSSAPI token. */
  MAX_DER_ELEMENTS: 256,
  /** Directives read from one DIGEST-MD5 challenge or response. */
  MAX_DIGEST_DIRECTIVES: 64,
} as const;
