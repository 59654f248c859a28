/**
 * ConversationBuilder.pushEvent (the dissectors' per-line path, no copy) against addEvent: the same
 * conversation, JSON key order included, up to and beyond the per-conversation events cap.
 */
import { describe, expect, it } from 'vitest';
import type { DialogueEvent } from '../../src/model/conversation.js';
import { ConversationBuilder } from '../../src/protocols/conversation-builder.js';
import { LIMITS } from '../../src/protocols/limits.js';
import { testConnection } from '../helpers/connection.js';

const info = testConnection({ client: { ip: '192.0.2.1', port: 40000 }, server: { ip: '192.0.2.2', port: 110 } });

function line(i: number): Omit<DialogueEvent, 'n'> {
  const e: Omit<DialogueEvent, 'n'> = { side: i % 2 ? 'C' : 'S', kind: 'line', frame: 10 + i, lastFrame: 11 + i, ts: 1000 + i, raw: `line ${i}`, streamOffset: i * 8 };
  if (i % 3 === 0) e.bareLf = true;
  if (i % 5 === 0) e.decrypted = true;
  return e;
}

describe('ConversationBuilder.pushEvent', () => {
  it('numbers and keeps events as addEvent does, n first, and counts the ones beyond the cap', () => {
    const a = new ConversationBuilder(info, 'pop3');
    const b = new ConversationBuilder(info, 'pop3');
    const total = LIMITS.MAX_EVENTS_PER_CONVERSATION + 3;
    const na: number[] = [];
    const nb: number[] = [];
    for (let i = 0; i < total; i++) {
      na.push(a.addEvent(line(i)));
      nb.push(b.pushEvent({ n: -1, ...line(i) }));
    }
    expect(nb).toEqual(na);
    expect(nb.slice(-4)).toEqual([LIMITS.MAX_EVENTS_PER_CONVERSATION - 1, -1, -1, -1]);
    expect(JSON.stringify(b.conv)).toBe(JSON.stringify(a.conv));
    expect(b.conv.droppedEvents).toBe(3);
    expect(b.conv.anomalies.map((x) => x.code)).toEqual(['events-capped']);
    expect(Object.keys(b.conv.events[3]!)[0]).toBe('n');
  });
});
