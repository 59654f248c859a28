import { defineRule } from '../rule.js';
import { formatEndpoint } from '../ledger.js';

export const smtpPort25Blocked = defineRule({
  id: 'smtp.port25-blocked',
  severity: 'warning',
  title: 'Port 25 unanswered: likely blocked by the network',
  explanation:
    'A connection to port 25 was never answered. Port 25 is for server-to-server relay; most consumer, mobile and cloud networks block outgoing connections to it (against spam from infected machines), silently, so the client waits and times out. Mail clients must submit on the submission ports instead.',
  fix: 'Configure the client for port 587 with STARTTLS, or 465 with SSL/TLS, and authentication. Only a mail server relaying to another needs port 25 (ask the network provider to unblock it).',
  references: ['RFC 6409 §1 and §3.1', 'RFC 8314 §3.3', 'RFC 5068 §3 (blocking port 25 on access networks)'],
  check(conv) {
    const t = conv.tcp;
    if (conv.protocol !== 'smtp' || conv.server.port !== 25 || !t?.noAnswer) return [];
    return [{
      frames: t.synFrames.length ? t.synFrames.slice(0, 8) : [conv.firstFrame],
      message: `${formatEndpoint(conv.server)} (SMTP port 25) never answered: networks commonly block outgoing port 25; a mail client should submit on 587 (STARTTLS) or 465 (TLS).`,
      args: { server: formatEndpoint(conv.server) },
    }];
  },
});
