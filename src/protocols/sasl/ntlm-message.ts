/**
 * NTLM message parsing ([MS-NLMP] §2.2.1): NEGOTIATE (type 1), CHALLENGE (type 2), AUTHENTICATE
 * (type 3), AV pairs (§2.2.2.1), VERSION (§2.2.2.10) and the NTLMv2 client blob (§2.2.2.7).
 * Every field is bounds-checked: a field pointing beyond the message is an error entry, never an
 * exception. Returned byte arrays are views into the input.
 */
import { SASL_LIMITS } from './limits.js';

export const NTLMSSP_SIGNATURE = 'NTLMSSP\0';

/** NegotiateFlags bits ([MS-NLMP] §2.2.2.5), low bit first, named without the NTLMSSP_ prefix. */
export const NTLM_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [0x00000001, 'NEGOTIATE_UNICODE'],
  [0x00000002, 'NEGOTIATE_OEM'],
  [0x00000004, 'REQUEST_TARGET'],
  [0x00000010, 'NEGOTIATE_SIGN'],
  [0x00000020, 'NEGOTIATE_SEAL'],
  [0x00000040, 'NEGOTIATE_DATAGRAM'],
  [0x00000080, 'NEGOTIATE_LM_KEY'],
  [0x00000200, 'NEGOTIATE_NTLM'],
  [0x00000800, 'ANONYMOUS'],
  [0x00001000, 'NEGOTIATE_OEM_DOMAIN_SUPPLIED'],
  [0x00002000, 'NEGOTIATE_OEM_WORKSTATION_SUPPLIED'],
  [0x00008000, 'NEGOTIATE_ALWAYS_SIGN'],
  [0x00010000, 'TARGET_TYPE_DOMAIN'],
  [0x00020000, 'TARGET_TYPE_SERVER'],
  [0x00080000, 'NEGOTIATE_EXTENDED_SESSIONSECURITY'],
  [0x00100000, 'NEGOTIATE_IDENTIFY'],
  [0x00400000, 'REQUEST_NON_NT_SESSION_KEY'],
  [0x00800000, 'NEGOTIATE_TARGET_INFO'],
  [0x02000000, 'NEGOTIATE_VERSION'],
  [0x20000000, 'NEGOTIATE_128'],
  [0x40000000, 'NEGOTIATE_KEY_EXCH'],
  [0x80000000, 'NEGOTIATE_56'],
];
export const FLAG_UNICODE = 0x00000001;
export const FLAG_ESS = 0x00080000;
export const FLAG_VERSION = 0x02000000;

/** AV pair ids ([MS-NLMP] §2.2.2.1). */
export const AV = {
  EOL: 0, NB_COMPUTER_NAME: 1, NB_DOMAIN_NAME: 2, DNS_COMPUTER_NAME: 3, DNS_DOMAIN_NAME: 4,
  DNS_TREE_NAME: 5, FLAGS: 6, TIMESTAMP: 7, SINGLE_HOST: 8, TARGET_NAME: 9, CHANNEL_BINDINGS: 10,
} as const;

export interface NtlmNegotiate {
  type: 1;
  flags: number;
  domain?: Uint8Array;
  workstation?: Uint8Array;
  version?: string;
}
export interface NtlmChallenge {
  type: 2;
  flags: number;
  targetName?: Uint8Array;
  serverChallenge: Uint8Array;
  targetInfo?: AvPair[];
  version?: string;
}
export interface NtlmAuthenticate {
  type: 3;
  /** Undefined in the oldest layout (payload starting at 52/60): no flags field. */
  flags?: number;
  lmResponse: Uint8Array;
  ntResponse: Uint8Array;
  domain: Uint8Array;
  user: Uint8Array;
  workstation: Uint8Array;
  sessionKey: Uint8Array;
  version?: string;
  /** The 16 bytes at offset 72, when the layout leaves room for them (payload at >= 88). */
  mic?: Uint8Array;
}
export type NtlmMessage = NtlmNegotiate | NtlmChallenge | NtlmAuthenticate;
export interface AvPair {
  id: number;
  value: Uint8Array;
}

