import type { DecodeNoticeSink } from './decode-counters.js';
import { DECODE_LIMITS, DEFAULT_FRAGMENT_LIMITS, type FragmentLimits } from './limits.js';

/**
 * What happened to one fragment handed to FragmentReassembler.add:
 * - 'pending': kept, the datagram is not complete yet.
 * - 'complete': this fragment completed its datagram, now in `output` (see there).
 * - 'dropped': not kept: its datagram was dropped earlier (conflict, cap) or it duplicates bytes
 *   already held; the reason was counted as a notice.
 * - 'conflict': it overlaps held bytes with different content, or disagrees about the datagram's
 *   end: the whole datagram is dropped (RFC 5722), and later fragments of it are 'dropped'.
 * - 'oversize': it ends beyond MAX_DATAGRAM_PAYLOAD_BYTES (a "ping of death").
 * - 'misaligned': a fragment that is not the last one has a length that is not a multiple of 8.
 */
export type FragmentStatus = 'pending' | 'complete' | 'dropped' | 'conflict' | 'oversize' | 'misaligned';

interface Chunk {
  offset: number;
  bytes: Uint8Array;
}

interface Datagram {
  version: 4 | 6;
  src: Uint8Array;
  dst: Uint8Array;
  id: number;
  /** IPv4: the protocol field (part of the key). IPv6: -1 (RFC 8200 keys on src, dst, id). */
  keyProtocol: number;
  firstSec: number;
  /** Kept fragments, sorted by offset. */
  chunks: Chunk[];
  bufferedBytes: number;
  /** Payload length, known once the last fragment (more-fragments clear) arrived; -1 before. */
  totalLength: number;
  /** Header of the offset-0 fragment, copied in front of the rebuilt payload. */
  header: Uint8Array | undefined;
  /** Protocol of the rebuilt payload (IPv4 protocol / IPv6 fragment header's next header). */
  nextProtocol: number;
  /** Dropped after a conflict or cap: later fragments are discarded until it times out. */
  poisoned: boolean;
}

/** Largest header copied in front of a rebuilt datagram (IPv4 with 40 bytes of options). */
const MAX_HEADER_BYTES = 60;

/**
 * Generic IPv4/IPv6 fragment reassembly with a bounded table, shared by both IP versions.
 *
 * The caller parses the IP header and hands each fragment's key, header and payload position to
 * `add`; the reassembler copies what it keeps (the input buffer may be reused after the call).
 * When a datagram completes, it is rebuilt in the reassembler's single `output` buffer as
 * [header of the offset-0 fragment][payload], valid until the next `add` call.
 *
 * Bounds (FragmentLimits): datagrams in progress, bytes buffered over all datagrams, fragments per
 * datagram, and a timeout in capture time. Hitting one drops the oldest datagram (or the offending
 * one) and counts a notice; nothing throws. Identical overlapping bytes (retransmitted fragments)
 * are accepted; overlaps with different bytes drop the datagram (RFC 5722 for IPv6, and the safe
 * choice for IPv4: the receivers' policies differ, so no single rebuild would be right).
 */
export class FragmentReassembler {
  /** The last completed datagram is at output[0, outputLength). */
  readonly output = new Uint8Array(MAX_HEADER_BYTES + DECODE_LIMITS.MAX_DATAGRAM_PAYLOAD_BYTES);
  outputLength = 0;
  /** Length of the header at the start of output (the payload follows it). */
  headerLength = 0;
  /** Protocol / next header of the completed payload. */
  protocol = 0;

  private readonly limits: FragmentLimits;
  private readonly table: Datagram[] = [];
  private bufferedBytes = 0;

  constructor(private readonly sink?: DecodeNoticeSink, limits?: Partial<FragmentLimits>) {
    this.limits = { ...DEFAULT_FRAGMENT_LIMITS, ...limits };
  }

  /** Datagrams currently in progress (including dropped ones waiting for their timeout). */
  get inProgress(): number {
    return this.table.length;
  }

