import { defineRule } from '../rule.js';
import { skippedCapabilityDrafts } from '../checks/skipped-capability.js';

export const imapSkippedCapability = defineRule({
  id: 'imap.skipped-capability',
  severity: 'warning',
  title: 'Login without asking CAPABILITY',
  explanation:
    'The client tried to log in without sending CAPABILITY, and the greeting carried no [CAPABILITY] code, so it could not know whether the server forbids LOGIN (LOGINDISABLED), which SASL mechanisms it offers, or whether STARTTLS is available. Clients that skip it often use the wrong login method.',
  fix: 'Use a client that asks CAPABILITY (or reads the greeting\'s code) before logging in; compare with a working client\'s dialogue.',
  references: ['RFC 9051 §6.1.1 (CAPABILITY)', 'RFC 9051 §6.2.3 (LOGINDISABLED)'],
  check: (conv) => (conv.protocol === 'imap' ? skippedCapabilityDrafts(conv, 'CAPABILITY') : []),
});
