import type { RawFrame } from '../capture/frame.js';

/** Which layer a decode stopped at, and why. */
export type DecodeLayer = 'link' | 'mpls' | 'pppoe' | 'ppp' | 'gre' | 'erspan' | 'vxlan' | 'ipv4' | 'ipv6' | 'tcp';

/**
 * Encapsulations a frame came through (bits of `Decoded.encapsulations`), so the counters can say
 * how much traffic arrived wrapped. The names are the keys of DecodeStats.encapsulated.
 */
export const Encapsulation = {
  mpls: 0x01,
  pppoe: 0x02,
  gre: 0x04,
  erspan: 0x08,
  vxlan: 0x10,
  'ipv4-in-ip': 0x20,
  'ipv6-in-ip': 0x40,
} as const;
export type EncapsulationName = keyof typeof Encapsulation;

/**
 * The result of decoding one frame's headers. Like RawFrame, the decoder reuses ONE object and
 * overwrites it per frame: copy what you keep. Addresses and payload are offsets into `buf`, which
 * is frame.buf except for a datagram rebuilt from IP fragments (then the decoder's own buffer).
 *
 * `kind` says how far decoding got:
 *  - 'tcp': a TCP segment (payload at [payloadOffset, payloadOffset + payloadLength)).
 *  - 'udp': a UDP datagram (ports set; payload = the UDP payload). Counted as 'other'.
 *  - 'icmp': an ICMP (ipVersion 4) or ICMPv6 (6) message (payload = the ICMP message from its type
 *    byte). Counted as 'other'. The connectivity layer (src/connectivity) reads these two.
 *  - 'other': a well-formed packet that is not TCP, UDP or ICMP (ARP, ESP...), skipped silently.
 *  - 'fragment': an IPv4/IPv6 fragment; `fragment` tells which (reassembly is the decoder's job when
 *    enabled, otherwise it is counted and reported).
 *  - 'error': the bytes are present but invalid, or cut short; `stop` says where and why.
 */
export interface Decoded {
  kind: 'tcp' | 'udp' | 'icmp' | 'other' | 'fragment' | 'error';
  /** The snaplen cut this frame (capLen < wireLen). */
  truncated: boolean;
  stop: { layer: DecodeLayer; error: string } | undefined;

  /** The buffer the offsets below point into (frame.buf, or a reassembly buffer). */
  buf: Uint8Array;
  linkType: number;
  /**
   * 802.1Q/QinQ VLAN ids, outermost first (empty when untagged). Reused array. Inside a tunnel
   * (GRE, ERSPAN, VXLAN, MPLS pseudowire) these are the innermost Ethernet frame's tags: the network
   * the connection lives in, as if it had been captured there.
   */
  vlans: number[];
  /**
   * Tunnels and encapsulations the frame came through (MPLS, PPPoE, GRE, ERSPAN, VXLAN, IP in IP)
   * as bits of `Encapsulation`; 0 for a frame captured unwrapped. The addresses, ports and payload
   * below are always the innermost packet's.
   */
  encapsulations: number;
  /** How many encapsulations were entered (bounded by DECODE_LIMITS.MAX_ENCAPSULATIONS). */
  encapsulationDepth: number;

  ipVersion: 0 | 4 | 6;
  /** Offsets of the source and destination addresses in buf (4 or 16 bytes each). */
  srcAddrOffset: number;
  dstAddrOffset: number;
  /** 4 for IPv4, 16 for IPv6. */
  addrLength: number;
  ipTtl: number;
  /** IPv4 only: the identification field (for fragments and diagnostics). */
  ipId: number;

  srcPort: number;
  dstPort: number;
  /** Unsigned 32-bit sequence and acknowledgement numbers. */
  seq: number;
  ack: number;
  /** TCP flag bits: FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 URG=0x20 ECE=0x40 CWR=0x80. */
  flags: number;
  window: number;
  /** TCP options of interest (-1 when absent). */
  mss: number;
  windowScale: number;

  /** TCP (or UDP, or ICMP message) payload position in buf and its length as captured. */
  payloadOffset: number;
  payloadLength: number;
  /** Payload length the IP header announces (> payloadLength when the snaplen cut it). */
  payloadWireLength: number;
}

export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/** A fresh, empty Decoded (decoders allocate one and reuse it). */
export function newDecoded(): Decoded {
  return {
    kind: 'other',
    truncated: false,
    stop: undefined,
    buf: new Uint8Array(0),
    linkType: 0,
    vlans: [],
    encapsulations: 0,
    encapsulationDepth: 0,
    ipVersion: 0,
    srcAddrOffset: 0,
    dstAddrOffset: 0,
    addrLength: 0,
    ipTtl: 0,
    ipId: 0,
    srcPort: 0,
    dstPort: 0,
    seq: 0,
    ack: 0,
    flags: 0,
    window: 0,
    mss: -1,
    windowScale: -1,
    payloadOffset: 0,
    payloadLength: 0,
    payloadWireLength: 0,
  };
}

/** Decodes one frame into `out` (reused); never throws. */
export type FrameDecoder = (frame: RawFrame, out: Decoded) => Decoded;
