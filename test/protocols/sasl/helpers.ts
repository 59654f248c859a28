import type { SaslExchange } from '../../../src/protocols/sasl/index.js';

/** Builds an exchange from [side, text] pairs, as the IMAP/POP3 dissectors collect them. */
export function exchange(mechanism: string, steps: Array<['C' | 'S', string]>, initialResponse?: string, cancelled = false): SaslExchange {
  const x: SaslExchange = { mechanism, steps: steps.map(([side, text]) => ({ side, text })), cancelled };
  if (initialResponse !== undefined) x.initialResponse = initialResponse;
  return x;
}

export const b64 = (s: string | Uint8Array): string => Buffer.from(s as string).toString('base64');
