/**
 * SASL exchange decoding: turns the raw continuation lines of an IMAP AUTHENTICATE or POP3 AUTH
 * into the facts a report needs (user, secret, crackable challenge/response), never throwing.
 */
import { decodeCramMd5 } from './cram-md5.js';
import { decodeDigestMd5 } from './digest-md5.js';
import { decodeGssapi } from './gssapi.js';
import { decodeLogin } from './login.js';
import { decodeNtlm } from './ntlm.js';
import { decodeOauthbearer } from './oauthbearer.js';
import { decodePlain } from './plain.js';
import { decodeScram } from './scram.js';
import { decodeAnonymous, decodeExternal, decodeUnknown } from './simple.js';
import { decodeXoauth2 } from './xoauth2.js';

/** One SASL exchange as seen on the wire, collected by the IMAP or POP3 dissector. */
export interface SaslExchange {
  /** Mechanism as sent, any case. */
  mechanism: string;
  /** Initial response (IMAP SASL-IR / POP3 AUTH second argument) as sent: base64 text, '=' meaning empty; undefined when absent. */
  initialResponse?: string;
  /** The continuation payloads in order, as sent (server: text after '+ ', client: the whole line). */
  steps: Array<{ side: 'C' | 'S'; text: string }>;
  /** The client cancelled with '*'. */
  cancelled: boolean;
}

/** What was learnt from one exchange. Fields marked secret must be redacted by reports. */
export interface SaslResult {
  /** Upper-cased mechanism name. */
  mechanism: string;
  user?: string;
  authzid?: string;
  /** The secret as recovered from the wire (password for PLAIN/LOGIN, token for XOAUTH2/OAUTHBEARER, response hash for CRAM-MD5/DIGEST-MD5, NTLM response). */
  secret?: { kind: 'password' | 'token' | 'hash' | 'response'; value: string };
  /** The password or token itself crossed the wire recoverably (PLAIN, LOGIN, XOAUTH2, OAUTHBEARER). */
  cleartextSecret: boolean;
  /** Non-secret decoded facts (NTLM domain, workstation, OS version, server challenge, target info; XOAUTH2 error JSON; JWT header/claims fingerprint; DIGEST-MD5 realm...). */
  details: Record<string, string>;
  /** Challenge/response captured that can be attacked offline; `line` in the format password auditors use (hashcat/John). Secret. */
  crackable?: { format: string; line: string };
  /** Problems decoding (bad base64, truncated NTLM message...), never thrown. */
  errors: string[];
}

type Decoder = (x: SaslExchange) => SaslResult;

const DECODERS: Record<string, Decoder> = {
  PLAIN: decodePlain,
  LOGIN: decodeLogin,
  XOAUTH2: decodeXoauth2,
  OAUTHBEARER: decodeOauthbearer,
  'CRAM-MD5': decodeCramMd5,
  'DIGEST-MD5': decodeDigestMd5,
  NTLM: decodeNtlm,
  GSSAPI: decodeGssapi,
  'GSS-SPNEGO': decodeGssapi,
  EXTERNAL: decodeExternal,
  ANONYMOUS: decodeAnonymous,
};

/**
 * Decodes one exchange with the decoder of its mechanism (case-insensitive; SCRAM-* and *-PLUS
 * variants included; anything else is counted, not decoded). Never throws: undecodable input
 * yields `errors` entries, and an unexpected failure inside a decoder is reported the same way.
 * The exchange is read, never kept: the result shares no mutable state with it.
 */
export function decodeSasl(x: SaslExchange): SaslResult {
  const mech = x.mechanism.toUpperCase();
  const decoder = DECODERS[mech] ?? (mech.startsWith('SCRAM-') ? decodeScram : decodeUnknown);
  try {
    return decoder(x);
  } catch (e) {
    // A decoder bug must not take the connection down: report it as data (ARCHITECTURE, bad input 4).
    return { mechanism: mech, cleartextSecret: false, details: {}, errors: [`internal decoder error: ${e instanceof Error ? e.message : String(e)}`] };
  }
}