  /** Payload bytes currently buffered. */
  get buffered(): number {
    return this.bufferedBytes;
  }

  /**
   * Offers one fragment.
   * @param version 4 or 6
   * @param buf holds the packet; addresses at srcOff/dstOff (addrLen bytes each)
   * @param id IPv4 identification or IPv6 fragment identification
   * @param protocol IPv4 protocol, or the IPv6 fragment header's next header
   * @param headerOff,headerLen the header to copy in front of the payload (used from the offset-0
   *   fragment; at most 60 bytes)
   * @param payloadOff,payloadLen this fragment's data (all present in buf)
   * @param fragOffset byte offset of the data in the datagram payload
   * @param more the more-fragments flag
   * @param timeSec capture time of the frame, for the timeout
   */
  add(
    version: 4 | 6,
    buf: Uint8Array,
    srcOff: number,
    dstOff: number,
    addrLen: number,
    id: number,
    protocol: number,
    headerOff: number,
    headerLen: number,
    payloadOff: number,
    payloadLen: number,
    fragOffset: number,
    more: boolean,
    timeSec: number,
  ): FragmentStatus {
    this.expire(timeSec);
    const end = fragOffset + payloadLen;
    if (end > DECODE_LIMITS.MAX_DATAGRAM_PAYLOAD_BYTES) return 'oversize';
    if (more && payloadLen % 8 !== 0) return 'misaligned';

    const keyProtocol = version === 4 ? protocol : -1;
    let d = this.find(version, buf, srcOff, dstOff, addrLen, id, keyProtocol);
    if (d === undefined) {
      if (this.table.length >= this.limits.maxDatagrams) this.evictOldest('fragment table full: datagram dropped');
      d = {
        version,
        // Copies, never slice(): on a Buffer (live capture's reused batch buffer) slice() is a view.
        src: new Uint8Array(buf.subarray(srcOff, srcOff + addrLen)),
        dst: new Uint8Array(buf.subarray(dstOff, dstOff + addrLen)),
        id,
        keyProtocol,
        firstSec: timeSec,
        chunks: [],
        bufferedBytes: 0,
        totalLength: -1,
        header: undefined,
        nextProtocol: protocol,
        poisoned: false,
      };
      this.table.push(d);
    }
    if (d.poisoned) {
      this.notice('fragment of a dropped datagram');
      return 'dropped';
    }

    // The datagram's end: fixed by the last fragment, and nothing may lie beyond it.
    if (!more) {
      if (d.totalLength !== -1 && d.totalLength !== end) return this.poison(d, 'conflict');
      const lastChunk = d.chunks[d.chunks.length - 1];
      if (lastChunk !== undefined && lastChunk.offset + lastChunk.bytes.length > end) return this.poison(d, 'conflict');
      d.totalLength = end;
    } else if (d.totalLength !== -1 && end > d.totalLength) {
      return this.poison(d, 'conflict');
    }

    // Overlaps: identical bytes are a retransmission, different bytes a conflict.
    let insertAt = d.chunks.length;
    let covered = false;
    for (let i = 0; i < d.chunks.length; i++) {
      const c = d.chunks[i]!;
      const cEnd = c.offset + c.bytes.length;
      if (insertAt === d.chunks.length && c.offset > fragOffset) insertAt = i;
      if (cEnd <= fragOffset || c.offset >= end) continue;
      const from = Math.max(c.offset, fragOffset);
      const to = Math.min(cEnd, end);
      for (let k = from; k < to; k++) {
        if (c.bytes[k - c.offset] !== buf[payloadOff + k - fragOffset]) return this.poison(d, 'conflict');
      }
      if (c.offset <= fragOffset && cEnd >= end) covered = true;
    }
    if (fragOffset === 0 && d.header === undefined) {
      d.header = new Uint8Array(buf.subarray(headerOff, headerOff + Math.min(headerLen, MAX_HEADER_BYTES)));
      d.nextProtocol = protocol;
    }
    if (covered) {
      this.notice('fragment duplicate');
      return this.complete(d) ? 'complete' : 'dropped';
    }
    if (d.chunks.length >= this.limits.maxFragmentsPerDatagram) {
      this.poison(d, 'conflict', 'fragments per datagram cap: datagram dropped');
      return 'dropped';
    }
    // Make room under the byte cap by dropping the oldest other datagrams.
    while (this.bufferedBytes + payloadLen > this.limits.maxBufferBytes) {
      const oldest = this.table.find((t) => t !== d && t.bufferedBytes > 0);
      if (oldest === undefined) {
        this.poison(d, 'conflict', 'fragment buffer cap: datagram dropped');
        return 'dropped';
      }
      this.remove(oldest);
      this.notice('fragment buffer cap: datagram dropped');
    }
    d.chunks.splice(insertAt, 0, { offset: fragOffset, bytes: new Uint8Array(buf.subarray(payloadOff, payloadOff + payloadLen)) });
    d.bufferedBytes += payloadLen;
    this.bufferedBytes += payloadLen;
    return this.complete(d) ? 'complete' : 'pending';
  }

