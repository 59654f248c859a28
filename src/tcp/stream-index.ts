/**
 * Wireshark's `tcp.stream` numbers, so that a report can say "tcp.stream eq 7" and be right.
 *
 * Wireshark numbers TCP conversations from 0 in the order their first packet appears in the file,
 * every TCP conversation (not only mail). A conversation is an address/port 4-tuple, except that a
 * SYN (without ACK) whose sequence number differs from the base sequence number Wireshark holds
 * for that direction starts a new conversation on the same 4-tuple (its "ports reused" rule). The
 * base sequence number of a direction is set by its first packet (the SYN's seq, else seq - 1) or,
 * earlier, by the first packet with ACK in the other direction (ack - 1).
 *
 * This is kept apart from the reassembler's flow table on purpose: that table forgets, evicts and
 * splits connections by its own rules (memory budget, timeouts), while these numbers must follow
 * Wireshark's whatever mailwire does. What is kept per 4-tuple is small (one entry, two numbers);
 * beyond MAX_TRACKED 4-tuples the oldest is forgotten and counted (its later packets would get a
 * new number, where Wireshark would reuse the old one).
 */
import { TcpFlag, type Decoded } from '../decode/decoded.js';
import type { StreamFactory } from './stream.js';

/** 4-tuples remembered at once (about 100 bytes each). */
export const MAX_TRACKED_STREAMS = 2_000_000;

interface Entry {
  stream: number;
  /** Base sequence number per direction: [from the lower endpoint, from the higher one]; -1 unset. */
  base0: number;
  base1: number;
}

export class TcpStreamIndex {
  private readonly table = new Map<string, Entry>();
  private next = 0;
  /** 4-tuples forgotten because of MAX_TRACKED_STREAMS. */
  forgotten = 0;
  /** The stream index of the last packet given to packet(). */
  current = -1;

  constructor(private readonly maxTracked = MAX_TRACKED_STREAMS) {}

  /** The tcp.stream of this TCP packet (every TCP packet of the input must come here, in file order). */
  packet(d: Decoded): number {
    const forward = lowerFirst(d);
    const key = forward ? tupleKey(d, d.srcAddrOffset, d.srcPort, d.dstAddrOffset, d.dstPort)
      : tupleKey(d, d.dstAddrOffset, d.dstPort, d.srcAddrOffset, d.srcPort);
    const seq = d.seq >>> 0;
    const flags = d.flags;
    let e = this.table.get(key);
    if (e !== undefined && (flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) {
      const base = forward ? e.base0 : e.base1;
      if (base !== -1 && base !== seq) {
        this.table.delete(key);
        e = undefined;
      }
    }
    if (e === undefined) {
      if (this.table.size >= this.maxTracked) {
        this.table.delete(this.table.keys().next().value!);
        this.forgotten++;
      }
      e = { stream: this.next++, base0: -1, base1: -1 };
      this.table.set(key, e);
    }
    // Base sequence numbers, as Wireshark's sequence analysis sets them.
    if ((forward ? e.base0 : e.base1) === -1) {
      const b = (flags & TcpFlag.SYN) !== 0 ? seq : (seq - 1) >>> 0;
      if (forward) e.base0 = b;
      else e.base1 = b;
    }
    if ((flags & TcpFlag.ACK) !== 0 && (forward ? e.base1 : e.base0) === -1) {
      const b = ((d.ack >>> 0) - 1) >>> 0;
      if (forward) e.base1 = b;
      else e.base0 = b;
    }
    this.current = e.stream;
    return e.stream;
  }

  /** Streams numbered so far (the next number to give). */
  get count(): number {
    return this.next;
  }
}

/** Whether the packet goes from the lower endpoint (address, then port) to the higher one. */
function lowerFirst(d: Decoded): boolean {
  const b = d.buf;
  for (let i = 0; i < d.addrLength; i++) {
    const s = b[d.srcAddrOffset + i]!;
    const t = b[d.dstAddrOffset + i]!;
    if (s !== t) return s < t;
  }
  return d.srcPort <= d.dstPort;
}

function tupleKey(d: Decoded, aOff: number, aPort: number, bOff: number, bPort: number): string {
  const b = d.buf;
  let k = '';
  for (let i = 0; i < d.addrLength; i++) k += String.fromCharCode(b[aOff + i]!);
  k += String.fromCharCode(aPort);
  for (let i = 0; i < d.addrLength; i++) k += String.fromCharCode(b[bOff + i]!);
  return k + String.fromCharCode(bPort);
}

/**
 * `factory`, with each connection's ConnectionInfo.tcpStream set from `index.current` when the
 * reassembler opens or probes it (both happen while one of the connection's packets is processed).
 */
export function numberingStreams(factory: StreamFactory, index: { readonly current: number }): StreamFactory {
  return {
    // Set on the reassembler's own object (not a copy): it keeps updating it (sawSyn).
    open: (conn) => {
      conn.tcpStream = index.current;
      return factory.open(conn);
    },
    probe: (conn, dir, bytes) => {
      conn.tcpStream = index.current;
      return factory.probe(conn, dir, bytes);
    },
  };
}

/** The display filter that selects a conversation's packets in Wireshark. */
export function displayFilter(tcpStream: number): string {
  return `tcp.stream eq ${tcpStream}`;
}
