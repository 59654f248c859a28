/**
 * What the connectivity layer tells the rest of mailwire: the path facts tied to one connection
 * (`Conversation.path`) and the capture's reachability summary (`AnalysisStats.reachability`).
 * Plain JSON data; documented in docs/connectivity.md and docs/schema/report.schema.json.
 */
import type { IcmpCause } from './icmp-error.js';

/** An ICMP/ICMPv6 error that quoted one of the connection's packets. */
export interface IcmpNote {
  frame: number;
  ts: number;
  cause: IcmpCause;
  type: number;
  code: number;
  /** The type and code in words ("destination unreachable: communication administratively prohibited"). */
  name: string;
  /** Who sent the error: a router or firewall on the path, or the destination host itself. */
  reporter: string;
  /** The quoted packet was sent by the client ('client') or by the server ('server'). */
  quotedFrom: 'client' | 'server';
  /** Next-hop MTU of a fragmentation-needed / packet-too-big error (0: not given). */
  mtu: number;
  /** Size on the wire of the quoted packet. */
  quotedLength: number;
}

/** Full-size segments that never got through (a path MTU black hole, RFC 2923 §2.1). */
export interface PmtuNote {
  /** The direction whose big segments were lost. */
  from: 'client' | 'server';
  /** The MSS the other side announced (-1: not seen). */
  mss: number;
  /** The size (TCP payload bytes) of the segments sent again and again. */
  size: number;
  /** The largest payload that did get acknowledged in that direction. */
  largestAcked: number;
  /** How many times the same full-size segment was sent. */
  sends: number;
  frames: number[];
}

/** The path facts of one connection (present only when there is at least one). */
export interface PathFacts {
  icmp: IcmpNote[];
  pmtu?: PmtuNote;
}

/** How one DNS lookup ended. */
export type LookupOutcome = 'resolved' | 'no-data' | 'nxdomain' | 'servfail' | 'refused' | 'error' | 'no-answer';

export interface LookupSummary {
  client: string;
  resolver: string;
  name: string;
  type: string;
  outcome: LookupOutcome;
  /** The response code as named by RFC 1035/6895 (absent when nothing came back). */
  rcode?: string;
  /** Queries sent for it (more than 1: the client retried). */
  queries: number;
  /** Addresses (A/AAAA, through any CNAME chain) or SRV/MX targets ("host:port", "host"). */
  answers: string[];
  /** CNAME chain followed, in order. */
  cnames: string[];
  frames: number[];
}

/** Connection attempts from the capture to one address and port, and what became of them. */
export interface AttemptSummary {
  address: string;
  port: number;
  family: 4 | 6;
  /** Connections (each SYN sequence or mid-stream connection counts once). */
  tries: number;
  /** Something came back (SYN-ACK, reset, or an ICMP error). */
  answered: number;
  connected: number;
  greeted: number;
  loggedIn: number;
  /** Connected over TLS that was not decrypted: whether they were greeted and logged in is not visible. */
  encrypted: number;
  /** Failures by cause: no-answer, refused, an ICMP cause (admin-prohibited...), reset. */
  failures: Record<string, number>;
  firstFrame: number;
}

/** One server as the client asked for it: by name (looked up) or by address. */
export interface ReachabilityEntry {
  /** The name looked up (absent: only addresses are known). */
  name?: string;
  lookups: LookupSummary[];
  attempts: AttemptSummary[];
}

export interface Reachability {
  servers: ReachabilityEntry[];
  /** Counters of what the bounded tables had to leave out (present when not zero). */
  dropped?: Record<string, number>;
  /** DNS messages that did not parse (counted by reason). */
  dnsErrors?: Record<string, number>;
}
