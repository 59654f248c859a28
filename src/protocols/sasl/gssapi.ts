/**
 * GSSAPI (RFC 4752) with Kerberos V5 (RFC 4121 §4.1, RFC 4120 §5.5.1): the client's first token is
 * an AP-REQ whose ticket names the service (realm, SPN such as imap/host) in clear. The client's
 * own name is inside the encrypted authenticator, so no user is recovered.
 */
import { bytesToText, encodeBase64 } from './codec.js';
import { child, children, intValue, oidText, readElement, type DerElement } from './der.js';
import { messagesOf, newResult, setDetail, type SaslMessage } from './exchange.js';
import { SASL_LIMITS } from './limits.js';
import { NTLMSSP_SIGNATURE } from './ntlm-message.js';
import { decodeNtlm } from './ntlm.js';
import type { SaslExchange, SaslResult } from './index.js';

const KRB5_OID = '1.2.840.113554.1.2.2';
const SPNEGO_OID = '1.3.6.1.5.5.2';
const ENCTYPES: Record<number, string> = {
  1: 'des-cbc-crc', 3: 'des-cbc-md5', 17: 'aes128-cts-hmac-sha1-96', 18: 'aes256-cts-hmac-sha1-96',
  19: 'aes128-cts-hmac-sha256-128', 20: 'aes256-cts-hmac-sha384-192', 23: 'rc4-hmac', 24: 'rc4-hmac-exp',
};
const MAX = SASL_LIMITS.MAX_DER_ELEMENTS;

/** Decodes a GSSAPI exchange: mechanism OID, Kerberos ticket realm/SPN/enctype, token counts. */
export function decodeGssapi(x: SaslExchange): SaslResult {
  const r = newResult(x);
  const msgs = messagesOf(x, r.errors).filter((m) => m.text.trim() !== '');
  setDetail(r, 'clientTokens', String(msgs.filter((m) => m.side === 'C').length));
  setDetail(r, 'serverTokens', String(msgs.filter((m) => m.side === 'S').length));
  const first = msgs.find((m) => m.side === 'C');
  if (first === undefined) {
    if (!x.cancelled) r.errors.push('GSSAPI: no client token');
    return r;
  }
  if (first.bytes === undefined) {
    r.errors.push(`GSSAPI client token: ${first.error ?? 'not decoded'}`);
    return r;
  }
  describeInitialToken(first.bytes, r);
  if (r.details.wrapped === 'NTLMSSP') describeWrappedNtlm(x, msgs, r);
  return r;
}

/**
 * SPNEGO (GSS-SPNEGO, or GSSAPI negotiating it) carrying NTLM: each token's NTLMSSP message is
 * cut out (its offsets are relative to its own start) and decoded as an NTLM exchange.
 */
function describeWrappedNtlm(x: SaslExchange, msgs: SaslMessage[], r: SaslResult): void {
  const steps: SaslExchange['steps'] = [];
  for (const m of msgs) {
    if (m.bytes === undefined) continue;
    const at = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.length).indexOf(NTLMSSP_SIGNATURE, 0, 'latin1');
    if (at >= 0) steps.push({ side: m.side, text: encodeBase64(m.bytes.subarray(at)) });
  }
  const n = decodeNtlm({ mechanism: 'NTLM', steps, cancelled: x.cancelled });
  for (const [k, v] of Object.entries(n.details)) r.details[`ntlm.${k}`] = v;
  r.errors.push(...n.errors);
  if (n.user !== undefined) r.user = n.user;
  if (n.secret !== undefined) r.secret = n.secret;
  if (n.crackable !== undefined) r.crackable = n.crackable;
}

/** RFC 2743 §3.1 InitialContextToken: [APPLICATION 0] { thisMech OID, innerToken }. */
function describeInitialToken(b: Uint8Array, r: SaslResult): void {
  const outer = readElement(b, 0, b.length);
  if (outer === undefined || outer.tag !== 0x60) {
    r.errors.push('GSSAPI: client token is not an InitialContextToken ([APPLICATION 0])');
    return;
  }
  const oid = readElement(b, outer.start, outer.end);
  if (oid === undefined || oid.tag !== 0x06) {
    r.errors.push('GSSAPI: InitialContextToken has no mechanism OID');
    return;
  }
  const mech = oidText(b, oid);
  setDetail(r, 'gssMechanism', mech === KRB5_OID ? `${mech} (Kerberos V5)` : mech === SPNEGO_OID ? `${mech} (SPNEGO)` : mech);
  if (mech !== KRB5_OID) {
    if (Buffer.from(b.buffer, b.byteOffset, b.length).includes(NTLMSSP_SIGNATURE, 0, 'latin1')) setDetail(r, 'wrapped', 'NTLMSSP');
    return;
  }
  // RFC 4121 §4.1: two-byte TOK_ID, 01 00 = KRB_AP_REQ.
  const tokId = oid.end + 2 <= outer.end ? (b[oid.end]! << 8) | b[oid.end + 1]! : -1;
  if (tokId !== 0x0100) {
    r.errors.push('GSSAPI: Kerberos token is not an AP-REQ (TOK_ID 01 00)');
    return;
  }
  const apReq = readElement(b, oid.end + 2, outer.end);
  if (apReq === undefined || apReq.tag !== 0x6e) {
    r.errors.push('GSSAPI: AP-REQ ([APPLICATION 14]) truncated or malformed');
    return;
  }
  setDetail(r, 'kerberos', 'AP-REQ with service ticket');
  describeTicket(b, apReq, r);
}

/** Ticket ::= [APPLICATION 1] SEQUENCE { tkt-vno [0], realm [1], sname [2], enc-part [3] }. */
function describeTicket(b: Uint8Array, apReq: DerElement, r: SaslResult): void {
  const seq = readElement(b, apReq.start, apReq.end);
  const ticketTag = seq && child(b, seq, 0xa3, MAX);
  const ticketApp = ticketTag && readElement(b, ticketTag.start, ticketTag.end);
  const ticket = ticketApp && ticketApp.tag === 0x61 ? readElement(b, ticketApp.start, ticketApp.end) : undefined;
  if (ticket === undefined) {
    r.errors.push('GSSAPI: AP-REQ has no readable ticket');
    return;
  }
  const realm = inner(b, child(b, ticket, 0xa1, MAX));
  if (realm !== undefined) setDetail(r, 'realm', bytesToText(b.subarray(realm.start, realm.end)));
  const sname = inner(b, child(b, ticket, 0xa2, MAX));
  const nameString = sname && inner(b, child(b, sname, 0xa1, MAX));
  if (nameString !== undefined) {
    const parts = children(b, nameString, MAX).map((e) => bytesToText(b.subarray(e.start, e.end)));
    setDetail(r, 'spn', parts.join('/'));
  }
  const enc = inner(b, child(b, ticket, 0xa3, MAX));
  const etype = enc && inner(b, child(b, enc, 0xa0, MAX));
  const n = etype && intValue(b, etype);
  if (n !== undefined) setDetail(r, 'ticketEnctype', `${n}${ENCTYPES[n] ? ` (${ENCTYPES[n]})` : ''}`);
}

/** The single element inside an explicit context tag. */
function inner(b: Uint8Array, e: DerElement | undefined): DerElement | undefined {
  return e && readElement(b, e.start, e.end);
}
