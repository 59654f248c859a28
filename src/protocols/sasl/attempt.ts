/**
 * What the SASL decoders learnt from an exchange, written into its AuthAttempt: user, authzid,
 * secret facts, details (decoding problems as `saslErrors`) and the offline-attack line. Shared by
 * the POP3 and SMTP dissectors (AUTH); IMAP's AUTHENTICATE adds its own details around the same call.
 */
import type { AuthAttempt } from '../../model/conversation.js';
import { secretFacts } from '../../model/secrets.js';
import { decodeSasl, type SaslExchange } from './index.js';

/** `cut`: the exchange's line was cut (a secret longer than the line cap): its facts say so. */
export function applySasl(a: AuthAttempt, x: SaslExchange, cut = false): void {
  const r = decodeSasl(x);
  if (r.user !== undefined) {
    a.user = r.user;
    a.userRaw = r.user;
  }
  if (r.authzid !== undefined) a.authzid = r.authzid;
  if (r.secret) a.secret = secretFacts(r.secret.kind, r.secret.value, cut);
  const details: Record<string, string> = { ...r.details };
  if (r.errors.length > 0) details['saslErrors'] = r.errors.join('; ');
  if (Object.keys(details).length > 0) a.details = details;
  if (r.crackable) a.crackable = r.crackable;
}
