/**
 * The TLS layer of one connection (the TlsLayer contract of src/protocols/dissector.ts): frames
 * records in both directions, reassembles and parses the handshake, records alerts and the switch to
 * encryption, and, when the key log has the session's secrets, decrypts TLS 1.2 / 1.3 records and
 * hands the application data to the PlaintextSink as if it were a cleartext stream.
 *
 * Never throws on bytes: everything odd becomes a TlsAnomaly; every buffer has a TLS_LIMITS cap.
 */
import type { PlaintextSink, TlsLayer, TlsLayerFactory } from '../dissector.js';
import type { ConnectionInfo, Direction, EndReason, SegmentMeta } from '../../tcp/stream.js';
import { certificateFact, splitCertificateMessage } from './certificate.js';
import { suiteParams, type SuiteParams } from './cipher-suites.js';
import { parseClientHello, parseServerHello } from './hello.js';
import { ja4, ja4s } from './ja4.js';
import { knownClient } from './client-fingerprints.js';
import type { KeyLog, KeyLogEntry } from './keylog.js';
import { TLS_LIMITS } from './limits.js';
import { alertLevelName, alertName, ContentType, HandshakeType } from './names.js';
import { nextTrafficSecret, tls12Decrypter, tls12KeyBlock, tls13Decrypter, type RecordDecrypter } from './record-cipher.js';
import { looksLikeSslv2Hello, plausibleHeader, RECORD_HEADER_BYTES } from './record-header.js';
import type { TlsAnomaly, TlsFacts, TlsSender } from './types.js';

export interface TlsLayerOptions {
  /** Secrets to decrypt with. Looked up lazily, so secrets merged into it later are still used. */
  keyLog?: KeyLog;
}

/** Creates the TLS layer of each connection; all layers share the (mutable) key log. */
export function makeTlsLayerFactory(opts: TlsLayerOptions): TlsLayerFactory {
  return (info, plaintext) => new TlsConnection(info, plaintext, opts.keyLog);
}

/** Where a record's bytes came from. */
interface RecordOrigin {
  firstFrame: number;
  lastFrame: number;
  ts: number;
  /** Offset of the record header in the direction's encrypted stream. */
  streamOffset: number;
}

/** The parameters of the handshake currently being negotiated (a renegotiation starts a new one). */
interface Negotiation {
  clientRandom?: Uint8Array;
  serverRandom?: Uint8Array;
  clientSessionId?: Uint8Array;
  clientEtm: boolean;
  etm: boolean;
  version?: number;
  suite?: number;
  tls13: boolean;
}

type DecryptProblem = 'no-keylog' | 'no-key' | 'unsupported' | 'failed';

class Direction_ {
  /** Partial record (header and/or body) carried over between data() calls. */
  buf: Uint8Array | undefined;
  bufLen = 0;
  bufOrigin: RecordOrigin = { firstFrame: 0, lastFrame: 0, ts: 0, streamOffset: 0 };
  /** Looking for a plausible record header (after garbage or a gap). */
  resync = false;
  resyncScanned = 0;
  /** Gave up on this direction (resync scanned too far): bytes are only counted. */
  dead = false;
  sawRecord = false;
  records = 0;
  /** Handshake message reassembly. */
  hs: Uint8Array | undefined;
  hsLen = 0;
  /** Bytes still to skip of an oversized handshake message. */
  hsSkip = 0;
  /** Records from here on are encrypted. */
  encrypted = false;
  dec: RecordDecrypter | undefined;
  seq = 0;
  /** Sequence number unknown after a TCP gap: search ahead on the next record. */
  seqUnknown = false;
  /** Why there is no decrypter (reported at the first encrypted record). */
  noDecReason: { problem: DecryptProblem; reason: string } | undefined;
  /** Decryption failed once: from then on bytes are only counted. */
  decFailed = false;
  /**
   * Server side, key log followed (live): its keys were missing when first needed, perhaps only
   * because the client had not read the server's flight and logged them yet (see lateDecrypter).
   */
  lateKeys = false;
  /** Key lookups made for lateKeys (at most TLS_LIMITS.MAX_LATE_KEY_LOOKUPS). */
  lateLookups = 0;
  /** The current decrypter came from a late lookup and has not decrypted a record yet. */
  lateTry = false;
  /** TLS 1.3 current traffic secret and suite (for KeyUpdate). */
  secret: Uint8Array | undefined;
  decryptedAny = false;
  encHandshakeRecords = 0;
  plainOffset = 0;
  appBytes = 0;
  undecryptedAppBytes = 0;
  decryptedRecords = 0;
  plaintextBytes = 0;
  constructor(readonly sender: TlsSender) {}
}