/** Parsed NTLMv2 client blob ([MS-NLMP] §2.2.2.7 NTLMv2_CLIENT_CHALLENGE). */
export interface NtlmV2Blob {
  timestamp: Uint8Array;
  clientChallenge: Uint8Array;
  avPairs: AvPair[];
}

/** Shortest legal header per type: old senders stop after the flags (1) or the challenge (2). */
const HEADER_BYTES = { 1: 16, 2: 32, 3: 52 } as const;
const FLAG_OEM_SUPPLIED = 0x00001000 | 0x00002000;
const FLAG_TARGET_INFO = 0x00800000;

/**
 * Parses one NTLM message. `message` is undefined when the signature, the type or the fixed
 * header is missing; fields pointing outside the message are left empty/undefined, with an error.
 */
export function parseNtlmMessage(b: Uint8Array): { message?: NtlmMessage; errors: string[] } {
  const errors: string[] = [];
  if (b.length < 12) {
    const prefix = Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, 8)).toString('latin1');
    errors.push(NTLMSSP_SIGNATURE.startsWith(prefix) ? `NTLM: message truncated at ${b.length} bytes (header needs 12)` : 'NTLM: not an NTLMSSP message (bad signature)');
    return { errors };
  }
  if (Buffer.from(b.buffer, b.byteOffset, 8).toString('latin1') !== NTLMSSP_SIGNATURE) {
    errors.push('NTLM: not an NTLMSSP message (bad signature)');
    return { errors };
  }
  const type = u32(b, 8);
  if (type !== 1 && type !== 2 && type !== 3) {
    errors.push(`NTLM: unknown message type ${type}`);
    return { errors };
  }
  const need = HEADER_BYTES[type];
  if (b.length < need) {
    errors.push(`NTLM type ${type}: truncated at ${b.length} bytes (header needs ${need})`);
    return { errors };
  }
  const what = `NTLM type ${type}`;
  if (type === 1) {
    const flags = u32(b, 12);
    const m: NtlmNegotiate = { type, flags };
    if (b.length < 32) {
      if (flags & (FLAG_OEM_SUPPLIED | FLAG_VERSION)) errors.push(`${what}: truncated at ${b.length} bytes (flags announce fields up to 32)`);
      return { message: m, errors };
    }
    const domain = secBuf(b, 16, `${what} DomainName`, errors);
    const ws = secBuf(b, 24, `${what} Workstation`, errors);
    if (domain !== undefined && domain.length > 0) m.domain = domain;
    if (ws !== undefined && ws.length > 0) m.workstation = ws;
    if (flags & FLAG_VERSION) {
      const v = version(b, 32, payloadStart(b, [16, 24]), what, errors);
      if (v !== undefined) m.version = v;
    }
    return { message: m, errors };
  }
  if (type === 2) {
    const flags = u32(b, 20);
    const m: NtlmChallenge = { type, flags, serverChallenge: b.subarray(24, 32) };
    const target = secBuf(b, 12, `${what} TargetName`, errors);
    if (target !== undefined && target.length > 0) m.targetName = target;
    if (b.length < 48) {
      if (flags & (FLAG_TARGET_INFO | FLAG_VERSION)) errors.push(`${what}: truncated at ${b.length} bytes (flags announce fields up to 48)`);
      return { message: m, errors };
    }
    const info = secBuf(b, 40, `${what} TargetInfo`, errors);
    if (info !== undefined && info.length > 0) m.targetInfo = parseAvPairs(info, `${what} TargetInfo`, errors);
    if (flags & FLAG_VERSION) {
      const v = version(b, 48, payloadStart(b, [12, 40]), what, errors);
      if (v !== undefined) m.version = v;
    }
    return { message: m, errors };
  }
  const empty = b.subarray(0, 0);
  const f = (at: number, name: string) => secBuf(b, at, `${what} ${name}`, errors) ?? empty;
  const m: NtlmAuthenticate = {
    type,
    lmResponse: f(12, 'LmChallengeResponse'),
    ntResponse: f(20, 'NtChallengeResponse'),
    domain: f(28, 'DomainName'),
    user: f(36, 'UserName'),
    workstation: f(44, 'Workstation'),
    sessionKey: empty,
  };
  // Which optional header fields exist is told by where the payload starts (§2.2.1.3).
  const start = payloadStart(b, [12, 20, 28, 36, 44]);
  if (start >= 60 && b.length >= 60) m.sessionKey = f(52, 'EncryptedRandomSessionKey');
  if (start >= 64 && b.length >= 64) m.flags = u32(b, 60);
  if (m.flags !== undefined && m.flags & FLAG_VERSION) {
    const v = version(b, 64, start, what, errors);
    if (v !== undefined) m.version = v;
  }
  if (start >= 88 && b.length >= 88) m.mic = b.subarray(72, 88);
  return { message: m, errors };
}

