/**
 * What the reassembler reports about real captures beyond the bytes (checked against tshark's
 * expert info for the same frames): retransmissions with different bytes, capture gaps, refused
 * connections with SYN retries, server-only and mid-stream captures.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CORPUS, corpusFile, reassembleCapture } from './corpus.js';

const haveCorpus = existsSync(CORPUS);
if (!haveCorpus) console.warn('tcp corpus outcomes: /work/shared/corpus absent, skipped');

describe.skipIf(!haveCorpus)('TCP outcomes on corpus captures', () => {
  it('protolens/pop3.pcap: out-of-order and retransmitted segments; frame 38 resends different bytes', () => {
    const { conns, reassembler } = reassembleCapture(corpusFile('protolens/pop3.pcap'));
    expect(conns).toHaveLength(1);
    // tshark: frame 27 (seq 453, 1024 bytes) is the fast retransmission delivered, frame 38 the
    // spurious one; 7 of its bytes differ (an edited Cc: header). First data wins.
    expect(conns[0]!.summary!.retransmissionMismatches).toEqual([{ dir: 1, frame: 38, streamOffset: 452, length: 1024 }]);
    expect(reassembler.stats()).toMatchObject({ outOfOrderSegments: 4, gaps: 0, retransmissionMismatches: 1 });
    expect(conns[0]!.summary).toMatchObject({ finBy: 'server', gapBytes: [0, 0] });
  });

  it('BruteShark Login (Plaintext) 2: the 78 bytes tshark calls "ACKed unseen" are one gap', () => {
    const { conns } = reassembleCapture(corpusFile('BruteShark/IMAP - Login (Plaintext) 2.pcap'));
    expect(conns[0]!.gaps).toEqual([[], [{ at: 582, length: 78 }]]);
    expect(conns[0]!.summary).toMatchObject({ gapBytes: [0, 78], finBy: 'server', endReason: 'fin', synFrames: [1] });
  });

  it('zeek/pop3.pcap: two refused attempts of three SYNs each, five sessions closed by the server', () => {
    const { conns, reassembler } = reassembleCapture(corpusFile('zeek/pop3.pcap'));
    expect(conns.map((c) => c.summary)).toMatchObject([
      { refused: true, established: false, synFrames: [1, 3, 5], endReason: 'rst' },
      { refused: true, established: false, synFrames: [7, 9, 11], endReason: 'rst' },
      { refused: false, established: true, finBy: 'server', endReason: 'fin' },
      { refused: false, established: true, finBy: 'server', endReason: 'fin', synFrames: [25, 26] },
      { finBy: 'server', endReason: 'fin' },
      { finBy: 'server', endReason: 'fin' },
      { finBy: 'server', endReason: 'fin' },
    ]);
    expect(reassembler.stats()).toMatchObject({ connections: 7, synRetransmissions: 5 });
  });

  it('suricata-verify/tcp-async-01: server side only, starting at the SYN-ACK', () => {
    const { conns } = reassembleCapture(corpusFile('suricata-verify/tcp-async-01/input.pcap'));
    expect(conns[0]!.info).toMatchObject({ roleSource: 'syn', sawSyn: false, server: { port: 143 } });
    expect(conns[0]!.summary).toMatchObject({ frames: [0, 139], bytes: [0, 181339], gapBytes: [0, 0], established: true });
  });

  it('protolens/imap.pcap: picked up mid-session, roles from the mail port', () => {
    const { conns } = reassembleCapture(corpusFile('protolens/imap.pcap'));
    expect(conns[0]!.info).toMatchObject({ roleSource: 'port', sawSyn: false, server: { port: 143 } });
    expect(Buffer.concat(conns[0]!.chunks[0]).subarray(0, 6).toString('latin1')).toBe('DONE\r\n');
  });
});
