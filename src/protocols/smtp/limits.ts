/** Caps of the SMTP dissector (the shared ones are in ../limits.ts). Each reports when it is hit. */
export const SMTP_LIMITS = {
  /** EHLO extension lines kept in one CapabilitySet; the rest are counted in an anomaly. */
  MAX_EXTENSIONS: 200,
  /** Client SASL steps kept per AUTH exchange for the SASL decoder; beyond it they are dropped and reported. */
  MAX_SASL_STEPS: 32,
  /** Recipients kept per mail transaction (the envelope in extract's index.json); the rest are counted. */
  MAX_RECIPIENTS: 100,
  /** RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF. */
  MAX_COMMAND_OCTETS: 512,
  /** RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets including CRLF. */
  MAX_REPLY_LINE_OCTETS: 512,
  /** A BDAT chunk size above this is hostile bookkeeping: the command is taken as malformed. */
  MAX_SANE_CHUNK_BYTES: 2 ** 40,
} as const;
