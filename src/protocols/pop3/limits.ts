/** Caps of the POP3 dissector (the shared ones are in ../limits.ts). Each reports when it is hit. */
export const POP3_LIMITS = {
  /** Lines of one LIST/UIDL/AUTH/LANG answer kept as events; beyond it they are counted (Pop3End.notKept). */
  MAX_LIST_EVENTS_KEPT: 500,
  /** CAPA lines kept in one CapabilitySet; the rest are counted in an anomaly. */
  MAX_CAPA_ENTRIES: 200,
  /** Client SASL steps kept per AUTH exchange for the SASL decoder; beyond it they are dropped and reported. */
  MAX_SASL_STEPS: 32,
  /** RFC 2449 §4: a command line is at most 255 octets including CRLF. */
  MAX_COMMAND_OCTETS: 255,
  /** RFC 2449 §4: the first line of a response is at most 512 octets including CRLF. */
  MAX_RESPONSE_LINE_OCTETS: 512,
} as const;
