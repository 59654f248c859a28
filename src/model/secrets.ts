/** Facts about a secret that can be shown without showing it (length, spaces, sameness). */
import { createHash } from 'node:crypto';
import type { SecretFacts } from './conversation.js';

export function secretFacts(kind: SecretFacts['kind'], value: string): SecretFacts {
  return {
    kind,
    value,
    length: [...value].length,
    leadingSpace: /^\s/.test(value),
    trailingSpace: /\s$/.test(value),
    // eslint-disable-next-line no-control-regex
    nonAscii: /[^\x00-\x7f]/.test(value),
    // A salted-per-run hash would hide equality across runs; a truncated SHA-256 is enough to say
    // "same as attempt 2" and is not reversible for any password worth having.
    fingerprint: createHash('sha256').update('mailwire:' + value).digest('hex').slice(0, 12),
  };
}
