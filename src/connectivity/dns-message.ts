/**
 * A DNS message (RFC 1035 §4): the header, the questions and the answer section, with the record
 * data the connectivity layer needs (A, AAAA, CNAME, MX, SRV per RFC 2782/6186, PTR); other types
 * keep their type and TTL only. The authority and additional sections are not read.
 *
 * Never throws. Bytes that run out give `{ error: '... truncated' }`; bytes present but impossible
 * (a compression pointer loop or one pointing forward, a label type 0b01/0b10, a name longer than
 * 255 bytes, more questions than a message can hold) give `{ error }` with the reason. Counts are
 * only believed as far as the bytes go, and at most MAX_DNS_RECORDS answers are kept (the rest are
 * counted in `answersDropped`), so an absurd count costs at most one pass over the message.
 */
import { formatAddress } from '../decode/format-address.js';

export const DNS_LIMITS = {
  /** Questions read (real resolvers send one). */
  MAX_QUESTIONS: 4,
  /** Answer records kept per message. */
  MAX_DNS_RECORDS: 32,
  /** Compression pointers followed in one name (RFC 1035 names are at most 127 labels). */
  MAX_POINTERS: 64,
  /** A name's length in wire form (RFC 1035 §2.3.4). */
  MAX_NAME_BYTES: 255,
} as const;

export const DnsType = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, ANY: 255 } as const;

const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(DnsType).map(([k, v]) => [v, k]));

/** "A", "AAAA", "SRV"... or "TYPE65" (RFC 3597) for the others. */
export function dnsTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `TYPE${type}`;
}

/** RCODE names (RFC 1035 §4.1.1, RFC 6895). */
export function rcodeName(rcode: number): string {
  return ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'][rcode] ?? `RCODE${rcode}`;
}

export interface DnsQuestion {
  /** Lower-case, without the final dot ("" for the root). */
  name: string;
  type: number;
}

export interface DnsRecord {
  name: string;
  type: number;
  ttl: number;
  /** A/AAAA: the address; CNAME/PTR: the name; MX: the exchange; SRV: the target. */
  value?: string;
  /** MX preference. */
  preference?: number;
  /** SRV fields (RFC 2782). */
  srv?: { priority: number; weight: number; port: number };
}

export interface DnsMessage {
  id: number;
  /** QR: a response. */
  response: boolean;
  opcode: number;
  rcode: number;
  /** TC: the answer did not fit (the client should retry over TCP). */
  truncatedFlag: boolean;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  /** Answers beyond MAX_DNS_RECORDS, counted. */
  answersDropped: number;
}

const HEADER = 12;

/** Parses the DNS message at buf[p, p + length) (for DNS over TCP: after the 2-byte length). */
export function parseDnsMessage(buf: Uint8Array, p: number, length: number): DnsMessage | { error: string } {
  const end = Math.min(p + length, buf.length);
  if (end - p < HEADER) return { error: 'dns header truncated' };
  const flags = u16(buf, p + 2);
  const qdcount = u16(buf, p + 4);
  const ancount = u16(buf, p + 6);
  // A question takes at least 5 bytes: a count the bytes cannot hold is not worth walking.
  if (qdcount > DNS_LIMITS.MAX_QUESTIONS) return { error: `dns question count ${qdcount}` };
  const msg: DnsMessage = {
    id: u16(buf, p),
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0x0f,
    rcode: flags & 0x0f,
    truncatedFlag: (flags & 0x0200) !== 0,
    questions: [],
    answers: [],
    answersDropped: 0,
  };
  const r = { at: p + HEADER, error: '' };
  for (let i = 0; i < qdcount; i++) {
    const name = readName(buf, p, end, end, r);
    if (name === undefined) return { error: `dns question ${r.error}` };
    if (end - r.at < 4) return { error: 'dns question truncated' };
    msg.questions.push({ name, type: u16(buf, r.at) });
    r.at += 4;
  }
  for (let i = 0; i < ancount; i++) {
    const name = readName(buf, p, end, end, r);
    if (name === undefined) return { error: `dns answer ${r.error}` };
    if (end - r.at < 10) return { error: 'dns answer truncated' };
    const type = u16(buf, r.at);
    const ttl = u32(buf, r.at + 4);
    const rdlength = u16(buf, r.at + 8);
    const data = r.at + 10;
    if (end - data < rdlength) return { error: 'dns answer data truncated' };
    r.at = data + rdlength;
    if (msg.answers.length >= DNS_LIMITS.MAX_DNS_RECORDS) {
      msg.answersDropped++;
      continue;
    }
    const rec: DnsRecord = { name, type, ttl };
    const bad = recordData(buf, p, end, data, rdlength, rec);
    if (bad) return { error: `dns ${dnsTypeName(type)} record ${bad}` };
    msg.answers.push(rec);
  }
  return msg;
}

