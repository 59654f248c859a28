import { defineRule } from '../rule.js';
import { summariseAnomalies } from '../checks/anomalies.js';

export const imapInvalidTag = defineRule({
  id: 'imap.invalid-tag',
  severity: 'warning',
  title: 'Invalid command tag',
  explanation: 'A command\'s tag contains characters a tag may not hold (a tag is 1*<ASTRING-CHAR except "+">): e.g. `?` from a person typing in telnet is fine, but `*`, `%`, `(` or a quote are not. Servers may reject the command or answer with a tag the client cannot match.',
  fix: 'Use letters and digits for tags.',
  references: ['RFC 9051 §9 (tag)'],
  check: (conv) => (conv.protocol === 'imap' ? summariseAnomalies(conv, ['invalid-tag'], (n, a) => `${n === 1 ? 'A command' : `${n} commands`} used an invalid tag (first at frame ${a.frame}${a.detail ? `: ${a.detail}` : ''}).`) : []),
});