class TlsConnection implements TlsLayer {
  private readonly dirs: [Direction_, Direction_] = [new Direction_('client'), new Direction_('server')];
  private readonly f: TlsFacts = {
    clientHellos: [], serverHellos: [], certificates: [], alerts: [], encryptedAlerts: [0, 0],
    changeCipherSpec: { client: [], server: [] }, handshakeState: 'none', renegotiations: 0,
    applicationBytes: [0, 0], records: [0, 0],
    decryption: { status: 'not-needed', records: [0, 0], plaintextBytes: [0, 0] },
    ended: {}, closedDuringHandshake: false, anomalies: [], droppedAnomalies: 0,
  };
  private neg: Negotiation = { clientEtm: false, etm: false, tls13: false };
  private problem: DecryptProblem | undefined;
  private everEstablished = false;
  private sawEncrypted = false;

  constructor(readonly info: ConnectionInfo, private readonly sink: PlaintextSink, private readonly keyLog: KeyLog | undefined) {}

  // ---- TlsLayer -------------------------------------------------------------------------------

  data(dir: Direction, bytes: Uint8Array, meta: SegmentMeta): void {
    const d = this.dirs[dir];
    if (this.f.firstTs === undefined) this.f.firstTs = meta.ts;
    let i = 0;
    while (i < bytes.length && !d.dead) {
      if (d.resync) {
        i = this.scan(d, bytes, i, meta);
        continue;
      }
      if (d.bufLen > 0) {
        i = this.fillBuffer(d, bytes, i, meta);
        continue;
      }
      const avail = bytes.length - i;
      if (avail >= RECORD_HEADER_BYTES) {
        if (!this.checkHeader(d, bytes, i, meta)) continue; // now in resync mode
        const len = (bytes[i + 3]! << 8) | bytes[i + 4]!;
        if (avail >= RECORD_HEADER_BYTES + len) {
          // Fast path: the whole record is in this chunk; no copy.
          const origin = { firstFrame: meta.firstFrame, lastFrame: meta.lastFrame, ts: meta.ts, streamOffset: meta.streamOffset + i };
          this.record(d, bytes.subarray(i, i + RECORD_HEADER_BYTES), bytes.subarray(i + RECORD_HEADER_BYTES, i + RECORD_HEADER_BYTES + len), origin);
          i += RECORD_HEADER_BYTES + len;
          continue;
        }
      }
      // Start of a record that continues in a later chunk: keep it.
      d.bufOrigin = { firstFrame: meta.firstFrame, lastFrame: meta.lastFrame, ts: meta.ts, streamOffset: meta.streamOffset + i };
      i = this.fillBuffer(d, bytes, i, meta);
    }
  }

  gap(dir: Direction, length: number, meta: SegmentMeta): void {
    const d = this.dirs[dir];
    this.anomaly('gap', d, meta.firstFrame, meta.streamOffset, `${length} bytes missing from the capture inside TLS${d.bufLen > 0 ? ` (a partial record of ${d.bufLen} bytes is lost with them)` : ''}`);
    d.bufLen = 0;
    d.hsLen = 0;
    d.hsSkip = 0;
    d.resync = true;
    d.resyncScanned = 0;
    if (d.dec !== undefined) d.seqUnknown = true;
    if (d.decryptedAny && !d.decFailed) this.sink.gap(dir, length, meta);
  }

  end(dir: Direction, reason: EndReason, meta: SegmentMeta): void {
    const d = this.dirs[dir];
    this.f.ended[d.sender] = reason;
    if (d.bufLen > 0) {
      this.anomaly('gap', d, d.bufOrigin.firstFrame, d.bufOrigin.streamOffset, `the ${d.sender}'s stream ended inside a record (${d.bufLen} bytes of it seen)`);
      d.bufLen = 0;
    }
    void meta;
  }

