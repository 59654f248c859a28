import { defineRule, type FindingDraft } from '../rule.js';
import { capabilitiesAt, exchangeEvents, exchangeFrames } from '../view.js';

export const imapMechanismNotAdvertised = defineRule({
  id: 'imap.mechanism-not-advertised',
  severity: 'warning',
  title: 'SASL mechanism the server did not list',
  explanation: 'The client used AUTHENTICATE with a mechanism that was not among the AUTH=... capabilities the server had announced at that point (perhaps it is offered only after STARTTLS). The server is likely to refuse it.',
  fix: 'Pick a mechanism from the server\'s list (see its CAPABILITY answer), or use STARTTLS first if the mechanism is only offered inside TLS.',
  references: ['RFC 9051 §6.2.2 (AUTHENTICATE)', 'RFC 4422 §3.1 (mechanism negotiation)'],
  live: true,
  check(conv) {
    if (conv.protocol !== 'imap') return [];
    const out: FindingDraft[] = [];
    for (const a of conv.auth) {
      if (a.method !== 'AUTHENTICATE' || !a.mechanism) continue;
      const ex = conv.exchanges[a.exchange];
      if (!ex) continue;
      const caps = capabilitiesAt(conv, ex.commandFrame);
      if (!caps) continue;
      const offered = [...caps.list].filter((c) => c.startsWith('AUTH=')).map((c) => c.slice(5));
      if (offered.includes(a.mechanism)) continue;
      out.push({
        frames: exchangeFrames(ex),
        events: exchangeEvents(ex),
        message: `The client used AUTHENTICATE ${a.mechanism}, which the server did not list (it offered ${offered.length ? offered.join(', ') : 'no SASL mechanism'} at frame ${caps.frame}).`,
        args: { mechanism: a.mechanism, offered: offered.join(' '), outcome: a.outcome },
      });
    }
    return out;
  },
});
