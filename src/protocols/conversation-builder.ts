/**
 * Builds a Conversation while a dissector reads a connection. Shared by the IMAP and POP3
 * dissectors so the model is filled the same way (event numbering, caps, timing) for both.
 */
import type { ConnectionInfo, ConnectionSummary, SegmentMeta } from '../tcp/stream.js';
import type { Anomaly, AuthAttempt, Conversation, DialogueEvent, Exchange, Protocol, Side, TransportFacts } from '../model/conversation.js';
import { LIMITS } from './limits.js';

export class ConversationBuilder {
  readonly conv: Conversation;

  private exchangesCapped = false;
  private authCapped = false;
  /** An exchange completed since the last reportProgress() (live findings look at it then). */
  private progressDue = false;
  private readonly anomalyCounts = new Map<string, number>();

  constructor(info: ConnectionInfo, protocol: Protocol, security: TransportFacts['security'] = 'plain') {
    this.conv = {
      id: info.id,
      protocol,
      client: info.client,
      server: info.server,
      roleSource: info.roleSource,
      sawSyn: info.sawSyn,
      firstFrame: info.firstFrame,
      lastFrame: info.firstFrame,
      startTs: info.startTs,
      endTs: info.startTs,
      transport: { security, decrypted: false, compressed: false },
      capabilities: [],
      state: 'unknown',
      events: [],
      exchanges: [],
      auth: [],
      anomalies: [],
      findings: [],
      droppedEvents: 0,
    };
    if (info.tcpStream !== undefined) this.conv.tcpStream = info.tcpStream;
  }

  /** Appends an event and returns its index, or -1 when the per-conversation cap dropped it. */
  addEvent(e: Omit<DialogueEvent, 'n'>): number {
    // A copy with `n` first (JSON key order), numbered by pushEvent.
    return this.pushEvent({ n: 0, ...e } as DialogueEvent);
  }

  /**
   * Appends an event built with its `n` first (any placeholder value): numbered and kept as it is,
   * without the copy addEvent makes to put `n` first (the per-line hot path of the dissectors).
   */
  pushEvent(e: DialogueEvent): number {
    const events = this.conv.events;
    this.touch(e.lastFrame, e.ts);
    if (events.length >= LIMITS.MAX_EVENTS_PER_CONVERSATION) {
      if (this.conv.droppedEvents === 0) this.anomaly('events-capped', e.frame, undefined, `more than ${LIMITS.MAX_EVENTS_PER_CONVERSATION} dialogue lines; the rest are counted, not kept`);
      this.conv.droppedEvents++;
      return -1;
    }
    const n = events.length;
    e.n = n;
    events.push(e);
    return n;
  }

  event(n: number): DialogueEvent | undefined {
    return n >= 0 ? this.conv.events[n] : undefined;
  }

  /**
   * Records a command's exchange. Beyond MAX_EXCHANGES_PER_CONVERSATION the exchange is returned
   * (the dissector still completes it) with n = -1 but not kept, so one connection pipelining
   * millions of commands cannot grow memory; the anomaly 'exchanges-capped' says so once.
   */
  addExchange(x: Omit<Exchange, 'n'>): Exchange {
    if (this.conv.exchanges.length >= LIMITS.MAX_EXCHANGES_PER_CONVERSATION) {
      if (!this.exchangesCapped) {
        this.exchangesCapped = true;
        this.anomaly('exchanges-capped', this.conv.lastFrame, undefined, `more than ${LIMITS.MAX_EXCHANGES_PER_CONVERSATION} commands; the rest are not kept`);
      }
      return { n: -1, ...x } as Exchange;
    }
    const ex = { n: this.conv.exchanges.length, ...x } as Exchange;
    this.conv.exchanges.push(ex);
    if (x.commandEvent >= 0) {
      const ev = this.conv.events[x.commandEvent];
      if (ev) ev.exchange = ex.n;
    }
    return ex;
  }

  /**
   * Keeps an authentication attempt (numbering it). Beyond MAX_AUTH_ATTEMPTS_PER_CONVERSATION the
   * attempt is still returned for the dissector to complete, with n = -1, but not kept (a client
   * guessing passwords on one connection cannot grow memory); 'auth-capped' says so once.
   */
  addAuth<T extends Omit<AuthAttempt, 'n'>>(a: T): T & AuthAttempt {
    const kept = this.conv.auth.length < LIMITS.MAX_AUTH_ATTEMPTS_PER_CONVERSATION;
    // `n` first, as in every other numbered record of the model (JSON key order is visible).
    const n = kept ? this.conv.auth.length : -1;
    const ordered = { n, ...a } as T & AuthAttempt;
    ordered.n = n; // a caller's own `n` must not override the numbering
    if (kept) {
      this.conv.auth.push(ordered);
    } else if (!this.authCapped) {
      this.authCapped = true;
      this.anomaly('auth-capped', this.conv.lastFrame, undefined, `more than ${LIMITS.MAX_AUTH_ATTEMPTS_PER_CONVERSATION} login attempts; the rest are not kept`);
    }
    return ordered;
  }

