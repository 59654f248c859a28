import { describe, expect, it } from 'vitest';
import { ConversationBuilder } from '../../src/protocols/conversation-builder.js';
import type { ConnectionInfo, ConnectionSummary } from '../../src/tcp/stream.js';
import { Diagnoser } from '../../src/diagnose/diagnose.js';
import { closedSummary, testConnection } from '../helpers/connection.js';

const INFO: ConnectionInfo = testConnection({ client: { ip: '192.0.2.10', port: 50123 }, server: { ip: '198.51.100.5', port: 143 }, startTs: 1_700_000_000 });

function summary(over: Partial<ConnectionSummary>): ConnectionSummary {
  return closedSummary({ lastFrame: 20, endTs: 1_700_000_005, frames: [10, 10], bytes: [200, 800], ...over });
}

/** Runs the Diagnoser over a connection that has only TCP facts (no dialogue). */
function ids(s: ConnectionSummary, info: ConnectionInfo = INFO): string[] {
  const conv = new ConversationBuilder(info, 'imap').finish(s);
  return new Diagnoser().conversation(conv).map((f) => f.id).sort();
}

function findings(s: ConnectionSummary, info: ConnectionInfo = INFO) {
  return new Diagnoser().conversation(new ConversationBuilder(info, 'imap').finish(s));
}

describe('TCP rules', () => {
  it('a clean connection raises nothing', () => {
    expect(ids(summary({}))).toEqual([]);
  });

  it('tcp.no-answer: SYNs without a reply', () => {
    const f = findings(summary({ noAnswer: true, established: false, bytes: [0, 0], frames: [3, 0], synFrames: [1, 2, 3], endReason: 'timeout' }));
    expect(f.map((x) => x.id)).toEqual(['tcp.no-answer']);
    expect(f[0]!.frames).toEqual([1, 2, 3]);
    expect(f[0]!.severity).toBe('error');
    expect(f[0]!.message).toContain('198.51.100.5:143');
    expect(f[0]!.message).toContain('3 SYNs');
  });

  it('tcp.refused: RST in answer to SYN', () => {
    const f = findings(summary({ refused: true, established: false, resetBy: 'server', resetFrame: 2, bytes: [0, 0], endReason: 'rst' }));
    expect(f.map((x) => x.id)).toEqual(['tcp.refused']);
    expect(f[0]!.frames).toEqual([1, 2]);
    expect(f[0]!.message).toContain('port 143');
  });

  it('tcp.reset: by the server mid-session is a warning naming the server', () => {
    const f = findings(summary({ resetBy: 'server', resetFrame: 17, endReason: 'rst', finBy: undefined }));
    expect(f.map((x) => x.id)).toEqual(['tcp.reset']);
    expect(f[0]!.severity).toBe('warning');
    expect(f[0]!.frames).toEqual([17]);
    expect(f[0]!.args.by).toBe('server');
    expect(f[0]!.message).toContain('the server');
  });

  it('tcp.reset: by the client', () => {
    const f = findings(summary({ resetBy: 'client', resetFrame: 18, endReason: 'rst', finBy: undefined }));
    expect(f[0]!.message).toContain('the client (192.0.2.10)');
  });

  it('tcp.no-greeting: established but the server sent no byte', () => {
    const f = findings(summary({ bytes: [0, 0], finBy: 'client' }));
    expect(f.map((x) => x.id)).toEqual(['tcp.no-greeting']);
    expect(f[0]!.severity).toBe('error');
  });

  it('tcp.no-greeting is not raised mid-stream (the greeting may have been before the capture)', () => {
    expect(ids(summary({ bytes: [10, 0] }), { ...INFO, sawSyn: false, roleSource: 'port' })).toEqual(['tcp.midstream']);
  });

  it('tcp.gap: bytes missing in either direction', () => {
    const f = findings(summary({ gapBytes: [0, 78] }));
    expect(f.map((x) => x.id)).toEqual(['tcp.gap']);
    expect(f[0]!.args.serverBytes).toBe(78);
    expect(f[0]!.message).toContain('78 bytes from the server');
  });

  it('tcp.midstream: no SYN seen is info', () => {
    const f = findings(summary({ synFrames: [] }), { ...INFO, sawSyn: false, roleSource: 'port' });
    expect(f.map((x) => x.id)).toEqual(['tcp.midstream']);
    expect(f[0]!.severity).toBe('info');
  });

  it('tcp.retransmission-mismatch', () => {
    const f = findings(summary({ retransmissionMismatches: [{ dir: 0, frame: 9, streamOffset: 40, length: 12 }] }));
    expect(f.map((x) => x.id)).toEqual(['tcp.retransmission-mismatch']);
    expect(f[0]!.frames).toEqual([9]);
  });

  it('tcp.evicted: dropped from a full connection table, pointing at the last frame followed', () => {
    const f = findings(summary({ endReason: 'evicted', lastFrame: 33 }));
    expect(f.map((x) => x.id)).toEqual(['tcp.evicted']);
    expect(f[0]!.severity).toBe('warning');
    expect(f[0]!.frames).toEqual([33]);
    expect(f[0]!.message).toContain('after frame 33');
    expect(f[0]!.message).toContain('connection table was over its memory budget');
    expect(ids(summary({ endReason: 'timeout' }))).toEqual([]);
  });

  it('appends findings to the conversation and stamps the conversation id', () => {
    const conv = new ConversationBuilder({ ...INFO, id: 7 }, 'imap').finish(summary({ gapBytes: [5, 0] }));
    const out = new Diagnoser().conversation(conv);
    expect(conv.findings).toEqual(out);
    expect(out[0]!.conversation).toBe(7);
  });
});
