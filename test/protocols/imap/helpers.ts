/** Test helper: drives the IMAP dissector with hand-made segments, as the TCP layer would. */
import type { Conversation } from '../../../src/model/conversation.js';
import type { DissectorOptions } from '../../../src/protocols/dissector.js';
import { createImapDissector } from '../../../src/protocols/imap/imap-dissector.js';
import type { ConnectionInfo, Direction } from '../../../src/tcp/stream.js';
import { closedSummary, testConnection } from '../../helpers/connection.js';

/** One segment: direction, bytes (latin1 string or bytes), and optionally a gap instead of data. */
export type Seg = { dir: Direction; data: string | Uint8Array; frame?: number; ts?: number } | { dir: Direction; gap: number; frame?: number; ts?: number };

export const INFO: ConnectionInfo = testConnection();

export function bytes(s: string | Uint8Array): Uint8Array {
  return typeof s === 'string' ? new Uint8Array(Buffer.from(s, 'latin1')) : s;
}

/**
 * Feeds the segments in order (frame numbers default to 10, 11, ...; ts to 1000 + frame/100) and
 * returns the conversation. `split` cuts each data segment into pieces (same frame and ts) to test
 * chunking invariance.
 */
export function dissect(segs: readonly Seg[], opts: Partial<DissectorOptions> = {}, split?: (len: number, segIndex: number) => number[]): Conversation {
  let conv: Conversation | undefined;
  const d = createImapDissector(INFO, { security: 'plain', ...opts, onConversation: (c) => (conv = c) });
  const offset: [number, number] = [0, 0];
  let frame = 10;
  let ts = 1000;
  segs.forEach((s, i) => {
    frame = s.frame ?? frame + 1;
    ts = s.ts ?? 1000 + frame / 100;
    if ('gap' in s) {
      d.gap(s.dir, s.gap, { streamOffset: offset[s.dir], firstFrame: frame, lastFrame: frame, ts });
      offset[s.dir] += s.gap;
      return;
    }
    const b = bytes(s.data);
    const cuts = split ? split(b.length, i) : [];
    let from = 0;
    for (const c of [...cuts.filter((x) => x > 0 && x < b.length).sort((x, y) => x - y), b.length]) {
      if (c <= from) continue;
      d.data(s.dir, b.slice(from, c), { streamOffset: offset[s.dir] + from, firstFrame: frame, lastFrame: frame, ts });
      from = c;
    }
    offset[s.dir] += b.length;
  });
  d.end(0, 'fin', { streamOffset: offset[0], firstFrame: frame, lastFrame: frame, ts });
  d.end(1, 'fin', { streamOffset: offset[1], firstFrame: frame, lastFrame: frame, ts });
  d.close(closedSummary({ lastFrame: frame, endTs: ts }));
  return conv!;
}

/** Client and server segment shorthands. */
export const C = (data: string | Uint8Array, frame?: number): Seg => (frame === undefined ? { dir: 0, data } : { dir: 0, data, frame });
export const S = (data: string | Uint8Array, frame?: number): Seg => (frame === undefined ? { dir: 1, data } : { dir: 1, data, frame });

/** A compact transcript: one line per event. */
export function transcript(c: Conversation): string[] {
  return c.events.map((e) => `${e.side} ${e.kind}${e.exchange !== undefined ? `#${e.exchange}` : ''} ${e.kind === 'line' ? e.raw : `${e.raw}${e.note ? ` (${e.note})` : ''}`}`);
}

export const codes = (c: Conversation): string[] => c.anomalies.map((a) => a.code);
