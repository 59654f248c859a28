import { defineRule } from '../rule.js';
import { TCP_LIMITS } from '../../tcp/limits.js';

/** The reassembler's connection table was full and this connection was dropped from it. */
export const tcpEvicted = defineRule({
  id: 'tcp.evicted',
  severity: 'warning',
  title: 'Connection dropped from a full connection table',
  explanation:
    `mailwire keeps the TCP connections it follows within a memory budget (${TCP_LIMITS.TABLE_BUDGET_BYTES / 2 ** 20} MiB by default, \`--table-budget\`), so that a capture of a SYN flood, a port scan or a busy server with tens of thousands of idle connections cannot exhaust memory. When the table is over its budget, the least recently active connections are dropped: this conversation ends there in the report, with what was seen until then. Its later packets are counted (\`evictedPackets\` in the input's TCP counters) and never start a new conversation.`,
  fix: 'Give the table more memory (`--table-budget MIB`), or cut the capture down to the mail server before analysing it, e.g. `tcpdump -r big.pcap -w mail.pcap \'host SERVER and (port 143 or 993 or 110 or 995)\'`, or capture with such a filter in the first place (`mailwire live -i IFACE host SERVER and port 993`).',
  references: ['docs/security.md §3 (caps)'],
  check(conv) {
    const t = conv.tcp;
    if (!t || t.endReason !== 'evicted') return [];
    return [{
      frames: [t.lastFrame],
      message: `mailwire stopped following this connection after frame ${t.lastFrame}: its connection table was over its memory budget (too many TCP connections open at once in the capture: a flood, a scan or a busy server), so the rest of this conversation is missing from it.`,
      args: { lastFrame: t.lastFrame },
    }];
  },
});
