/**
 * Test helper: plays a scripted POP3 (or SMTP) connection into the dissector through the StreamHandler
 * methods, with one frame per segment and an optional chunking of each segment (same frame).
 */
import type { Conversation } from '../../../src/model/conversation.js';
import type { ContentSink, DissectorFactory, DissectorOptions } from '../../../src/protocols/dissector.js';
import { createPop3Dissector } from '../../../src/protocols/pop3/pop3-dissector.js';
import type { ConnectionInfo, Direction } from '../../../src/tcp/stream.js';
import { closedSummary, testConnection } from '../../helpers/connection.js';

export type Step =
  | { c: string | Uint8Array; frame?: number }
  | { s: string | Uint8Array; frame?: number }
  | { gap: Direction; length: number }
  | { end: Direction };

export interface FeedOptions {
  /** Cut positions for step i (bytes), to test chunking invariance. */
  cuts?: (step: number, length: number) => number[];
  security?: DissectorOptions['security'];
  tls?: DissectorOptions['tls'];
  sawSyn?: boolean;
  content?: ContentSink;
}

export const INFO: ConnectionInfo = testConnection({ client: { ip: '192.0.2.1', port: 40000 }, server: { ip: '192.0.2.2', port: 110 } });

const enc = (s: string | Uint8Array): Uint8Array => (typeof s === 'string' ? new Uint8Array(Buffer.from(s, 'latin1')) : s);

/** Runs the steps; frame numbers start at 4 (after a handshake), time is 1000 + frame/100 s. */
export function feed(steps: readonly Step[], o: FeedOptions = {}): Conversation {
  return feedDissector(createPop3Dissector, INFO, steps, o);
}

/** Runs the steps into any line dissector (POP3, SMTP) for a connection like `base`. */
export function feedDissector(factory: DissectorFactory, base: ConnectionInfo, steps: readonly Step[], o: FeedOptions = {}): Conversation {
  let result: Conversation | undefined;
  const info = { ...base, sawSyn: o.sawSyn ?? true };
  const opts: DissectorOptions = { security: o.security ?? 'plain', onConversation: (c) => (result = c) };
  if (o.tls) opts.tls = o.tls;
  if (o.content) opts.content = o.content;
  const d = factory(info, opts);
  const offset: [number, number] = [0, 0];
  let frame = 3;
  steps.forEach((st, i) => {
    if ('gap' in st) {
      frame++;
      d.gap(st.gap, st.length, { streamOffset: offset[st.gap], firstFrame: frame, lastFrame: frame, ts: 1000 + frame / 100 });
      offset[st.gap] += st.length;
      return;
    }
    if ('end' in st) {
      frame++;
      d.end(st.end, 'fin', { streamOffset: offset[st.end], firstFrame: frame, lastFrame: frame, ts: 1000 + frame / 100 });
      return;
    }
    const dir: Direction = 'c' in st ? 0 : 1;
    const bytes = enc('c' in st ? st.c : st.s);
    frame = st.frame ?? frame + 1;
    const cuts = [...new Set((o.cuts?.(i, bytes.length) ?? []).filter((x) => x > 0 && x < bytes.length))].sort((a, b) => a - b);
    let prev = 0;
    for (const cut of [...cuts, bytes.length]) {
      // A copy per call: the dissector must not keep views on the caller's buffer.
      const chunk = bytes.slice(prev, cut);
      d.data(dir, chunk, { streamOffset: offset[dir] + prev, firstFrame: frame, lastFrame: frame, ts: 1000 + frame / 100 });
      chunk.fill(0xff);
      prev = cut;
    }
    offset[dir] += bytes.length;
  });
  frame++;
  d.close(closedSummary({ lastFrame: frame, endTs: 1000 + frame / 100, bytes: [offset[0], offset[1]] }));
  if (!result) throw new Error('onConversation was not called');
  return result;
}

/** Lines of the dialogue as `S: raw` / `C: raw` (kind other than line shown in brackets). */
export function transcript(c: Conversation): string[] {
  return c.events.map((e) => `${e.side}${e.kind === 'line' ? '' : `[${e.kind}]`}: ${e.raw || e.note || ''}`);
}

export const codes = (c: Conversation): string[] => c.anomalies.map((a) => a.code);