  facts(): TlsFacts {
    const [c, s] = this.dirs;
    const f = this.f;
    f.records = [c.records, s.records];
    f.applicationBytes = [c.appBytes, s.appBytes];
    f.decryption.records = [c.decryptedRecords, s.decryptedRecords];
    f.decryption.plaintextBytes = [c.plaintextBytes, s.plaintextBytes];
    const decryptedAny = c.decryptedRecords + s.decryptedRecords > 0;
    if (this.problem !== undefined) f.decryption.status = this.problem === 'failed' || decryptedAny ? 'failed' : this.problem;
    else if (decryptedAny) f.decryption.status = 'ok';
    else if (this.sawEncrypted) f.decryption.status = this.keyProblem();
    else f.decryption.status = 'not-needed';
    f.closedDuringHandshake = f.clientHellos.length > 0 && f.handshakeState !== 'established' && (f.ended.client !== undefined || f.ended.server !== undefined);
    return f;
  }

  encryptedBytes(): [number, number] {
    return [this.dirs[0].undecryptedAppBytes, this.dirs[1].undecryptedAppBytes];
  }

  decrypted(): boolean {
    return this.dirs[0].decryptedRecords + this.dirs[1].decryptedRecords > 0;
  }

  // ---- record framing -------------------------------------------------------------------------

  /** Validates the header at b[i]; on failure reports it, enters resync and returns false. */
  private checkHeader(d: Direction_, b: Uint8Array, i: number, meta: SegmentMeta): boolean {
    if (plausibleHeader(b, i)) return true;
    const off = meta.streamOffset + i;
    if (!d.sawRecord && looksLikeSslv2Hello(b, i)) {
      this.anomaly('sslv2-hello', d, meta.firstFrame, off, 'an SSL 2.0-format ClientHello (not parsed)');
    } else if (!d.sawRecord) {
      this.anomaly('not-tls', d, meta.firstFrame, off, `the ${d.sender}'s bytes do not start with a TLS record (0x${Buffer.from(b.subarray(i, i + 5)).toString('hex')})`);
    } else {
      this.anomaly('bad-record-length', d, meta.firstFrame, off, `implausible record header 0x${Buffer.from(b.subarray(i, i + 5)).toString('hex')}`);
    }
    d.resync = true;
    d.resyncScanned = 0;
    return false;
  }

  /**
   * Resync: finds the next plausible record header in the pending bytes plus b[i..]; returns the
   * index in `b` to continue from. At most 4 unscanned bytes are carried over between calls.
   */
  private scan(d: Direction_, b: Uint8Array, i: number, meta: SegmentMeta): number {
    // Join the carried-over tail (< 5 bytes) with this chunk; only in resync mode, which is rare.
    const carried = d.bufLen;
    const view = carried > 0 ? Buffer.concat([d.buf!.subarray(0, carried), b.subarray(i)]) : b.subarray(i);
    d.bufLen = 0;
    for (let p = 0; p + RECORD_HEADER_BYTES <= view.length; p++) {
      if (plausibleHeader(view, p) && this.followedByPlausible(view, p)) {
        d.resync = false;
        const at = meta.streamOffset + i - carried + p;
        this.anomaly('resync', d, meta.firstFrame, at, `resynchronised on a record header after skipping ${d.resyncScanned + p} bytes`);
        if (p < carried) {
          // The header starts in the carried bytes: put them back as a partial record.
          d.bufOrigin = { firstFrame: meta.firstFrame, lastFrame: meta.lastFrame, ts: meta.ts, streamOffset: at };
          this.append(d, view.subarray(p, carried));
          return i;
        }
        return i + (p - carried);
      }
    }
    const keep = Math.min(view.length, RECORD_HEADER_BYTES - 1);
    d.resyncScanned += view.length - keep;
    if (d.resyncScanned > TLS_LIMITS.MAX_RESYNC_SCAN_BYTES) {
      d.dead = true;
      this.anomaly('resync', d, meta.firstFrame, meta.streamOffset + i, `no TLS record header in ${d.resyncScanned} bytes: the rest of the ${d.sender}'s stream is only counted`);
      return b.length;
    }
    d.bufOrigin = { firstFrame: meta.firstFrame, lastFrame: meta.lastFrame, ts: meta.ts, streamOffset: meta.streamOffset + b.length - keep };
    this.append(d, view.subarray(view.length - keep));
    return b.length;
  }

  /** The record at p is followed by another plausible header, or the bytes end before it. */
  private followedByPlausible(v: Uint8Array, p: number): boolean {
    const next = p + RECORD_HEADER_BYTES + ((v[p + 3]! << 8) | v[p + 4]!);
    return next + RECORD_HEADER_BYTES > v.length || plausibleHeader(v, next);
  }

  private append(d: Direction_, bytes: Uint8Array): void {
    if (d.buf === undefined) d.buf = new Uint8Array(RECORD_HEADER_BYTES + TLS_LIMITS.MAX_RECORD_PAYLOAD_BYTES);
    d.buf.set(bytes, d.bufLen);
    d.bufLen += bytes.length;
  }

