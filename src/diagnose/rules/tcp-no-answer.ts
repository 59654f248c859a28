import { defineRule } from '../rule.js';
import { formatEndpoint } from '../ledger.js';
import { icmpAnswered } from './path-icmp.js';

/** The client's SYN was never answered. */
export const tcpNoAnswer = defineRule({
  id: 'tcp.no-answer',
  severity: 'error',
  title: 'Connection attempt never answered',
  explanation:
    'The client sent SYN (perhaps several times) and nothing came back (no SYN-ACK, no reset, no ICMP error in the capture): a firewall drops the packets, the host is down or unreachable, or the address is wrong. No mail protocol was ever spoken.',
  fix: 'Check the server address and port, firewalls and security groups on the path, and that the server is up. A capture taken on the server side shows whether the SYN arrives at all.',
  references: ['RFC 9293 §3.5 (connection establishment)'],
  check(conv) {
    const t = conv.tcp;
    // An ICMP error came back: the path.* finding of its cause says who answered and why.
    if (!t?.noAnswer || icmpAnswered(conv)) return [];
    const tries = Math.max(1, t.synFrames.length);
    return [{
      frames: t.synFrames.length ? t.synFrames.slice(0, 8) : [conv.firstFrame],
      message: `${formatEndpoint(conv.server)} never answered the connection attempt (${tries} SYN${tries > 1 ? 's' : ''} sent, no reply).`,
      args: { server: formatEndpoint(conv.server), syns: tries },
    }];
  },
});