/** Fills rec.value (and MX/SRV fields) from the record data; returns an error text, or '' when fine. */
function recordData(buf: Uint8Array, msgStart: number, msgEnd: number, p: number, len: number, rec: DnsRecord): string {
  const end = p + len;
  const r = { at: p, error: '' };
  switch (rec.type) {
    case DnsType.A:
      if (len !== 4) return `length ${len}`;
      rec.value = formatAddress(buf, p, 4);
      return '';
    case DnsType.AAAA:
      if (len !== 16) return `length ${len}`;
      rec.value = formatAddress(buf, p, 16);
      return '';
    case DnsType.CNAME:
    case DnsType.PTR:
    case DnsType.NS: {
      const name = readName(buf, msgStart, msgEnd, end, r);
      if (name === undefined) return r.error;
      rec.value = name;
      return '';
    }
    case DnsType.MX: {
      if (len < 3) return 'truncated';
      r.at += 2;
      const name = readName(buf, msgStart, msgEnd, end, r);
      if (name === undefined) return r.error;
      rec.preference = u16(buf, p);
      rec.value = name;
      return '';
    }
    case DnsType.SRV: {
      if (len < 7) return 'truncated';
      r.at += 6;
      const name = readName(buf, msgStart, msgEnd, end, r);
      if (name === undefined) return r.error;
      rec.srv = { priority: u16(buf, p), weight: u16(buf, p + 2), port: u16(buf, p + 4) };
      rec.value = name;
      return '';
    }
    default:
      return '';
  }
}

/**
 * Reads a possibly compressed name at r.at; advances r.at past it (past the first pointer when
 * compressed). Pointers must point backwards (RFC 1035 §4.1.4: "a prior occurrence"), which with
 * the pointer count rules out loops. Returns undefined with r.error on failure. `end` bounds the
 * name's own bytes (a record's data); a pointer may go anywhere earlier in the message (< msgEnd).
 */
function readName(buf: Uint8Array, msgStart: number, msgEnd: number, end: number, r: { at: number; error: string }): string | undefined {
  let at = r.at;
  let limit = end;
  let jumped = false;
  let pointers = 0;
  let wireLength = 1;
  let name = '';
  for (;;) {
    if (at >= limit) { r.error = 'name truncated'; return undefined; }
    const len = buf[at]!;
    if (len === 0) {
      if (!jumped) r.at = at + 1;
      return name;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (limit - at < 2) { r.error = 'name truncated'; return undefined; }
      const target = msgStart + (((len & 0x3f) << 8) | buf[at + 1]!);
      if (target >= at) { r.error = 'name compression pointer does not point backwards'; return undefined; }
      if (++pointers > DNS_LIMITS.MAX_POINTERS) { r.error = 'name compression pointer loop'; return undefined; }
      if (!jumped) r.at = at + 2;
      jumped = true;
      at = target;
      limit = msgEnd; // the name goes on somewhere earlier in the message
      continue;
    }
    if (kind !== 0) { r.error = `name label type 0x${kind.toString(16)}`; return undefined; }
    wireLength += len + 1;
    if (wireLength > DNS_LIMITS.MAX_NAME_BYTES) { r.error = `name longer than ${DNS_LIMITS.MAX_NAME_BYTES} bytes`; return undefined; }
    if (limit - at < 1 + len) { r.error = 'name truncated'; return undefined; }
    let label = '';
    for (let i = at + 1; i <= at + len; i++) {
      const c = buf[i]!;
      // Printable ASCII as is (lower-cased), anything else as \DDD (RFC 4343 presentation form).
      label += c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c ? String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 32 : c) : `\\${c.toString().padStart(3, '0')}`;
    }
    name = name === '' ? label : `${name}.${label}`;
    at += 1 + len;
  }
}

function u16(buf: Uint8Array, p: number): number {
  return ((buf[p] ?? 0) << 8) | (buf[p + 1] ?? 0);
}

function u32(buf: Uint8Array, p: number): number {
  return (((buf[p] ?? 0) << 24) | ((buf[p + 1] ?? 0) << 16) | ((buf[p + 2] ?? 0) << 8) | (buf[p + 3] ?? 0)) >>> 0;
}
