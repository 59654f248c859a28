/**
 * NTLM over IMAP/POP3 ([MS-OXIMAP4] §2.2.1, [MS-OXPOP3]): client NEGOTIATE, server CHALLENGE,
 * client AUTHENTICATE. User, domain and workstation travel in clear; the server challenge plus the
 * client's response can be attacked offline: NetNTLMv2 (hashcat 5600) or NetNTLMv1 (hashcat 5500).
 */
import { bytesToText, toHex } from './codec.js';
import { messagesOf, newResult, setDetail } from './exchange.js';
import {
  AV, FLAG_ESS, FLAG_UNICODE, NTLM_FLAGS, parseNtlmMessage, parseNtlmV2Blob, u32,
  type AvPair, type NtlmAuthenticate, type NtlmChallenge, type NtlmNegotiate,
} from './ntlm-message.js';
import type { SaslExchange, SaslResult } from './index.js';

/** Decodes an NTLM exchange; every message seen adds its facts, in wire order. */
export function decodeNtlm(x: SaslExchange): SaslResult {
  const r = newResult(x);
  let challenge: NtlmChallenge | undefined;
  let negotiate: NtlmNegotiate | undefined;
  for (const m of messagesOf(x, r.errors)) {
    if (m.text.trim() === '') continue;
    const who = m.side === 'C' ? 'client' : 'server';
    if (m.bytes === undefined) {
      r.errors.push(`NTLM ${who} message: ${m.error ?? 'not decoded'}`);
      continue;
    }
    const parsed = parseNtlmMessage(m.bytes);
    r.errors.push(...parsed.errors);
    const msg = parsed.message;
    if (msg === undefined) continue;
    if ((msg.type === 2) !== (m.side === 'S')) r.errors.push(`NTLM: type ${msg.type} message sent by the ${who}`);
    if (msg.type === 1) {
      negotiate = msg;
      describeNegotiate(msg, r);
    } else if (msg.type === 2) {
      challenge = msg;
      describeChallenge(msg, r);
    } else {
      describeAuthenticate(msg, challenge, negotiate, r);
    }
  }
  return r;
}

function describeNegotiate(m: NtlmNegotiate, r: SaslResult): void {
  setDetail(r, 'negotiateFlags', flagText(m.flags));
  // NEGOTIATE names are always OEM (§2.2.1.1).
  if (m.domain) setDetail(r, 'clientDomain', oem(m.domain));
  if (m.workstation) setDetail(r, 'clientWorkstation', oem(m.workstation));
  if (m.version) setDetail(r, 'clientVersion', m.version);
}

const TARGET_INFO_NAMES: Record<number, string> = {
  [AV.NB_COMPUTER_NAME]: 'nbComputerName',
  [AV.NB_DOMAIN_NAME]: 'nbDomainName',
  [AV.DNS_COMPUTER_NAME]: 'dnsComputerName',
  [AV.DNS_DOMAIN_NAME]: 'dnsDomainName',
  [AV.DNS_TREE_NAME]: 'dnsTreeName',
  [AV.TARGET_NAME]: 'targetSpn',
};

function describeChallenge(m: NtlmChallenge, r: SaslResult): void {
  setDetail(r, 'challengeFlags', flagText(m.flags));
  setDetail(r, 'serverChallenge', toHex(m.serverChallenge));
  if (m.targetName) setDetail(r, 'targetName', ntlmString(m.targetName, (m.flags & FLAG_UNICODE) !== 0));
  if (m.version) setDetail(r, 'serverVersion', m.version);
  for (const p of m.targetInfo ?? []) {
    const name = TARGET_INFO_NAMES[p.id];
    // AV pair names are always UTF-16LE (§2.2.2.1).
    if (name !== undefined) setDetail(r, name, utf16(p.value));
    else if (p.id === AV.TIMESTAMP && p.value.length === 8) setDetail(r, 'serverTime', fileTime(p.value));
  }
}