  /** Copies bytes of the pending record into the buffer; dispatches it when complete. */
  private fillBuffer(d: Direction_, b: Uint8Array, i: number, meta: SegmentMeta): number {
    if (d.bufLen < RECORD_HEADER_BYTES) {
      const n = Math.min(RECORD_HEADER_BYTES - d.bufLen, b.length - i);
      this.append(d, b.subarray(i, i + n));
      i += n;
      if (d.bufLen < RECORD_HEADER_BYTES) return i;
      if (!plausibleHeader(d.buf!, 0)) {
        // Re-scan the 5 header bytes (minus the first) and the rest of the chunk.
        const bad = d.buf!.slice(0, RECORD_HEADER_BYTES);
        d.bufLen = 0;
        this.checkHeader(d, bad, 0, { ...meta, streamOffset: d.bufOrigin.streamOffset });
        this.append(d, bad.subarray(1));
        return i;
      }
    }
    const buf = d.buf!;
    const total = RECORD_HEADER_BYTES + ((buf[3]! << 8) | buf[4]!);
    const n = Math.min(total - d.bufLen, b.length - i);
    buf.set(b.subarray(i, i + n), d.bufLen);
    d.bufLen += n;
    i += n;
    d.bufOrigin.lastFrame = meta.lastFrame;
    if (d.bufLen === total) {
      d.bufLen = 0;
      this.record(d, buf.subarray(0, RECORD_HEADER_BYTES), buf.subarray(RECORD_HEADER_BYTES, total), d.bufOrigin);
    }
    return i;
  }

  // ---- records ---------------------------------------------------------------------------------

  private record(d: Direction_, header: Uint8Array, payload: Uint8Array, o: RecordOrigin): void {
    d.sawRecord = true;
    d.records++;
    const type = header[0]!;
    // TLS 1.3 protects every record as outer type application_data (RFC 8446 §5.2): a ChangeCipherSpec
    // or an alert (an OpenSSL client refusing the certificate before it switched to handshake keys)
    // is cleartext, whatever keys the direction has.
    if (!d.encrypted || (this.neg.tls13 && (type === ContentType.CHANGE_CIPHER_SPEC || type === ContentType.ALERT))) {
      this.content(d, type, payload, o, false);
      return;
    }
    this.sawEncrypted = true;
    if (d.sender === 'client') this.clientSentEncrypted = true;
    const dec = this.decrypterFor(d, o);
    if (dec !== undefined) {
      const r = this.decrypt(d, dec, header, payload);
      if (typeof r !== 'string') {
        if (d.lateTry) this.lateKeysFound(d);
        d.decryptedRecords++;
        d.decryptedAny = true;
        if (r.type === ContentType.APPLICATION_DATA) this.countApp(d, payload.length, o, false);
        this.content(d, r.type, r.data, o, true);
        return;
      }
      d.decFailed = true;
      // A late key that does not fit this record (still one of the handshake) is not a failure.
      if (d.lateTry) {
        d.lateTry = false;
        d.dec = undefined;
      } else {
        this.fail('failed', d, o, r);
      }
    }
    this.undecryptable(d, type, payload.length, o);
  }

  /** The client has sent an encrypted record: it has read the server's flight and logged its keys. */
  private clientSentEncrypted = false;

  /**
   * A followed key log (live capture): the server's first encrypted records (TLS 1.3's handshake
   * flight, a resumed TLS 1.2 session's Finished) follow its ServerHello at once, and can reach
   * mailwire before the client has read them and logged the secrets. Once the client has sent an
   * encrypted record it has logged them: the server's current keys (TLS 1.3: its application
   * traffic secret) are looked up again, a few times at most, and tried with a sequence search.
   */
  private lateDecrypter(d: Direction_): RecordDecrypter | undefined {
    if (!d.lateKeys || !this.clientSentEncrypted || d.lateLookups >= TLS_LIMITS.MAX_LATE_KEY_LOOKUPS) return undefined;
    d.lateLookups++;
    if (this.neg.tls13) this.setup13(d, 'application');
    else this.setup12(d);
    if (d.dec === undefined) return undefined;
    d.seqUnknown = true;
    d.lateTry = true;
    return d.dec;
  }

