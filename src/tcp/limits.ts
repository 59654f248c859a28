/**
 * Caps and defaults of the TCP reassembly layer. Each cap, when hit, is counted in ReassemblyStats
 * (and, for per-connection caps, in the ConnectionSummary), and degrades instead of failing.
 */
export const TCP_LIMITS = {
  /** Connections tracked at once (mail, pending probe, ignored and lingering closed ones). */
  MAX_CONNECTIONS: 65_536,
  /** Out-of-order bytes buffered per connection (both directions); beyond it the oldest hole is given up as a gap. */
  MAX_BUFFERED_BYTES_PER_CONNECTION: 4 * 1024 * 1024,
  /** Out-of-order bytes buffered across all connections. */
  MAX_BUFFERED_BYTES_TOTAL: 256 * 1024 * 1024,
  /** Out-of-order segments buffered per direction (bounds the overhead of many tiny segments). */
  MAX_BUFFERED_SEGMENTS_PER_DIRECTION: 4_096,
  /** Recently delivered bytes kept per direction to compare retransmissions against. */
  RETRANSMISSION_WINDOW_BYTES: 64 * 1024,
  /** Retransmission windows across all connections; beyond it windows stop growing (fewer comparisons). */
  MAX_WINDOW_BYTES_TOTAL: 128 * 1024 * 1024,
  /** Retransmission windows of finished directions kept for reuse (not counted in the budget above: free memory). */
  WINDOW_POOL_BYTES: 4 * 1024 * 1024,
  /** Retransmission mismatches listed per connection summary (more are counted in stats only). */
  MAX_MISMATCHES_PER_CONNECTION: 64,
  /** SYN frame numbers listed per connection summary. */
  MAX_SYN_FRAMES_PER_CONNECTION: 32,
  /** A connection silent for this long (capture time) is timed out. IMAP IDLE re-issues within 29 min. */
  IDLE_TIMEOUT_SEC: 2 * 3600,
  /** Closed (FIN/RST), ignored and not-yet-probed entries are forgotten after this much silence. */
  CLOSED_LINGER_SEC: 60,
  /** How often (capture time) the table is swept for idle entries. */
  SWEEP_INTERVAL_SEC: 10,
  /** A sequence number further ahead than this is treated as bogus, not as out-of-order data. */
  MAX_SEQ_AHEAD_BYTES: 1 << 30,
} as const;

/** Well-known mail ports: IMAP 143, IMAPS 993, POP3 110, POP3S 995. */
export const MAIL_PORTS: readonly number[] = [143, 993, 110, 995];
