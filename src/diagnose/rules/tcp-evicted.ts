import { defineRule } from '../rule.js';
import { TCP_LIMITS } from '../../tcp/limits.js';

/** The reassembler's connection table was full and this connection was dropped from it. */
export const tcpEvicted = defineRule({
  id: 'tcp.evicted',
  severity: 'warning',
  title: 'Connection dropped from a full connection table',
  explanation:
    `mailwire follows at most ${TCP_LIMITS.MAX_CONNECTIONS.toLocaleString('en-US')} TCP connections at once, so that a capture of a SYN flood, a port scan or a busy firewall cannot exhaust memory. When a new connection arrives with the table full, the least recently active one is dropped: this conversation ends there in the report, and what it carried later is reported, if at all, as a new conversation that started mid-stream.`,
  fix: 'Cut the capture down to the mail server before analysing it, e.g. `tcpdump -r big.pcap -w mail.pcap \'host SERVER and (port 143 or 993 or 110 or 995)\'`, or capture with such a filter in the first place (`mailwire live -i IFACE host SERVER and port 993`).',
  references: ['docs/security.md §3 (caps)'],
  check(conv) {
    const t = conv.tcp;
    if (!t || t.endReason !== 'evicted') return [];
    return [{
      frames: [t.lastFrame],
      message: `mailwire stopped following this connection after frame ${t.lastFrame}: its connection table was full (too many TCP connections open at once in the capture: a flood, a scan or a busy link), so the rest of this conversation is missing from it.`,
      args: { lastFrame: t.lastFrame },
    }];
  },
});
