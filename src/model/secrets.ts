/** Facts about a secret that can be shown without showing it (length, spaces, sameness). */
import { createHmac, randomBytes } from 'node:crypto';
import type { SecretFacts } from './conversation.js';

/**
 * Fingerprints are keyed with a random per-process key: within one analysis two equal secrets get
 * the same fingerprint (so a report can say "the same password as attempt 2"), but a fingerprint in
 * a shared report is useless for guessing the password offline.
 */
let RUN_KEY: Uint8Array = randomBytes(32);

/** The run's key, and setting it: worker threads of one run (src/parallel) must fingerprint alike. */
export function runKey(): Uint8Array {
  return RUN_KEY;
}
export function useRunKey(key: Uint8Array): void {
  RUN_KEY = key;
}

/** `cut`: the line carrying the secret was cut (LIMITS.MAX_LINE_BYTES): `value` is only its start. */
export function secretFacts(kind: SecretFacts['kind'], value: string, cut = false): SecretFacts {
  const facts: SecretFacts = {
    kind,
    value,
    length: [...value].length,
    leadingSpace: /^\s/.test(value),
    trailingSpace: /\s$/.test(value),
    // eslint-disable-next-line no-control-regex
    nonAscii: /[^\x00-\x7f]/.test(value),
    fingerprint: createHmac('sha256', RUN_KEY).update(value).digest('hex').slice(0, 12),
  };
  if (cut) facts.cut = true;
  return facts;
}
