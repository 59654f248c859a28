/** The ContentSink hook in the IMAP and POP3 dissectors: what they stream, with which identity, and when content is cut. */
import { describe, expect, it } from 'vitest';
import { constants, deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { C, S, dissect } from '../protocols/imap/helpers.js';
import { createPop3Dissector } from '../../src/protocols/pop3/pop3-dissector.js';
import type { Conversation } from '../../src/model/conversation.js';
import type { ContentSink } from '../../src/protocols/dissector.js';
import type { ConnectionInfo } from '../../src/tcp/stream.js';
import { RecordingSink } from './recording-sink.js';

const MSG = 'Subject: hi\r\n\r\nbody line\r\n';

describe('IMAP literals reach the content sink', () => {
  it('streams every literal of a FETCH response, ends it with the whole line (UID after the literal)', () => {
    const sink = new RecordingSink();
    const conv = dissect(
      [
        S('* OK ready\r\n'),
        C('a1 FETCH 3 (BODY[HEADER] BODY[])\r\n'),
        S(`* 3 FETCH (BODY[HEADER] {13}\r\nSubject: hi\r\n BODY[] {${MSG.length}}\r\n${MSG} UID 77)\r\n`),
        S('a1 OK done\r\n'),
      ],
      { content: sink },
    );
    expect(sink.items.map((r) => [r.start.side, r.start.index, r.start.size, r.text()])).toEqual([
      ['S', 0, 13, 'Subject: hi\r\n'],
      ['S', 1, MSG.length, MSG],
    ]);
    expect(sink.items[1]!.start.context).toBe(`* 3 FETCH (BODY[HEADER] {13} BODY[] {${MSG.length}}`);
    expect(sink.items[1]!.end).toEqual({ complete: true, received: MSG.length, firstFrame: 13, lastFrame: 13, line: `* 3 FETCH (BODY[HEADER] {13} BODY[] {${MSG.length}} UID 77)` });
    expect(sink.items[0]!.start).toMatchObject({ conversation: 1, protocol: 'imap', client: { ip: '10.0.0.1', port: 50000 }, decrypted: false, inflated: false });
    // The model still keeps only the head (the literal is small here, so also its text).
    expect(conv.events.find((e) => e.raw.startsWith('* 3 FETCH'))!.literals!.map((l) => l.size)).toEqual([13, MSG.length]);
  });

  it('a literal cut by a gap ends incomplete with cut "gap"', () => {
    const sink = new RecordingSink();
    dissect([S('* OK ready\r\n'), C('a1 FETCH 1 BODY[]\r\n'), S('* 1 FETCH (BODY[] {100}\r\nFrom: a\r\n'), { dir: 1, gap: 50 }, S('tail\r\n')], { content: sink });
    expect(sink.items).toHaveLength(1);
    expect(sink.items[0]!.text()).toBe('From: a\r\n');
    expect(sink.items[0]!.end).toMatchObject({ complete: false, received: 9, cut: 'gap' });
  });

  it('client APPEND literals stream too; a declined begin gets no chunks', () => {
    const sink = new RecordingSink((s) => !/LOGIN/.test(s.context));
    dissect([S('* OK ready\r\n'), C('a0 LOGIN bob {6}\r\n'), S('+ go\r\n'), C('secret\r\n'), S('a0 OK\r\n'), C(`a1 APPEND INBOX {${MSG.length}+}\r\n${MSG}\r\n`), S('a1 OK\r\n')], { content: sink });
    expect(sink.items).toHaveLength(1);
    expect(sink.items[0]!.start).toMatchObject({ side: 'C', context: `a1 APPEND INBOX {${MSG.length}+}` });
    expect(sink.items[0]!.text()).toBe(MSG);
  });

  it('inside COMPRESS=DEFLATE the sink gets the inflated literal, marked inflated', () => {
    const z = (t: string): Uint8Array => new Uint8Array(deflateRawSync(Buffer.from(t, 'latin1'), { finishFlush: constants.Z_SYNC_FLUSH }));
    const sink = new RecordingSink();
    dissect([S('* OK ready\r\n'), C('b COMPRESS DEFLATE\r\n'), S('b OK compressing\r\n'), C(z('c FETCH 2 BODY[]\r\n')), S(z(`* 2 FETCH (BODY[] {${MSG.length}}\r\n${MSG})\r\nc OK\r\n`))], { content: sink });
    expect(sink.items).toHaveLength(1);
    expect(sink.items[0]!.start).toMatchObject({ inflated: true, decrypted: false, context: `* 2 FETCH (BODY[] {${MSG.length}}` });
    expect(sink.items[0]!.text()).toBe(MSG);
    expect(sink.items[0]!.end?.complete).toBe(true);
  });

  it('the streamed content does not depend on how the segments are cut', () => {
    const body = 'X'.repeat(300) + '\r\n' + 'Y'.repeat(200);
    const segs = [S('* OK ready\r\n'), C('a1 FETCH 1 BODY[]\r\n'), S(`* 1 FETCH (BODY[] {${body.length}}\r\n${body} UID 5)\r\n`), S('a1 OK\r\n')];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 600 }), { maxLength: 8 }), (cuts) => {
        const sink = new RecordingSink();
        dissect(segs, { content: sink }, () => cuts);
        expect(sink.items).toHaveLength(1);
        expect(sink.items[0]!.text()).toBe(body);
        expect(sink.items[0]!.end).toMatchObject({ complete: true, line: `* 1 FETCH (BODY[] {${body.length}} UID 5)` });
      }),
      { numRuns: 60 },
    );
  });
});

