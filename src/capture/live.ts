import { MailwireError } from '../errors.js';
import { type CaptureStats, type FrameSink } from './frame.js';
import { normaliseLinkType } from './link-type.js';
import { ReaderContext } from './reader-context.js';
import { loadAddon as loadNativeAddon, type PcapAddon, type PcapCaptureHandle } from './native-addon.js';

/**
 * Kernel capture buffer asked of libpcap when the caller gives none. With TPACKET_V3 it holds
 * packets back to back: 128 MiB is about one second of a saturated 1 Gbit/s link, the backlog the
 * analysis may fall behind by (a garbage collection, a burst faster than it dissects) before the
 * kernel drops. Measured on loopback replays in docs/performance.md, "Live capture".
 */
export const DEFAULT_BUFFER_BYTES = 128 * 1024 * 1024;
/** libpcap's own default and largest snaplen: whole packets, loopback's 65 550-byte frames included. */
export const DEFAULT_SNAPLEN = 262_144;
/**
 * TPACKET_V3 hands a block to the reader when it is full or when this much time has passed since
 * its first packet: the longest a packet waits in a quiet capture before the analysis sees it.
 */
const BLOCK_TIMEOUT_MS = 50;
/** How often the ring is looked at when it was found empty. */
const POLL_MS = 10;
/** Bytes of packets handed to JavaScript per call (one batch; at least one record of snaplen). */
const BATCH_BYTES = 4 * 1024 * 1024;
/** Packets read per dispatch, and the time after which a busy drain yields to the event loop. */
const MAX_PACKETS_PER_DISPATCH = 16_384;
const MAX_DRAIN_MS = 50;
/** Size of the header the addon writes before each packet: ts_sec, ts_nsec, caplen, len (u32 LE). */
const RECORD_HEADER_BYTES = 16;

/** What a live capture is listening to, and how to end it. */
export interface LiveCapture {
  readonly iface: string;
  /** LINKTYPE_* of the interface (what a PcapWriter for it should be given). */
  readonly linkType: number;
  /** The snaplen libpcap applies (packets longer than it arrive cut, with their real length). */
  readonly snaplen: number;
  /** Stops capturing (idempotent) and returns the totals with libpcap's drop counters. */
  stop(): CaptureStats;
}

/** An interface as listed by libpcap. */
export interface InterfaceInfo {
  name: string;
  description?: string;
  addresses: string[];
}

type PcapCapture = PcapCaptureHandle;

function loadAddon(): PcapAddon {
  return loadNativeAddon('live capture', 'ERR_CAPTURE_UNAVAILABLE');
}

/** The libpcap the addon runs on ("libpcap version 1.10.3 (with TPACKET_V3)"). Throws like openLive without it. */
export function libpcapVersion(): string {
  return loadAddon().libVersion;
}

/** Lists the capture interfaces libpcap sees. Throws ERR_CAPTURE_UNAVAILABLE without the addon. */
export async function listInterfaces(): Promise<InterfaceInfo[]> {
  return loadAddon().devices().map((d) => ({
    name: d.name,
    ...(d.description ? { description: d.description } : {}),
    addresses: d.addresses,
  }));
}

/**
 * Starts capturing on `iface` and hands every packet to `sink` on the event loop.
 *
 * libpcap runs without immediate mode (TPACKET_V3 on Linux): the kernel fills blocks of packets
 * and hands a block over when it is full or BLOCK_TIMEOUT_MS old. A timer looks at the ring every
 * POLL_MS; each look copies what is there into one batch buffer (one native call and one
 * JavaScript callback per batch, not per packet) and the frames are read out of it. So a packet
 * reaches the sink at most about BLOCK_TIMEOUT_MS + POLL_MS after it was captured, and a pause of
 * the analysis (a garbage collection, a large message) is absorbed by the kernel buffer.
 *
 * Frames follow the RawFrame contract: ONE reused frame object whose `buf` is the batch buffer
 * (valid only during sink.frame). Timestamps are the kernel's (nanoseconds where libpcap offers
 * them), `wireLen` is the packet's real length (larger than `capLen` when the snaplen cut it).
 *
 * Throws MailwireError: ERR_CAPTURE_UNAVAILABLE (no addon), ERR_CAPTURE_INTERFACE (unknown or down
 * interface), ERR_CAPTURE_PERMISSION (needs root or CAP_NET_RAW), ERR_USAGE (bad filter).
 */
