import { defineRule } from '../rule.js';
import { formatEndpoint } from '../ledger.js';

/** Connected, but the server never sent a byte. */
export const tcpNoGreeting = defineRule({
  id: 'tcp.no-greeting',
  severity: 'error',
  title: 'The server never spoke',
  explanation:
    'The TCP connection was established, but the server sent nothing: no IMAP/POP3 greeting (and, on 993/995, no TLS handshake answer). The service accepts connections but is hung or overloaded, a proxy in between holds the connection, or the client expects implicit TLS on a port where the server expects cleartext (or the other way round) and both wait.',
  fix: 'Check that the port matches the security setting (143/110 plaintext or STARTTLS; 993/995 implicit TLS), the health of the mail service and any proxy or load balancer in front of it.',
  references: ['RFC 9051 §7.1 (server greeting)', 'RFC 1939 §4 (POP3 greeting)', 'RFC 8314 §3 (implicit TLS ports)'],
  check(conv) {
    const t = conv.tcp;
    if (!t || !t.established || !conv.sawSyn || t.bytes[1] > 0 || t.gapBytes[1] > 0) return [];
    const sent = t.bytes[0];
    return [{
      frames: [conv.firstFrame, t.lastFrame].filter((f, i, a) => a.indexOf(f) === i),
      message: `Connected to ${formatEndpoint(conv.server)}, but the server never sent a greeting${sent > 0 ? ` (the client sent ${sent} bytes)` : ''}; the connection ended by ${t.endReason}.`,
      args: { clientBytes: sent, endReason: t.endReason },
    }];
  },
});