const POP3_INFO: ConnectionInfo = { id: 4, client: { ip: '192.0.2.1', port: 40000 }, server: { ip: '192.0.2.2', port: 110 }, roleSource: 'syn', firstFrame: 1, startTs: 1000, sawSyn: true, vlans: [] };

function pop3(steps: Array<[0 | 1, string] | ['gap', number]>, content: ContentSink): Conversation {
  let conv: Conversation | undefined;
  const d = createPop3Dissector(POP3_INFO, { security: 'plain', content, onConversation: (c) => (conv = c) });
  const off: [number, number] = [0, 0];
  let frame = 3;
  for (const [dir, data] of steps) {
    frame++;
    const meta = { firstFrame: frame, lastFrame: frame, ts: 1000 + frame / 100 };
    if (dir === 'gap') {
      d.gap(1, data, { ...meta, streamOffset: off[1] });
      off[1] += data;
      continue;
    }
    d.data(dir, new Uint8Array(Buffer.from(data, 'latin1')), { ...meta, streamOffset: off[dir] });
    off[dir] += data.length;
  }
  const end = { firstFrame: frame, lastFrame: frame, ts: 1000 + frame / 100 };
  d.end(0, 'fin', { ...end, streamOffset: off[0] });
  d.end(1, 'fin', { ...end, streamOffset: off[1] });
  d.close({ noAnswer: false, refused: false, established: true, resetBy: undefined, resetFrame: undefined, finBy: 'client', endReason: 'fin', lastFrame: frame, endTs: 1000, frames: [0, 0], bytes: [0, 0], gapBytes: [0, 0], retransmissionMismatches: [], capDrops: 0, synFrames: [1] });
  return conv!;
}

describe('POP3 bodies reach the content sink', () => {
  it('RETR: dot-unstuffed, terminator removed, line ends as sent', () => {
    const sink = new RecordingSink();
    const conv = pop3([[1, '+OK hi\r\n'], [0, 'RETR 2\r\n'], [1, '+OK 40 octets\r\nSubject: x\r\n\r\n..dot line\r\nbare lf\n.\r\n']], sink);
    expect(sink.items).toHaveLength(1);
    expect(sink.items[0]!.start).toMatchObject({ protocol: 'pop3', side: 'S', context: 'RETR 2', conversation: 4, firstFrame: 6 });
    expect(sink.items[0]!.text()).toBe('Subject: x\r\n\r\n.dot line\r\nbare lf\n');
    expect(sink.items[0]!.end).toEqual({ complete: true, received: 33, firstFrame: 6, lastFrame: 6 });
    expect(conv.events.find((e) => e.raw.startsWith('+OK 40'))!.literals![0]!.size).toBe(33);
  });

  it('a body damaged by a gap ends incomplete; one cut by the end of the connection too', () => {
    const sink = new RecordingSink();
    pop3([[1, '+OK hi\r\n'], [0, 'RETR 1\r\n'], [1, '+OK\r\nline one\r\n'], ['gap', 30], [1, 'line two\r\n.\r\n'], [0, 'RETR 2\r\n'], [1, '+OK\r\nonly this\r\n']], sink);
    expect(sink.items.map((r) => [r.start.context, r.end?.complete, r.end?.cut])).toEqual([
      ['RETR 1', false, 'damaged'],
      ['RETR 2', false, 'end'],
    ]);
  });
});
