/** Whether this machine can run the live-capture tests: they need root and mailwire's native libpcap addon. */
import { createRequire } from 'node:module';

/** The optional addon (native/, built by `npm install` when libpcap's headers are there) loads. */
export function captureAddonLoads(): boolean {
  try {
    createRequire(import.meta.url)('../../native/build/Release/mailwire_pcap.node');
    return true;
  } catch {
    return false;
  }
}

/** Why live capture cannot be tested here ('not root', the addon missing), or undefined when it can. */
export function liveCaptureUnavailable(): string | undefined {
  if (!captureAddonLoads()) return "mailwire's native libpcap addon is not built (apt-get install libpcap-dev, then npm run build:native)";
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root';
  return undefined;
}
