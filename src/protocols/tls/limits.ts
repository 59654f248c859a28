/** Caps of the TLS layer. Each one, when hit, is reported (an anomaly or a counter in TlsFacts). */
export const TLS_LIMITS = {
  /** Largest record payload accepted: 2^14 plaintext + 2048 expansion (RFC 5246 §6.2.3). Larger = not a record. */
  MAX_RECORD_PAYLOAD_BYTES: 16384 + 2048,
  /** Largest handshake message reassembled; longer messages are skipped by count (reported). */
  MAX_HANDSHAKE_MESSAGE_BYTES: 256 * 1024,
  /** Certificates parsed per Certificate message; the rest are counted. */
  MAX_CERTIFICATES_PER_MESSAGE: 16,
  /** ClientHello / ServerHello / Certificate messages / alerts kept per connection; the rest are dropped. */
  MAX_HELLOS: 16,
  MAX_ALERTS: 64,
  MAX_CERTIFICATE_MESSAGES: 8,
  /** Frames of ChangeCipherSpec kept per direction. */
  MAX_CCS_FRAMES: 16,
  /** Anomalies kept per connection; the rest are counted in droppedAnomalies. */
  MAX_ANOMALIES: 32,
  /** Items of ClientHello lists kept (cipher suites, extensions, ALPN names). */
  MAX_LIST_ITEMS: 128,
  /** Bytes scanned for a plausible record header after a gap or garbage before giving up on the direction. */
  MAX_RESYNC_SCAN_BYTES: 1024 * 1024,
  /** After a TCP gap, sequence numbers tried (ahead of the last known one) to decrypt the next record. */
  MAX_SEQ_SEARCH_RECORDS: 512,
  /** Secrets kept by one key log (client randoms); further lines are counted as dropped. */
  MAX_KEYLOG_ENTRIES: 100_000,
  /** With a followed key log: lookups of the server's keys after they were missing (tls-layer lateDecrypter). */
  MAX_LATE_KEY_LOOKUPS: 4,
} as const;