  /** Links an event to an exchange (untagged data, continuation, body). */
  relate(ex: Exchange, eventIndex: number): void {
    if (eventIndex < 0 || ex.n < 0) return;
    ex.relatedEvents.push(eventIndex);
    const ev = this.conv.events[eventIndex];
    if (ev && ev.exchange === undefined) ev.exchange = ex.n;
  }

  /** Records the completion of an exchange (status line) and its response time. */
  complete(ex: Exchange, eventIndex: number, frame: number, ts: number, status: string, code?: string, text?: string): void {
    ex.completionEvent = eventIndex >= 0 ? eventIndex : undefined;
    ex.completionFrame = frame;
    ex.status = status;
    if (code !== undefined) ex.responseCode = code;
    if (text !== undefined) ex.responseText = text;
    ex.endTs = ts;
    this.progressDue = true;
    if (ex.responseTime === undefined) ex.responseTime = Math.max(0, ts - ex.startTs);
    if (eventIndex >= 0) {
      const ev = this.conv.events[eventIndex];
      if (ev) ev.exchange = ex.n;
    }
  }

  /** Records an anomaly; beyond MAX_ANOMALIES_PER_CODE of one code, one 'anomalies-capped' says the rest are dropped. */
  /**
   * Hands the conversation so far to `onProgress` if an exchange completed since the last call.
   * Dissectors call it once they have taken in a chunk of input (DissectorOptions.onProgress).
   */
  reportProgress(onProgress: ((c: Conversation) => void) | undefined): void {
    if (!this.progressDue) return;
    this.progressDue = false;
    onProgress?.(this.conv);
  }

  anomaly(code: string, frame: number, event?: number, detail?: string): void {
    const seen = (this.anomalyCounts.get(code) ?? 0) + 1;
    this.anomalyCounts.set(code, seen);
    if (seen > LIMITS.MAX_ANOMALIES_PER_CODE) {
      if (seen === LIMITS.MAX_ANOMALIES_PER_CODE + 1) {
        this.anomaly('anomalies-capped', frame, undefined, `more than ${LIMITS.MAX_ANOMALIES_PER_CODE} '${code}' anomalies; the rest are dropped`);
      }
      return;
    }
    const a: Anomaly = { code, frame };
    if (event !== undefined && event >= 0) a.event = event;
    if (detail !== undefined) a.detail = detail;
    this.conv.anomalies.push(a);
  }

  /**
   * Bytes lost from one direction (a TCP gap, or one inside TLS): a 'gap' event and its anomaly.
   * `where` is added to the note ('inside TLS'); `decrypted` marks an event inside decrypted TLS.
   */
  gapEvent(side: Side, length: number, meta: SegmentMeta, where: string, decrypted: boolean): number {
    const n = this.addEvent({
      side, kind: 'gap', frame: meta.firstFrame, lastFrame: meta.lastFrame, ts: meta.ts, raw: '',
      note: `${length} byte(s) missing from the capture${where ? ' ' + where : ''}`, streamOffset: meta.streamOffset,
      ...(decrypted ? { decrypted: true } : {}),
    });
    this.anomaly('gap', meta.firstFrame, n, `${side === 'C' ? 'client' : 'server'} lost ${length} byte(s)`);
    return n;
  }

  /** After a gap, `skipped` lines were passed over until one parsed: one 'note' event says so. */
  resyncNote(side: Side, skipped: number, at: { firstFrame: number; ts: number; streamOffset: number }, decrypted: boolean): void {
    if (skipped <= 0) return;
    this.addEvent({
      side, kind: 'note', frame: at.firstFrame, lastFrame: at.firstFrame, ts: at.ts, raw: '',
      note: `${skipped} line(s) skipped while resynchronising after the gap`, streamOffset: at.streamOffset,
      ...(decrypted ? { decrypted: true } : {}),
    });
  }

  touch(frame: number, ts: number): void {
    if (frame > this.conv.lastFrame) this.conv.lastFrame = frame;
    if (ts > this.conv.endTs) this.conv.endTs = ts;
  }

  /** The connection is over: attach the TCP summary. */
  finish(summary: ConnectionSummary): Conversation {
    this.conv.tcp = summary;
    this.touch(summary.lastFrame, summary.endTs);
    return this.conv;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Protocol bytes as text: UTF-8 when valid (RFC 9051 / UTF8=ACCEPT), else latin1 (byte for byte). */
export function decodeText(bytes: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return latin1.decode(bytes);
  try {
    return utf8.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

/** Bytes as latin1 text, one character per byte (for literal heads and exact evidence). */
export function latin1Text(bytes: Uint8Array): string {
  return latin1.decode(bytes);
}
