/**
 * Test helper: builds a real Conversation by feeding a hand-written dialogue (raw protocol bytes)
 * through the real dissector's StreamHandler, then diagnoses it.
 */
import type { Conversation, Finding } from '../../src/model/conversation.js';
import type { DissectorFactory } from '../../src/protocols/dissector.js';
import type { ConnectionInfo, ConnectionSummary, Direction } from '../../src/tcp/stream.js';
import { createPop3Dissector } from '../../src/protocols/pop3/pop3-dissector.js';
import { createImapDissector } from '../../src/protocols/imap/imap-dissector.js';
import { createSmtpDissector } from '../../src/protocols/smtp/smtp-dissector.js';
import { Diagnoser } from '../../src/diagnose/diagnose.js';
import { closedSummary } from '../helpers/connection.js';

/** One segment of the dialogue: who sends it and the text (CRLF appended unless `raw`). */
export type Step =
  | ['C' | 'S', string]
  | { side: 'C' | 'S'; text: string; raw?: boolean; gapBefore?: number; delay?: number };

export interface DialogueOptions {
  id?: number;
  clientIp?: string;
  serverIp?: string;
  serverPort?: number;
  security?: 'plain' | 'implicit-tls';
  sawSyn?: boolean;
  /** Seconds between segments (default 0.01). */
  step?: number;
  summary?: Partial<ConnectionSummary>;
  startTs?: number;
}

const T0 = 1_700_000_000;

/** Feeds the dialogue through `factory` and returns the finished conversation (not diagnosed). */
export function feed(factory: DissectorFactory, steps: Step[], o: DialogueOptions = {}): Conversation {
  const sawSyn = o.sawSyn ?? true;
  const startTs = o.startTs ?? T0;
  const info: ConnectionInfo = {
    id: o.id ?? 1,
    client: { ip: o.clientIp ?? '192.0.2.10', port: 50000 + (o.id ?? 1) },
    server: { ip: o.serverIp ?? '198.51.100.5', port: o.serverPort ?? 110 },
    roleSource: sawSyn ? 'syn' : 'port',
    firstFrame: 1,
    startTs,
    sawSyn,
    vlans: [],
  };
  let result: Conversation | undefined;
  const handler = factory(info, { security: o.security ?? 'plain', onConversation: (c) => (result = c) });
  const offsets = [0, 0];
  const frames: [number, number] = [0, 0];
  let frame = sawSyn ? 3 : 0;
  let ts = startTs;
  for (const s of steps) {
    const step = Array.isArray(s) ? { side: s[0], text: s[1] } : s;
    const dir: Direction = step.side === 'C' ? 0 : 1;
    frame++;
    ts += ('delay' in step && step.delay !== undefined ? step.delay : o.step ?? 0.01);
    if ('gapBefore' in step && step.gapBefore) {
      handler.gap(dir, step.gapBefore, { streamOffset: offsets[dir]!, firstFrame: frame, lastFrame: frame, ts });
      offsets[dir]! += step.gapBefore;
    }
    const text = 'raw' in step && step.raw ? step.text : `${step.text}\r\n`;
    const bytes = Buffer.from(text, 'latin1');
    handler.data(dir, bytes, { streamOffset: offsets[dir]!, firstFrame: frame, lastFrame: frame, ts });
    offsets[dir]! += bytes.length;
    frames[dir]++;
  }
  frame++;
  const end = { streamOffset: 0, firstFrame: frame, lastFrame: frame, ts };
  handler.end(0, 'fin', { ...end, streamOffset: offsets[0]! });
  handler.end(1, 'fin', { ...end, streamOffset: offsets[1]! });
  handler.close(closedSummary({ lastFrame: frame, endTs: ts, frames, bytes: [offsets[0]!, offsets[1]!], synFrames: sawSyn ? [1] : [], ...o.summary }));
  if (!result) throw new Error('the dissector did not hand over a conversation');
  return result;
}

export function pop3(steps: Step[], o: DialogueOptions = {}): Conversation {
  return feed(createPop3Dissector, steps, { serverPort: 110, ...o });
}

/** Diagnoses one conversation with a fresh Diagnoser. */
export function diagnose(conv: Conversation, opts: ConstructorParameters<typeof Diagnoser>[0] = {}): Finding[] {
  return new Diagnoser(opts).conversation(conv);
}

/** Sorted finding ids of one conversation. */
export function ids(conv: Conversation, opts: ConstructorParameters<typeof Diagnoser>[0] = {}): string[] {
  return diagnose(conv, opts).map((f) => f.id).sort();
}

/** Findings of the given id. */
export function only(findings: Finding[], id: string): Finding[] {
  return findings.filter((f) => f.id === id);
}

export function imap(steps: Step[], o: DialogueOptions = {}): Conversation {
  return feed(createImapDissector, steps, { serverPort: 143, ...o });
}

export function smtp(steps: Step[], o: DialogueOptions = {}): Conversation {
  return feed(createSmtpDissector, steps, { serverPort: 587, ...o });
}