  /** A late key decrypted a record: the direction decrypts from here on; its missing key is no longer the session's problem. */
  private lateKeysFound(d: Direction_): void {
    d.lateTry = false;
    d.lateKeys = false;
    d.decFailed = false;
    const other = this.dirs[d.sender === 'client' ? 1 : 0];
    if ((this.problem === 'no-key' || this.problem === 'no-keylog') && !other.decFailed && other.noDecReason === undefined) {
      this.problem = undefined;
      delete this.f.decryption.failure;
    }
  }

  /** An encrypted record that stays encrypted: count it by its outer type. */
  private undecryptable(d: Direction_, type: number, length: number, o: RecordOrigin): void {
    const dir: Direction = d.sender === 'client' ? 0 : 1;
    if (type === ContentType.APPLICATION_DATA) {
      this.countApp(d, length, o, true);
      if (this.neg.tls13 && d.sender === 'client') this.clientFinishedSeen13 = true;
      if (this.neg.tls13 && d.sender === 'server' && this.clientFinishedSeen13) this.established();
      if (d.decryptedAny) this.sink.gap(dir, length, { streamOffset: d.plainOffset, firstFrame: o.firstFrame, lastFrame: o.lastFrame, ts: o.ts });
    } else if (type === ContentType.ALERT) {
      this.f.encryptedAlerts[dir]++;
    } else if (type === ContentType.HANDSHAKE) {
      d.encHandshakeRecords++;
      // The first encrypted handshake record after a ChangeCipherSpec is Finished; a client's later
      // one starts a renegotiation, which lasts until the client's next (encrypted) ChangeCipherSpec.
      if (d.sender === 'client' && d.encHandshakeRecords >= 2 && !this.renegotiating) {
        this.f.renegotiations++;
        this.renegotiating = true;
      }
    } else if (type === ContentType.CHANGE_CIPHER_SPEC) {
      if (this.f.changeCipherSpec[d.sender].length < TLS_LIMITS.MAX_CCS_FRAMES) this.f.changeCipherSpec[d.sender].push(o.firstFrame);
      d.encHandshakeRecords = 0;
      if (d.sender === 'client') this.renegotiating = false;
    }
  }

  private clientFinishedSeen13 = false;
  /** Without keys: a client-side renegotiation is under way (see undecryptable()). */
  private renegotiating = false;

  private countApp(d: Direction_, length: number, o: RecordOrigin, undecrypted: boolean): void {
    d.appBytes += length;
    if (undecrypted) d.undecryptedAppBytes += length;
    this.f.applicationDataFrame ??= o.firstFrame;
  }

  private decrypt(d: Direction_, dec: RecordDecrypter, header: Uint8Array, payload: Uint8Array): ReturnType<RecordDecrypter['decrypt']> {
    if (!d.seqUnknown) return dec.decrypt(header, payload, d.seq++);
    // After a TCP gap the number of lost records is unknown: try the next sequence numbers.
    let first: string | undefined;
    for (let k = 0; k < TLS_LIMITS.MAX_SEQ_SEARCH_RECORDS; k++) {
      const r = dec.decrypt(header, payload, d.seq + k);
      if (typeof r !== 'string') {
        d.seq += k + 1;
        d.seqUnknown = false;
        return r;
      }
      first ??= r;
    }
    return `${first ?? 'no record'} (after a capture gap, no sequence number up to ${TLS_LIMITS.MAX_SEQ_SEARCH_RECORDS} ahead fits)`;
  }

  /** The decrypter for an encrypted record of `d`, or undefined (reported once). */
  private decrypterFor(d: Direction_, o: RecordOrigin): RecordDecrypter | undefined {
    if (d.decFailed) return this.lateDecrypter(d);
    if (d.dec === undefined && d.noDecReason === undefined && this.neg.tls13) this.setup13(d, 'handshake');
    if (d.dec !== undefined) return d.dec;
    const why = d.noDecReason ?? { problem: this.keyProblem(), reason: 'the handshake that set up these keys was not captured' };
    d.decFailed = true;
    this.fail(why.problem, d, o, why.reason);
    return undefined;
  }

  /** No key log at all, or one without this session's keys (a followed file counts as given, even while empty). */
  private keyProblem(): 'no-keylog' | 'no-key' {
    const kl = this.keyLog;
    return kl === undefined || (kl.entries.size === 0 && kl.refresh === undefined) ? 'no-keylog' : 'no-key';
  }

