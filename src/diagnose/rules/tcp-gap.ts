import { defineRule } from '../rule.js';

/** Bytes missing from the capture. */
export const tcpGap = defineRule({
  id: 'tcp.gap',
  severity: 'warning',
  title: 'Bytes missing from the capture',
  explanation:
    'Some bytes of the connection were never captured (the capture dropped packets, or saw only one path of an asymmetric route). The dialogue has a hole there: lines may be cut or missing, and what follows was re-synchronised on the next line.',
  fix: 'Capture closer to the client or server, with a larger buffer (`tcpdump -B`), without a snap length limit, and check the capture tool\'s drop counters.',
  references: ['RFC 9293 §3.10.7.4 (sequence numbers)'],
  check(conv) {
    const t = conv.tcp;
    if (!t) return [];
    const [c, s] = t.gapBytes;
    if (c + s === 0 && t.capDrops === 0) return [];
    const events = conv.events.filter((e) => e.kind === 'gap').slice(0, 8);
    const parts: string[] = [];
    if (c > 0) parts.push(`${c} bytes from the client`);
    if (s > 0) parts.push(`${s} bytes from the server`);
    if (t.capDrops > 0) parts.push(`${t.capDrops} out-of-order segments dropped at the reassembly cap`);
    return [{
      frames: events.length ? events.map((e) => e.frame) : [t.lastFrame],
      events: events.map((e) => e.n),
      message: `The capture is missing ${parts.join(' and ')}; the dialogue around ${events.length ? `frame ${events[0]!.frame}` : 'the end'} is incomplete.`,
      args: { clientBytes: c, serverBytes: s, capDrops: t.capDrops },
    }];
  },
});
