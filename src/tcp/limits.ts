/**
 * Caps and defaults of the TCP reassembly layer. Each cap, when hit, is counted in ReassemblyStats
 * (and, for per-connection caps, in the ConnectionSummary), and degrades instead of failing.
 */
export const TCP_LIMITS = {
  /**
   * Memory budget of the connection table (bytes): the estimated cost of every entry (ENTRY_BYTES,
   * by what the entry holds) plus the retransmission windows. Beyond it the least recently active
   * entries are evicted. Sized so that a capture of 100,000 connections open at once stays under
   * ~400 MiB of process memory (docs/performance.md, "Many connections").
   */
  TABLE_BUDGET_BYTES: 150 * 1024 * 1024,
  /** Memory of the set that remembers evicted connections, so their later packets are not new conversations. */
  EVICTED_FLOWS_BYTES: 16 * 1024 * 1024,
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
  /**
   * Failed connection attempts (no answer, refused) from one client to one server port that are
   * reported as conversations; past it they are folded into one record (tcp.attempts-folded).
   */
  FOLD_AFTER_ATTEMPTS: 20,
  /**
   * Memory for held-back attempts (AttemptFolder), at ENTRY_BYTES.tracked each: beyond it the
   * oldest is folded as unanswered at once (and remembered with the evicted connections), so a
   * flood costs this much and not the table's whole budget. 8 MiB: ~4,400 attempts, tens of
   * milliseconds of a 100,000-SYN/s flood, against a server's answer within a round trip.
   */
  HELD_ATTEMPTS_BYTES: 8 * 1024 * 1024,
  /** How often (capture time) the table is swept for idle entries. */
  SWEEP_INTERVAL_SEC: 10,
  /** A sequence number further ahead than this is treated as bogus, not as out-of-order data. */
  MAX_SEQ_AHEAD_BYTES: 1 << 30,
} as const;

/**
 * What one connection-table entry is estimated to cost (bytes of JS heap), by what it holds;
 * measured with `node bench/entry-cost.mjs` (docs/performance.md, "Many connections"). Its
 * retransmission windows are counted apart, at their real size.
 */
export const ENTRY_BYTES = {
  /** Over (closed, declined): endpoints, state and links, lingering to absorb stragglers (measured 343). */
  retired: 400,
  /** Tracked, no byte handed to a dissector yet (a SYN, a handshake): half-streams, summary, info, handler shell (measured 1,836). */
  tracked: 1_900,
  /**
   * A dissector has received bytes: its state and the conversation so far. Measured 8,491 for a
   * greeting only and 16,925 for an idle IMAP session (greeting, LOGIN, SELECT, IDLE): the latter.
   */
  dialogue: 17_000,
} as const;

/**
 * Well-known mail ports, the one list every layer uses: IMAP 143, IMAPS 993, POP3 110, POP3S 995,
 * SMTP 25, submission 587 (RFC 6409) and submissions 465 (RFC 8314, implicit TLS).
 */
export const MAIL_PORTS: readonly number[] = [143, 993, 110, 995, 25, 587, 465];
