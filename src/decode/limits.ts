/**
 * Caps of the decode layer. Each one, when hit, is counted as a notice in DecodeCounters (and the
 * frame that hit it says so in its `stop` when it could not be decoded).
 */
export const DECODE_LIMITS = {
  /** Stacked 802.1Q / QinQ tags followed before a frame is declared invalid. */
  MAX_VLAN_TAGS: 8,
  /**
   * Tunnels entered one inside the other (MPLS, PPPoE, GRE, VXLAN, IP in IP) before a frame is
   * declared invalid: real captures nest two or three; a crafted frame must not recurse without end.
   */
  MAX_ENCAPSULATIONS: 8,
  /** IPv6 extension headers walked before a packet is declared invalid. */
  MAX_IPV6_EXTENSION_HEADERS: 16,
  /** Largest reassembled IP payload (the 16-bit length fields cannot announce more). */
  MAX_DATAGRAM_PAYLOAD_BYTES: 65_535,
  /** IP datagrams being reassembled at once; the oldest is dropped (and counted) beyond it. */
  MAX_FRAGMENT_DATAGRAMS: 1_024,
  /** Fragment payload bytes buffered over all datagrams; the oldest datagrams are dropped beyond it. */
  MAX_FRAGMENT_BUFFER_BYTES: 16 * 1024 * 1024,
  /** Fragments kept per datagram (a datagram needs at most 8192); beyond it the datagram is dropped. */
  MAX_FRAGMENTS_PER_DATAGRAM: 8_192,
  /** A datagram still incomplete this long after its first fragment (capture time) is dropped. */
  FRAGMENT_TIMEOUT_SEC: 30,
  /** Error examples (frame number, layer, text) kept by DecodeCounters for the summary. */
  MAX_ERROR_EXAMPLES: 10,
} as const;

/** The fragment-reassembly caps, overridable per reassembler (tests use small ones). */
export interface FragmentLimits {
  maxDatagrams: number;
  maxBufferBytes: number;
  maxFragmentsPerDatagram: number;
  timeoutSec: number;
}

export const DEFAULT_FRAGMENT_LIMITS: FragmentLimits = {
  maxDatagrams: DECODE_LIMITS.MAX_FRAGMENT_DATAGRAMS,
  maxBufferBytes: DECODE_LIMITS.MAX_FRAGMENT_BUFFER_BYTES,
  maxFragmentsPerDatagram: DECODE_LIMITS.MAX_FRAGMENTS_PER_DATAGRAM,
  timeoutSec: DECODE_LIMITS.FRAGMENT_TIMEOUT_SEC,
};
