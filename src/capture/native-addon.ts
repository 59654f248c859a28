/**
 * The optional native addon built from native/mailwire_pcap.c (`npm install` builds it when
 * libpcap's headers are there): live capture (src/capture/live.ts) and capture filters on files
 * (src/capture/capture-filter.ts) need it; reading files does not. The one place that loads it.
 */
import { createRequire } from 'node:module';
import { MailwireError, type MailwireErrorCode } from '../errors.js';

/** The native addon's interface (described in native/mailwire_pcap.c). */
export interface PcapAddon {
  libVersion: string;
  devices(): Array<{ name: string; description?: string; addresses: string[]; loopback: boolean }>;
  Capture: new (iface: string, filter: string, snaplen: number, bufferBytes: number, timeoutMs: number, batch: Buffer, loopback: boolean) => PcapCaptureHandle;
  /** Absent in an addon built before capture filters on files existed. */
  Filter?: new (linkType: number, snaplen: number, expression: string) => PcapFilterHandle;
}

export interface PcapCaptureHandle {
  readonly linkType: number;
  readonly snaplen: number;
  readonly nanosecond: boolean;
  readonly ignoresOutgoing: boolean;
  dispatch(maxPackets: number, onBatch: (records: number) => void): number;
  stats(): { received: number; dropped: number; ifDropped: number };
  close(): void;
}

export interface PcapFilterHandle {
  matches(bytes: Uint8Array, offset: number, capLen: number, wireLen: number): boolean;
}

/** From dist/capture/ and src/capture/ alike. */
const ADDON_PATH = '../../native/build/Release/mailwire_pcap.node';
let addon: PcapAddon | undefined;

/**
 * Loads the addon, or throws `code` with one line that says what needs it (`needs`: "live
 * capture", "a capture filter") and how to build it. `require` (through createRequire) keeps
 * callers synchronous.
 */
export function loadAddon(needs: string, code: MailwireErrorCode): PcapAddon {
  if (addon) return addon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as PcapAddon;
    return addon;
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' ? 'it was not built' : (err as Error).message.split('\n')[0];
    throw new MailwireError(code, `${needs} needs mailwire's native libpcap addon (${why}): apt-get install libpcap-dev, then npm run build:native`);
  }
}
