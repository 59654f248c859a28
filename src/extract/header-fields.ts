/**
 * Subject, From, To and Date of an extracted message, decoded (RFC 2047 encoded words, address
 * lists) by postal-mime from the header part only: at most EXTRACT_LIMITS.MAX_HEADER_BYTES of the
 * file's start are read, cut at the blank line that ends the header.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import PostalMime from 'postal-mime';
import type { Address } from 'postal-mime';
import { EXTRACT_LIMITS } from './limits.js';

export interface HeaderFields {
  subject?: string;
  from?: string;
  to?: string;
  date?: string;
}

/** The header block of a message start: up to and including the blank line (CRLF CRLF or LF LF). */
export function headerPart(head: Uint8Array): Uint8Array {
  for (let i = 0; i < head.length; i++) {
    if (head[i] !== 0x0a) continue;
    if (head[i + 1] === 0x0a) return head.subarray(0, i + 2);
    if (head[i + 1] === 0x0d && head[i + 2] === 0x0a) return head.subarray(0, i + 3);
  }
  return head;
}

function addressText(a: Address): string {
  if (a.group) return `${a.name}: ${a.group.map(addressText).join(', ')};`;
  return a.name ? `${a.name} <${a.address}>` : a.address;
}

function bounded(s: string | undefined): string | undefined {
  if (s === undefined || s === '') return undefined;
  return s.length > EXTRACT_LIMITS.MAX_FIELD_CHARS ? s.slice(0, EXTRACT_LIMITS.MAX_FIELD_CHARS) + '…' : s;
}

/** Decodes the fields from a header block (never throws: an unparseable header gives no fields). */
export async function parseHeaderFields(header: Uint8Array): Promise<HeaderFields> {
  let email;
  try {
    // A copy: postal-mime may keep or transfer the buffer it is given.
    email = await PostalMime.parse(header.slice(), { maxHeadersSize: EXTRACT_LIMITS.MAX_HEADER_BYTES });
  } catch {
    return {};
  }
  const out: HeaderFields = {};
  const subject = bounded(email.subject);
  if (subject !== undefined) out.subject = subject;
  const from = bounded(email.from ? addressText(email.from) : undefined);
  if (from !== undefined) out.from = from;
  const to = bounded(email.to?.map(addressText).join(', '));
  if (to !== undefined) out.to = to;
  // postal-mime gives the date as ISO 8601 when it parses, else the field as written.
  const date = bounded(email.date);
  if (date !== undefined) out.date = date;
  return out;
}

/** Reads the start of a file and decodes its header fields. */
export async function readHeaderFields(path: string): Promise<HeaderFields> {
  let fd: number | undefined;
  const buf = new Uint8Array(EXTRACT_LIMITS.MAX_HEADER_BYTES);
  let len = 0;
  try {
    fd = openSync(path, 'r');
    for (;;) {
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n <= 0) break;
      len += n;
      if (len === buf.length) break;
    }
  } catch {
    return {};
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return parseHeaderFields(headerPart(buf.subarray(0, len)));
}