  /**
   * `d` has no key because the key log lacks its `label` line. With a followed key log the server's
   * keys are looked up again later (lateDecrypter): the client may not have logged them yet.
   */
  private keyMissing(d: Direction_, label: string): void {
    const problem = this.keyProblem();
    d.noDecReason = { problem, reason: problem === 'no-keylog' ? 'no key log was given' : `no ${label} line in the key log for this client random` };
    if (d.sender === 'server' && this.keyLog?.refresh !== undefined) d.lateKeys = true;
  }

  private fail(problem: DecryptProblem, d: Direction_, o: RecordOrigin, reason: string): void {
    // The first problem is kept, except that a real decryption failure outranks a missing key.
    if (this.problem === undefined || problem === 'failed') this.problem = problem;
    this.f.decryption.failure ??= { sender: d.sender, frame: o.firstFrame, streamOffset: o.streamOffset, reason };
  }

  /**
   * The secret `field` of this handshake's client random. When the key log lacks it and follows a
   * growing file (live capture), the file is checked for new lines once before giving up.
   */
  private keySecret(field: keyof KeyLogEntry): Uint8Array | undefined {
    const r = this.neg.clientRandom;
    const kl = this.keyLog;
    if (r === undefined || kl === undefined) return undefined;
    const random = Buffer.from(r).toString('hex');
    const secret = kl.entries.get(random)?.[field];
    if (secret !== undefined || kl.refresh === undefined) return secret;
    kl.refresh(random);
    return kl.entries.get(random)?.[field];
  }

  /** TLS 1.2: at a ChangeCipherSpec, the sender's next records use the negotiated keys. */
  private setup12(d: Direction_): void {
    d.encrypted = true;
    d.dec = undefined;
    d.seq = 0;
    d.seqUnknown = false;
    d.noDecReason = undefined;
    const n = this.neg;
    const p = n.suite === undefined ? undefined : suiteParams(n.suite);
    if (n.version === undefined || n.clientRandom === undefined || n.serverRandom === undefined) {
      d.noDecReason = { problem: this.keyProblem(), reason: 'the hellos of this handshake were not captured' };
      return;
    }
    if (n.version !== 0x0303 || p === undefined) {
      d.noDecReason = { problem: 'unsupported', reason: `mailwire does not decrypt ${n.version !== 0x0303 ? `version 0x${n.version.toString(16)}` : `cipher suite 0x${(n.suite ?? 0).toString(16).padStart(4, '0')}`}` };
      return;
    }
    const master = this.keySecret('masterSecret');
    if (master === undefined) {
      this.keyMissing(d, 'CLIENT_RANDOM');
      return;
    }
    const kb = tls12KeyBlock(p, master, n.clientRandom, n.serverRandom);
    d.dec = tls12Decrypter(p, d.sender === 'client' ? kb.client : kb.server, n.etm);
    d.decFailed = false;
  }

  /** TLS 1.3: the sender's handshake or application traffic keys (RFC 8446 §7.1). */
  private setup13(d: Direction_, stage: 'handshake' | 'application'): void {
    d.dec = undefined;
    d.seq = 0;
    d.seqUnknown = false;
    const p = this.neg.suite === undefined ? undefined : suiteParams(this.neg.suite);
    if (p === undefined) {
      d.noDecReason = { problem: 'unsupported', reason: `mailwire does not decrypt cipher suite 0x${(this.neg.suite ?? 0).toString(16).padStart(4, '0')}` };
      return;
    }
    const client = d.sender === 'client';
    const secret = this.keySecret(stage === 'handshake' ? (client ? 'clientHandshake' : 'serverHandshake') : client ? 'clientTraffic0' : 'serverTraffic0');
    if (secret === undefined) {
      const label = `${client ? 'CLIENT' : 'SERVER'}_${stage === 'handshake' ? 'HANDSHAKE_TRAFFIC_SECRET' : 'TRAFFIC_SECRET_0'}`;
      this.keyMissing(d, label);
      return;
    }
    d.noDecReason = undefined;
    d.secret = secret;
    d.dec = tls13Decrypter(p, secret);
    this.params13 = p;
  }

  private params13: SuiteParams | undefined;

  // ---- content -----------------------------------------------------------------------------------