/** AV pairs up to MsvAvEOL (or the end), at most MAX_NTLM_AV_PAIRS. */
export function parseAvPairs(b: Uint8Array, what: string, errors: string[]): AvPair[] {
  const out: AvPair[] = [];
  let at = 0;
  while (at + 4 <= b.length) {
    const id = u16(b, at);
    const len = u16(b, at + 2);
    if (id === AV.EOL) return out;
    if (out.length >= SASL_LIMITS.MAX_NTLM_AV_PAIRS) {
      errors.push(`${what}: more than ${SASL_LIMITS.MAX_NTLM_AV_PAIRS} AV pairs (MAX_NTLM_AV_PAIRS); rest skipped`);
      return out;
    }
    if (at + 4 + len > b.length) {
      errors.push(`${what}: AV pair ${id} length ${len} at ${at} beyond end ${b.length}`);
      return out;
    }
    out.push({ id, value: b.subarray(at + 4, at + 4 + len) });
    at += 4 + len;
  }
  errors.push(`${what}: AV pair list truncated (no MsvAvEOL)`);
  return out;
}

/** The NTLMv2 blob after the 16-byte NTProofStr; undefined (with an error) when malformed. */
export function parseNtlmV2Blob(blob: Uint8Array, errors: string[]): NtlmV2Blob | undefined {
  if (blob.length < 28) {
    errors.push(`NTLMv2 blob truncated at ${blob.length} bytes (needs 28)`);
    return undefined;
  }
  if (blob[0] !== 1 || blob[1] !== 1) errors.push(`NTLMv2 blob: RespType/HiRespType ${blob[0]}/${blob[1]}, expected 1/1`);
  return {
    timestamp: blob.subarray(8, 16),
    clientChallenge: blob.subarray(16, 24),
    avPairs: parseAvPairs(blob.subarray(28), 'NTLMv2 blob', errors),
  };
}

/** VERSION (§2.2.2.10) as "major.minor.build (NTLM revision N)". */
function version(b: Uint8Array, at: number, payloadAt: number, what: string, errors: string[]): string | undefined {
  // A payload starting inside the VERSION field means the sender did not include it.
  if (payloadAt < at + 8) return undefined;
  if (b.length < at + 8) {
    errors.push(`${what}: Version truncated at ${b.length} bytes`);
    return undefined;
  }
  return `${b[at]}.${b[at + 1]}.${u16(b, at + 2)} (NTLM revision ${b[at + 7]})`;
}

/** Smallest offset of the non-empty fields whose headers are at `at`: where the payload begins. */
function payloadStart(b: Uint8Array, at: number[]): number {
  let min = b.length;
  for (const a of at) {
    if (a + 8 > b.length) continue;
    if (u16(b, a) > 0) min = Math.min(min, u32(b, a + 4));
  }
  return min;
}

/** A security buffer (len u16, maxlen u16, offset u32) at `at`; undefined with an error when bad. */
function secBuf(b: Uint8Array, at: number, what: string, errors: string[]): Uint8Array | undefined {
  if (at + 8 > b.length) {
    errors.push(`${what}: field header truncated at ${b.length} bytes`);
    return undefined;
  }
  const len = u16(b, at);
  const off = u32(b, at + 4);
  if (len === 0) return b.subarray(0, 0);
  if (off + len > b.length) {
    errors.push(`${what}: offset ${off} length ${len} beyond message end ${b.length}`);
    return undefined;
  }
  return b.subarray(off, off + len);
}

export function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}
export function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}
