import { createRequire } from 'node:module';
import { MailwireError } from '../errors.js';
import { LinkType, type CaptureStats, type FrameSink } from './frame.js';
import { ReaderContext } from './reader-context.js';

/** Capture buffer size asked of libpcap when the caller gives none. */
const DEFAULT_BUFFER_BYTES = 16 * 1024 * 1024;
/**
 * cap always opens with a 65535-byte snaplen (its binding calls pcap_set_snaplen(65535) whatever is
 * asked); a frame buffer larger than that would never fill. libpcap cuts longer packets there
 * without cap knowing (loopback frames reach 65550 bytes): a packet that fills it may be cut.
 */
const CAP_SNAPLEN_BYTES = 65_535;

/** What a live capture is listening to, and how to end it. */
export interface LiveCapture {
  readonly iface: string;
  /** LINKTYPE_* of the interface (what a PcapWriter for it should be given). */
  readonly linkType: number;
  /** Stops capturing (idempotent) and returns the totals; dropped/ifDropped only when the module reports them. */
  stop(): CaptureStats;
}

/** An interface as listed by libpcap. */
export interface InterfaceInfo {
  name: string;
  description?: string;
  addresses: string[];
}

/** The part of the optional native `cap` module used here. */
interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): boolean;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
  removeAllListeners(event?: string): void;
  stats?(): { ps_recv?: number; ps_drop?: number; ps_ifdrop?: number; dropped?: number; ifdropped?: number };
}
interface CapModule {
  Cap: {
    new(): CapHandle;
    deviceList(): Array<{ name: string; description?: string; addresses?: Array<{ addr?: string }> }>;
  };
}

let capModule: CapModule | undefined;
/**
 * cap objects whose open() failed. Their native destructor would stop a poll handle that was never
 * started (and crash the process at garbage collection), so they are kept alive on purpose.
 */
const failedHandles: CapHandle[] = [];

/**
 * Loads the optional native module. `require` (through createRequire) rather than `import()` keeps
 * openLive synchronous; this file is the only one that touches `cap`.
 */
function loadCap(): CapModule {
  if (capModule) return capModule;
  try {
    capModule = createRequire(import.meta.url)('cap') as CapModule;
    return capModule;
  } catch (err) {
    throw new MailwireError('ERR_CAPTURE_UNAVAILABLE',
      `live capture needs the optional 'cap' module: apt-get install libpcap-dev && npm install (${(err as Error).message.split('\n')[0]})`);
  }
}

/** Lists the capture interfaces libpcap sees. Throws ERR_CAPTURE_UNAVAILABLE without `cap`. */
export async function listInterfaces(): Promise<InterfaceInfo[]> {
  const cap = loadCap();
  return cap.Cap.deviceList().map((d) => ({
    name: d.name,
    ...(d.description ? { description: d.description } : {}),
    addresses: (d.addresses ?? []).map((a) => a.addr).filter((a): a is string => typeof a === 'string'),
  }));
}

/** Maps the link type name cap returns from open() to a LINKTYPE_* number. */
export function capLinkType(name: string): number {
  switch (name) {
    case 'NULL': return LinkType.NULL;
    case 'ETHERNET': return LinkType.ETHERNET;
    case 'IEEE802_11_RADIO': return 127;
    case 'LINKTYPE_LINUX_SLL': return LinkType.LINUX_SLL;
    case 'RAW': return LinkType.RAW;
    default: {
      // "Unknown linktype N": N is the DLT, equal to the LINKTYPE for everything past the BSD-era values.
      const m = /(\d+)\s*$/.exec(name);
      return m ? Number(m[1]) : -1;
    }
  }
}

/**
 * Starts capturing on `iface` and hands every packet to `sink` as it arrives (on the event loop).
 *
 * Frames follow the RawFrame contract: ONE reused frame object whose `buf` is the capture buffer
 * cap fills for each packet (valid only during sink.frame). cap gives neither a timestamp nor the
 * original length: the time is stamped here on arrival, and wireLen is capLen, or capLen + 1 when
 * cap says the packet did not fit the buffer or when it filled cap's snaplen (the real length is
 * unknown; this marks it as cut, so that decode takes the lengths in the IP header as the truth).
 *
 * Throws MailwireError: ERR_CAPTURE_UNAVAILABLE (no `cap`), ERR_CAPTURE_INTERFACE (unknown
 * interface), ERR_CAPTURE_PERMISSION (needs root or CAP_NET_RAW), ERR_USAGE (bad filter).
 */