  private content(d: Direction_, type: number, data: Uint8Array, o: RecordOrigin, decrypted: boolean): void {
    switch (type) {
      case ContentType.CHANGE_CIPHER_SPEC:
        if (this.f.changeCipherSpec[d.sender].length < TLS_LIMITS.MAX_CCS_FRAMES) this.f.changeCipherSpec[d.sender].push(o.firstFrame);
        if (this.neg.tls13) return; // middlebox compatibility only (RFC 8446 §D.4)
        this.setup12(d);
        if (this.f.changeCipherSpec.client.length > 0 && this.f.changeCipherSpec.server.length > 0 && this.f.handshakeState === 'server-hello') this.established();
        return;
      case ContentType.ALERT:
        this.alerts(d, data, o, decrypted);
        return;
      case ContentType.HANDSHAKE:
        this.handshakeBytes(d, data, o, decrypted);
        return;
      case ContentType.APPLICATION_DATA: {
        if (!decrypted) {
          // Application data before any ChangeCipherSpec: a capture that started mid-session.
          this.sawEncrypted = true;
          this.countApp(d, data.length, o, true);
          return;
        }
        if (this.f.handshakeState !== 'none') this.established();
        if (data.length === 0) return;
        const dir: Direction = d.sender === 'client' ? 0 : 1;
        d.plaintextBytes += data.length;
        this.sink.data(dir, data, { streamOffset: d.plainOffset, firstFrame: o.firstFrame, lastFrame: o.lastFrame, ts: o.ts });
        d.plainOffset += data.length;
        return;
      }
      case ContentType.HEARTBEAT:
        return;
      default:
        this.anomaly('unexpected-content-type', d, o.firstFrame, o.streamOffset, `record content type ${type}`);
    }
  }

  private established(): void {
    this.f.handshakeState = 'established';
    this.everEstablished = true;
  }

  private alerts(d: Direction_, data: Uint8Array, o: RecordOrigin, decrypted: boolean): void {
    if (data.length === 0 || data.length % 2 !== 0) {
      this.anomaly('unexpected-content-type', d, o.firstFrame, o.streamOffset, `alert record of ${data.length} bytes`);
      return;
    }
    for (let i = 0; i + 1 < data.length; i += 2) {
      if (this.f.alerts.length >= TLS_LIMITS.MAX_ALERTS) return;
      const level = data[i]!;
      const description = data[i + 1]!;
      this.f.alerts.push({ sender: d.sender, frame: o.firstFrame, ts: o.ts, level: alertLevelName(level), description, name: alertName(description), decrypted });
    }
  }

  // ---- handshake ---------------------------------------------------------------------------------

