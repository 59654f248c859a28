import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const cyrusPlaintextDisallowed = defineRule({
  id: 'cyrus.plaintext-disallowed',
  severity: 'error',
  title: 'Cyrus refuses cleartext login',
  explanation:
    'Cyrus answered `Login only available under a layer` (or `USER command only available under a layer`): with allowplaintext: no it accepts passwords only once TLS (a security layer) is active.',
  fix: 'Use TLS (993/995, or STARTTLS/STLS first). Only on a trusted network: allowplaintext: yes in imapd.conf.',
  references: ['Cyrus imapd.conf(5) allowplaintext'],
  check: (conv, ctx) => vendorDrafts(conv, 'cyrus.plaintext-disallowed', ctx),
});