export function openLive(opts: { iface: string; filter?: string; snaplen?: number; bufferSize?: number }, sink: FrameSink): LiveCapture {
  const cap = loadCap();
  const iface = opts.iface;
  const known = cap.Cap.deviceList().map((d) => d.name);
  if (!known.includes(iface)) {
    throw new MailwireError('ERR_CAPTURE_INTERFACE', `no capture interface named '${iface}' (available: ${known.join(', ') || 'none'})`);
  }
  const snaplen = Math.max(1, Math.min(opts.snaplen ?? CAP_SNAPLEN_BYTES, CAP_SNAPLEN_BYTES));
  const buffer = Buffer.alloc(snaplen);
  const handle = new cap.Cap();
  let linkTypeName: string;
  try {
    linkTypeName = handle.open(iface, opts.filter ?? '', opts.bufferSize ?? DEFAULT_BUFFER_BYTES, buffer);
  } catch (err) {
    failedHandles.push(handle);
    throw openError(iface, opts.filter ?? '', (err as Error).message);
  }
  const linkType = capLinkType(linkTypeName);
  const ctx = new ReaderContext(sink, iface);
  if (linkType < 0) ctx.warn('live.unknown-link-type', `interface link type not understood: ${linkTypeName}`);
  let bytes = 0;
  let stopped = false;
  handle.on('packet', (nbytes: number, truncated: boolean) => {
    if (stopped) return;
    // performance.timeOrigin + now() is the wall clock with sub-millisecond resolution.
    const ms = performance.timeOrigin + performance.now();
    const sec = Math.floor(ms / 1000);
    const nsec = Math.min(999_999_999, Math.round((ms - sec * 1000) * 1e6));
    bytes += nbytes;
    const cut = truncated || nbytes >= CAP_SNAPLEN_BYTES;
    ctx.emit(buffer, 0, nbytes, cut ? nbytes + 1 : nbytes, sec, nsec, linkType, 0, -1);
  });
  return {
    iface,
    linkType,
    stop(): CaptureStats {
      const stats: CaptureStats = { format: 'live', compressed: false, frames: ctx.frames, bytesRead: bytes, warnings: ctx.warnings };
      if (!stopped) {
        stopped = true;
        const s = typeof handle.stats === 'function' ? handle.stats() : undefined;
        if (s) {
          const dropped = s.ps_drop ?? s.dropped;
          const ifDropped = s.ps_ifdrop ?? s.ifdropped;
          if (dropped !== undefined) stats.dropped = dropped;
          if (ifDropped !== undefined) stats.ifDropped = ifDropped;
        }
        handle.close();
        handle.removeAllListeners('packet');
      }
      return stats;
    },
  };
}

function openError(iface: string, filter: string, message: string): MailwireError {
  if (/permission|not permitted|access denied|EPERM|EACCES/i.test(message)) {
    return new MailwireError('ERR_CAPTURE_PERMISSION', `capturing on '${iface}' needs root or CAP_NET_RAW (${message})`);
  }
  if (/no such device|doesn't exist|does not exist|not up|down/i.test(message)) {
    return new MailwireError('ERR_CAPTURE_INTERFACE', `cannot capture on '${iface}': ${message}`);
  }
  // libpcap's compiler errors: "syntax error", "unknown port 'x'", "unknown host 'x'", "illegal qualifier"...
  if (/filter|syntax|parse|unknown (port|host|protocol|network|ether)|illegal|expression/i.test(message)) {
    return new MailwireError('ERR_USAGE', `bad capture filter '${filter}': ${message}`);
  }
  return new MailwireError('ERR_CAPTURE_INTERFACE', `cannot capture on '${iface}': ${message}`);
}