export function openLive(opts: { iface: string; filter?: string; snaplen?: number; bufferSize?: number }, sink: FrameSink): LiveCapture {
  const pcap = loadAddon();
  const iface = opts.iface;
  const devices = pcap.devices();
  const device = devices.find((d) => d.name === iface);
  if (!device) {
    throw new MailwireError('ERR_CAPTURE_INTERFACE', `no capture interface named '${iface}' (available: ${devices.map((d) => d.name).join(', ') || 'none'})`);
  }
  const filter = opts.filter ?? '';
  const snaplen = Math.max(1, Math.min(Math.floor(opts.snaplen ?? DEFAULT_SNAPLEN), DEFAULT_SNAPLEN));
  const bufferBytes = Math.max(1024 * 1024, Math.min(Math.floor(opts.bufferSize ?? DEFAULT_BUFFER_BYTES), 2 ** 31 - 1));
  const batch = Buffer.alloc(Math.max(BATCH_BYTES, snaplen + RECORD_HEADER_BYTES));
  let handle: PcapCapture;
  try {
    // On a loopback interface every packet passes twice (out, then back in) and libpcap keeps one:
    // the addon asks the kernel not to queue the other (half the ring per packet).
    handle = new pcap.Capture(iface, filter, snaplen, bufferBytes, BLOCK_TIMEOUT_MS, batch, device.loopback);
  } catch (err) {
    throw openError(iface, filter, err as NodeJS.ErrnoException);
  }
  const linkType = normaliseLinkType(handle.linkType);
  const ctx = new ReaderContext(sink, iface);
  let bytes = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  /** A dispatch is under way (stop() may be called from the sink, inside it). */
  let dispatching = false;

  const onBatch = (records: number): void => {
    let off = 0;
    for (let i = 0; i < records && !stopped; i++) {
      const sec = batch.readUInt32LE(off);
      const nsec = batch.readUInt32LE(off + 4);
      const capLen = batch.readUInt32LE(off + 8);
      const wireLen = batch.readUInt32LE(off + 12);
      bytes += capLen;
      ctx.emit(batch, off + RECORD_HEADER_BYTES, capLen, wireLen, sec, nsec, linkType, 0, -1);
      off += RECORD_HEADER_BYTES + capLen;
    }
  };
  /**
   * Reads what the ring holds; true when it may hold more (the drain stopped at its budget: `ms`
   * of time, or `maxBytes` of packets read).
   */
  const drain = (ms: number, maxBytes = Infinity): boolean => {
    const start = performance.now();
    const startBytes = bytes;
    for (;;) {
      let n: number;
      dispatching = true;
      try {
        n = handle.dispatch(MAX_PACKETS_PER_DISPATCH, onBatch);
      } catch (err) {
        // A capture error (the interface went away...) ends the capture; a sink's exception is not ours to hide.
        if ((err as NodeJS.ErrnoException).code !== 'EPCAP') throw err;
        ctx.warn('live.capture-error', `capture stopped: ${(err as Error).message}`);
        stopped = true;
        return false;
      } finally {
        dispatching = false;
      }
      if (stopped || n < MAX_PACKETS_PER_DISPATCH) return false;
      if (performance.now() - start >= ms || bytes - startBytes >= maxBytes) return true;
    }
  };
  const poll = (): void => {
    timer = undefined;
    if (stopped) return;
    const more = drain(MAX_DRAIN_MS);
    if (stopped) return;
    // A drain that hit its budget goes on after whatever else the event loop has to do.
    timer = more ? setTimeout(poll, 0) : setTimeout(poll, POLL_MS);
  };
  timer = setTimeout(poll, POLL_MS);

  let final: CaptureStats | undefined;
  return {
    iface,
    linkType,
    snaplen: handle.snaplen,
    stop(): CaptureStats {
      if (final) return final;
      if (timer) clearTimeout(timer);
      timer = undefined;
      // What the kernel already holds still reaches the sink (the analysis may be behind the
      // capture by up to a whole buffer): everything up to one buffer's worth, however long it
      // takes. The block the kernel is filling is handed over at most BLOCK_TIMEOUT_MS after its
      // first packet: wait that long once (synchronously; stop() returns the final counts), and
      // read it too. Not from inside the sink, where the dispatch under way cannot be reentered.
      if (!stopped && !dispatching) {
        drain(Infinity, bufferBytes);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, BLOCK_TIMEOUT_MS + 20);
        if (!stopped) drain(Infinity, bufferBytes);
      }
      stopped = true;
      const stats: CaptureStats = { format: 'live', compressed: false, frames: ctx.frames, bytesRead: bytes, warnings: ctx.warnings };
      try {
        const s = handle.stats();
        stats.dropped = s.dropped;
        stats.ifDropped = s.ifDropped;
      } catch {
        // The capture failed earlier (warned): libpcap has no counters to give.
      }
      handle.close();
      final = stats;
      return stats;
    },
  };
}

function openError(iface: string, filter: string, err: NodeJS.ErrnoException): MailwireError {
  const message = err.message;
  switch (err.code) {
    case 'EPERM': return new MailwireError('ERR_CAPTURE_PERMISSION', `capturing on '${iface}' needs root or CAP_NET_RAW (${message})`);
    case 'EFILTER': return new MailwireError('ERR_USAGE', `bad capture filter '${filter}': ${message}`);
    case 'ENODEV':
    case 'ENETDOWN':
      return new MailwireError('ERR_CAPTURE_INTERFACE', `cannot capture on '${iface}': ${message}`);
    default:
      if (/permission|not permitted|EPERM|EACCES/i.test(message)) {
        return new MailwireError('ERR_CAPTURE_PERMISSION', `capturing on '${iface}' needs root or CAP_NET_RAW (${message})`);
      }
      return new MailwireError('ERR_CAPTURE_INTERFACE', `cannot capture on '${iface}': ${message}`);
  }
}