function describeAuthenticate(m: NtlmAuthenticate, ch: NtlmChallenge | undefined, neg: NtlmNegotiate | undefined, r: SaslResult): void {
  const flags = m.flags ?? ch?.flags ?? neg?.flags ?? 0;
  if (m.flags !== undefined) setDetail(r, 'authenticateFlags', flagText(m.flags));
  const unicode = m.flags !== undefined || ch !== undefined ? (flags & FLAG_UNICODE) !== 0 : looksUtf16(m.user);
  const user = ntlmString(m.user, unicode);
  const domain = ntlmString(m.domain, unicode);
  r.user = user;
  setDetail(r, 'domain', domain);
  if (m.workstation.length > 0) setDetail(r, 'workstation', ntlmString(m.workstation, unicode));
  if (m.version) setDetail(r, 'clientVersion', m.version);
  if (m.sessionKey.length > 0) setDetail(r, 'sessionKey', 'present');
  const nt = m.ntResponse;
  const lm = m.lmResponse;
  const challengeHex = ch !== undefined ? toHex(ch.serverChallenge) : undefined;
  if (nt.length === 0 && user === '' && lm.length <= 1) {
    setDetail(r, 'ntlmVersion', 'anonymous');
    r.details.anonymous = 'true';
    return;
  }
  let micFromFlags = false;
  if (nt.length > 24) {
    setDetail(r, 'ntlmVersion', 'NTLMv2');
    r.secret = { kind: 'response', value: toHex(nt) };
    const blob = parseNtlmV2Blob(nt.subarray(16), r.errors);
    if (blob !== undefined) {
      setDetail(r, 'clientTime', fileTime(blob.timestamp));
      micFromFlags = describeBlobPairs(blob.avPairs, r);
    }
    if (challengeHex === undefined) r.errors.push('NTLM: no server challenge seen: no crackable line');
    else r.crackable = { format: 'netntlmv2', line: `${user}::${domain}:${challengeHex}:${toHex(nt.subarray(0, 16))}:${toHex(nt.subarray(16))}` };
  } else if (nt.length === 24) {
    // With extended session security the LM field carries the client challenge (§3.3.1).
    const ess = (flags & FLAG_ESS) !== 0 && lm.length === 24 && lm.subarray(8).every((v) => v === 0);
    setDetail(r, 'ntlmVersion', ess ? 'NTLMv1 (extended session security)' : 'NTLMv1');
    r.secret = { kind: 'response', value: toHex(nt) };
    if (challengeHex === undefined) r.errors.push('NTLM: no server challenge seen: no crackable line');
    else r.crackable = { format: 'netntlm', line: `${user}::${domain}:${toHex(lm)}:${toHex(nt)}:${challengeHex}` };
  } else if (nt.length === 0 && lm.length === 24) {
    setDetail(r, 'ntlmVersion', 'LM only');
    r.secret = { kind: 'response', value: toHex(lm) };
  } else {
    r.errors.push(`NTLM: NtChallengeResponse of ${nt.length} bytes is neither NTLMv1 (24) nor NTLMv2 (> 24)`);
  }
  if (m.mic !== undefined && (micFromFlags || m.mic.some((v) => v !== 0))) setDetail(r, 'mic', 'present');
  else setDetail(r, 'mic', micFromFlags ? 'announced but no room for it' : 'absent');
}

/** Facts from the NTLMv2 blob's AV pairs; returns whether MsvAvFlags announces a MIC (bit 0x2). */
function describeBlobPairs(pairs: AvPair[], r: SaslResult): boolean {
  let mic = false;
  for (const p of pairs) {
    if (p.id === AV.TARGET_NAME) setDetail(r, 'clientTargetSpn', utf16(p.value));
    else if (p.id === AV.FLAGS && p.value.length === 4) mic = (u32(p.value, 0) & 0x2) !== 0;
    else if (p.id === AV.CHANNEL_BINDINGS) setDetail(r, 'channelBindings', p.value.some((v) => v !== 0) ? 'present' : 'zero (none)');
  }
  return mic;
}

/** "0xe2888235 NEGOTIATE_UNICODE NEGOTIATE_OEM …" */
export function flagText(flags: number): string {
  const names = NTLM_FLAGS.filter(([bit]) => ((flags >>> 0) & bit) >>> 0 === bit).map(([, n]) => n);
  return `0x${(flags >>> 0).toString(16).padStart(8, '0')}${names.length > 0 ? ` ${names.join(' ')}` : ''}`;
}

/** FILETIME (100 ns since 1601-01-01, little-endian) as ISO 8601; out-of-range values as raw hex. */
function fileTime(b: Uint8Array): string {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  const ms = Number(v / 10_000n) - 11_644_473_600_000;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) || v === 0n ? `0x${toHex(b)}` : d.toISOString();
}

function ntlmString(b: Uint8Array, unicode: boolean): string {
  return unicode ? utf16(b) : oem(b);
}
function utf16(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length - (b.length % 2)).toString('utf16le');
}
function oem(b: Uint8Array): string {
  return bytesToText(b);
}
/** With no flags to go by: ASCII text in UTF-16LE has a zero at every odd offset. */
function looksUtf16(b: Uint8Array): boolean {
  if (b.length === 0 || b.length % 2 !== 0) return false;
  for (let i = 1; i < b.length; i += 2) if (b[i] !== 0) return false;
  return true;
}
