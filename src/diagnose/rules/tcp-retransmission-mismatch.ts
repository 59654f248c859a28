import { defineRule } from '../rule.js';

/** A retransmitted segment carried different bytes than the first copy. */
export const tcpRetransmissionMismatch = defineRule({
  id: 'tcp.retransmission-mismatch',
  severity: 'warning',
  title: 'Retransmission with different content',
  explanation:
    'A segment was sent again for bytes already seen, but with different content. The receiver keeps one copy and an observer may keep the other, so what mailwire shows (the first copy) may not be what the endpoint read. This is a sign of corruption, a broken middlebox, or an attempt to evade inspection.',
  fix: 'Compare both copies in Wireshark (the frames given); check NIC offloading on the capture host and middleboxes that rewrite traffic.',
  references: ['RFC 9293 §3.10.7.4', 'Ptacek & Newsham, "Insertion, Evasion, and Denial of Service" (1998)'],
  check(conv) {
    const list = conv.tcp?.retransmissionMismatches ?? [];
    if (list.length === 0) return [];
    const first = list[0]!;
    return [{
      frames: list.slice(0, 8).map((m) => m.frame),
      message: `${list.length} retransmitted segment${list.length > 1 ? 's' : ''} carried different bytes than the first copy (first: frame ${first.frame}, ${first.length} bytes from the ${first.dir === 0 ? 'client' : 'server'} at stream offset ${first.streamOffset}).`,
      args: { count: list.length, firstFrame: first.frame },
    }];
  },
});
