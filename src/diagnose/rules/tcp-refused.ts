import { defineRule } from '../rule.js';
import { formatEndpoint } from '../ledger.js';

/** The SYN was answered with RST. */
export const tcpRefused = defineRule({
  id: 'tcp.refused',
  severity: 'error',
  title: 'Connection refused',
  explanation:
    'The server host answered the SYN with a reset: it is reachable, but nothing listens on that port (the service is stopped or listens elsewhere), or a firewall rejects the connection actively.',
  fix: 'Check that the IMAP/POP3 service runs and listens on this port (143/993 for IMAP, 110/995 for POP3, or the custom port configured), and that no firewall rule rejects it.',
  references: ['RFC 9293 §3.5.2 (reset generation)'],
  check(conv) {
    const t = conv.tcp;
    if (!t?.refused) return [];
    const frames = [...t.synFrames.slice(0, 4)];
    if (t.resetFrame !== undefined) frames.push(t.resetFrame);
    return [{
      frames: frames.length ? frames : [conv.firstFrame],
      message: `${formatEndpoint(conv.server)} refused the connection (reset in answer to SYN): nothing is listening on port ${conv.server.port}.`,
      args: { server: formatEndpoint(conv.server), port: conv.server.port },
    }];
  },
});
