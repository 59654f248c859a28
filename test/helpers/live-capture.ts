/** Whether this machine can run the live-capture tests: they need root and the optional `cap` module. */
import { createRequire } from 'node:module';

/** The optional native capture module loads (it is an optionalDependency and may have failed to build). */
export function capLoads(): boolean {
  try {
    createRequire(import.meta.url)('cap');
    return true;
  } catch {
    return false;
  }
}

/** Why live capture cannot be tested here ('not root', the module missing), or undefined when it can. */
export function liveCaptureUnavailable(): string | undefined {
  if (!capLoads()) return "the optional 'cap' module cannot be loaded";
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root';
  return undefined;
}
