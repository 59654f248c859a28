import { defineRule } from '../rule.js';
import { skippedCapabilityDrafts } from '../checks/skipped-capability.js';

export const pop3SkippedCapa = defineRule({
  id: 'pop3.skipped-capa',
  severity: 'info',
  title: 'Login without CAPA',
  explanation: 'The client logged in without asking CAPA, so it could not know whether the server offers STLS, which SASL mechanisms it accepts, or whether USER/PASS is allowed. Common with old clients and harmless when it works.',
  fix: 'If logins fail or go out in cleartext, make the client (or its newer version) use CAPA and STLS.',
  references: ['RFC 2449 §5 (CAPA)'],
  check: (conv) => (conv.protocol === 'pop3' ? skippedCapabilityDrafts(conv, 'CAPA') : []),
});