  /** Drops every datagram still in progress (end of capture), counting the incomplete ones. */
  finish(): void {
    for (const d of this.table) if (!d.poisoned) this.notice('fragment datagram incomplete at end of capture');
    this.table.length = 0;
    this.bufferedBytes = 0;
  }

  /** Rebuilds d into output when its chunks cover [0, totalLength) and its header is known. */
  private complete(d: Datagram): boolean {
    if (d.totalLength === -1 || d.header === undefined) return false;
    let reached = 0;
    for (const c of d.chunks) {
      if (c.offset > reached) return false;
      reached = Math.max(reached, c.offset + c.bytes.length);
    }
    if (reached < d.totalLength) return false;
    const hl = d.header.length;
    this.output.set(d.header, 0);
    for (const c of d.chunks) this.output.set(c.bytes, hl + c.offset);
    this.headerLength = hl;
    this.outputLength = hl + d.totalLength;
    this.protocol = d.nextProtocol;
    this.remove(d);
    return true;
  }

  private find(version: 4 | 6, buf: Uint8Array, srcOff: number, dstOff: number, addrLen: number, id: number, keyProtocol: number): Datagram | undefined {
    outer: for (const d of this.table) {
      if (d.version !== version || d.id !== id || d.keyProtocol !== keyProtocol || d.src.length !== addrLen) continue;
      for (let i = 0; i < addrLen; i++) {
        if (d.src[i] !== buf[srcOff + i] || d.dst[i] !== buf[dstOff + i]) continue outer;
      }
      return d;
    }
    return undefined;
  }

  /** Drops the datagram's bytes but keeps its key, so later fragments of it are discarded too. */
  private poison(d: Datagram, status: 'conflict', reason = 'fragment overlap conflict: datagram dropped'): FragmentStatus {
    this.notice(reason);
    this.bufferedBytes -= d.bufferedBytes;
    d.bufferedBytes = 0;
    d.chunks.length = 0;
    d.poisoned = true;
    return status;
  }

  private expire(nowSec: number): void {
    for (let i = 0; i < this.table.length; ) {
      const d = this.table[i]!;
      if (nowSec - d.firstSec > this.limits.timeoutSec) {
        if (!d.poisoned) this.notice('fragment timeout: datagram dropped');
        this.remove(d);
      } else {
        i++;
      }
    }
  }

  private evictOldest(reason: string): void {
    const oldest = this.table[0];
    if (oldest === undefined) return;
    if (!oldest.poisoned) this.notice(reason);
    this.remove(oldest);
  }

  private remove(d: Datagram): void {
    const i = this.table.indexOf(d);
    if (i >= 0) this.table.splice(i, 1);
    this.bufferedBytes -= d.bufferedBytes;
    d.bufferedBytes = 0;
  }

  private notice(reason: string): void {
    this.sink?.notice(reason);
  }
}
