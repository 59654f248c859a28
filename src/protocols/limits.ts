/** Caps of the protocol layer. Each one, when hit, raises an anomaly or counter saying so. */
export const LIMITS = {
  /** Longest protocol line kept; the rest of a longer line is skipped (and reported). */
  MAX_LINE_BYTES: 64 * 1024,
  /** Bytes of a literal or message body kept as `head` for display. */
  LITERAL_HEAD_BYTES: 256,
  /** Literals up to this size are kept whole (`text`): credentials, mailbox names, small headers. */
  LITERAL_KEEP_BYTES: 1024,
  /** Dialogue events kept per conversation; beyond it they are counted in droppedEvents. */
  MAX_EVENTS_PER_CONVERSATION: 20_000,
  /** Exchanges kept per conversation (each has a command line, so the events cap is hit first); the rest are not kept. */
  MAX_EXCHANGES_PER_CONVERSATION: 20_000,
  /** Login attempts kept per conversation (a password-guessing client on one connection). */
  MAX_AUTH_ATTEMPTS_PER_CONVERSATION: 1_000,
  /**
   * Anomalies of one code kept per conversation; one 'anomalies-capped' says the rest were dropped.
   * Per code (codes come from the source, not the capture), so the first anomaly of every kind is
   * always kept and dissectors may refer to it by index.
   */
  MAX_ANOMALIES_PER_CODE: 100,
  /** Commands awaiting completion per connection; the oldest is dropped (and reported) beyond it. */
  MAX_PENDING_COMMANDS: 1_000,
  /** A literal size above this is treated as hostile bookkeeping: skipped by count, reported. */
  MAX_SANE_LITERAL_BYTES: 2 ** 40,
} as const;