  /** Appends handshake record bytes and dispatches every complete message. */
  private handshakeBytes(d: Direction_, data: Uint8Array, o: RecordOrigin, decrypted: boolean): void {
    let i = 0;
    if (d.hsSkip > 0) {
      const n = Math.min(d.hsSkip, data.length);
      d.hsSkip -= n;
      i = n;
    }
    // Fast path: whole messages in this record and nothing pending.
    while (d.hsLen === 0 && data.length - i >= 4) {
      const len = (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!;
      if (data.length - i < 4 + len) break;
      this.message(d, data[i]!, data.subarray(i + 4, i + 4 + len), o, decrypted);
      i += 4 + len;
    }
    if (i >= data.length) return;
    // Slow path: reassemble across records.
    const need = d.hsLen + data.length - i;
    if (d.hs === undefined || d.hs.length < need) {
      const grown = new Uint8Array(Math.min(Math.max(need, 2 * (d.hs?.length ?? 2048)), TLS_LIMITS.MAX_HANDSHAKE_MESSAGE_BYTES + 4 + 16384 + 2048));
      if (d.hs !== undefined) grown.set(d.hs.subarray(0, d.hsLen));
      d.hs = grown;
    }
    d.hs.set(data.subarray(i), d.hsLen);
    d.hsLen += data.length - i;
    let p = 0;
    while (d.hsLen - p >= 4) {
      const len = (d.hs[p + 1]! << 16) | (d.hs[p + 2]! << 8) | d.hs[p + 3]!;
      if (len > TLS_LIMITS.MAX_HANDSHAKE_MESSAGE_BYTES) {
        this.anomaly('handshake-too-large', d, o.firstFrame, o.streamOffset, `handshake message type ${d.hs[p]} of ${len} bytes skipped (limit ${TLS_LIMITS.MAX_HANDSHAKE_MESSAGE_BYTES})`);
        d.hsSkip = Math.max(0, 4 + len - (d.hsLen - p));
        d.hsLen = 0;
        return;
      }
      if (d.hsLen - p < 4 + len) break;
      this.message(d, d.hs[p]!, d.hs.subarray(p + 4, p + 4 + len), o, decrypted);
      if (d.hsLen === 0) return; // a message handler reset the buffer (key change)
      p += 4 + len;
    }
    d.hs.copyWithin(0, p, d.hsLen);
    d.hsLen -= p;
  }

  private message(d: Direction_, type: number, body: Uint8Array, o: RecordOrigin, decrypted: boolean): void {
    const f = this.f;
    if (type === HandshakeType.CLIENT_HELLO && d.sender === 'client') {
      const ch = parseClientHello(body, o.firstFrame, o.ts);
      if (ch === undefined) return this.malformed(d, o, 'ClientHello');
      if (f.clientHellos.length < TLS_LIMITS.MAX_HELLOS) f.clientHellos.push(ch.fact);
      f.sni ??= ch.fact.sni;
      if (f.ja4 === undefined) {
        f.ja4 = ja4(ch.fact);
        const known = knownClient(f.ja4);
        if (known) f.ja4Client = known;
      }
      if (this.everEstablished) f.renegotiations++;
      const retry = this.neg.tls13 && !this.everEstablished; // second ClientHello after a HelloRetryRequest
      this.neg = { clientRandom: ch.random, clientSessionId: ch.sessionId, clientEtm: ch.encryptThenMac, etm: false, tls13: retry };
      if (f.handshakeState === 'none') f.handshakeState = 'client-hello';
      return;
    }
    if (type === HandshakeType.SERVER_HELLO && d.sender === 'server') {
      const sh = parseServerHello(body, o.firstFrame, o.ts, this.neg.clientSessionId);
      if (sh === undefined) return this.malformed(d, o, 'ServerHello');
      if (f.serverHellos.length < TLS_LIMITS.MAX_HELLOS) f.serverHellos.push(sh.fact);
      f.version = sh.fact.version;
      f.cipherSuite = sh.fact.cipherSuite;
      if (f.ja4s === undefined && !sh.fact.helloRetryRequest) f.ja4s = ja4s(sh.fact);
      const n = this.neg;
      n.serverRandom = sh.random;
      n.version = sh.fact.version.code;
      n.suite = sh.fact.cipherSuite.code;
      n.etm = n.clientEtm && sh.encryptThenMac;
      n.tls13 = n.version === 0x0304;
      if (f.handshakeState !== 'established') f.handshakeState = 'server-hello';
      if (n.tls13 && !sh.fact.helloRetryRequest) {
        // Everything after the ServerHello is encrypted, in both directions (RFC 8446 §2).
        for (const x of this.dirs) {
          x.encrypted = true;
          x.dec = undefined;
          x.noDecReason = undefined;
          x.decFailed = false;
          x.lateKeys = false;
          x.lateLookups = 0;
        }
      }
      return;
    }
    if (type === HandshakeType.CERTIFICATE) {
      if (f.certificates.length >= TLS_LIMITS.MAX_CERTIFICATE_MESSAGES) return;
      const split = splitCertificateMessage(body, this.neg.tls13);
      if (!split.ok) this.anomaly('certificate-malformed', d, o.firstFrame, o.streamOffset, 'Certificate message does not parse as a certificate list');
      f.certificates.push({
        sender: d.sender, frame: o.firstFrame, ts: o.ts, decrypted,
        certificates: split.ders.map((der, k) => certificateFact(der, k)), droppedCertificates: split.dropped,
      });
      return;
    }
    if (!this.neg.tls13 || !decrypted) return;
    if (type === HandshakeType.FINISHED) {
      // TLS 1.3: after its Finished the sender uses its application traffic secret.
      this.setup13(d, 'application');
      d.hsLen = 0;
      if (d.sender === 'client') this.established();
    } else if (type === HandshakeType.KEY_UPDATE && d.secret !== undefined && this.params13 !== undefined) {
      d.secret = nextTrafficSecret(this.params13, d.secret);
      d.dec = tls13Decrypter(this.params13, d.secret);
      d.seq = 0;
      d.hsLen = 0;
    }
  }

  private malformed(d: Direction_, o: RecordOrigin, what: string): void {
    this.anomaly('handshake-malformed', d, o.firstFrame, o.streamOffset, `${what} does not parse`);
  }

  private anomaly(code: TlsAnomaly['code'], d: Direction_, frame: number, streamOffset: number, message: string): void {
    if (this.f.anomalies.length >= TLS_LIMITS.MAX_ANOMALIES) {
      this.f.droppedAnomalies++;
      return;
    }
    this.f.anomalies.push({ code, sender: d.sender, frame, streamOffset, message });
  }
}

