/** Whether this machine can run the live-capture tests: they need root and mailwire's native libpcap addon. */
import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { once } from 'node:events';

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

/** A POP3-like server on 127.0.0.1, a free port: greets, answers the first line with `+OK bye` and closes. */
export async function pop3LikeServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((sock) => {
    sock.write('+OK ready\r\n');
    sock.on('data', () => sock.end('+OK bye\r\n'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}
