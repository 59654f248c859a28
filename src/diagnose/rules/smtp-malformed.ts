import { defineRule } from '../rule.js';
import { malformedDrafts } from '../checks/malformed.js';

export const smtpMalformed = defineRule({
  id: 'smtp.malformed',
  severity: 'warning',
  title: 'Lines that are not SMTP',
  explanation:
    'Some lines of the dialogue did not follow the SMTP grammar (RFC 5321 §4.1, §4.2): a server line without a three-digit reply code, a client line without a command verb. Either the port is not speaking SMTP (a TLS client on a STARTTLS port, a proxy banner, another protocol), or one side is broken.',
  fix: 'Look at the first malformed line: TLS bytes mean a security setting mismatch (465 is implicit TLS, 587 and 25 start in cleartext); otherwise compare with RFC 5321.',
  references: ['RFC 5321 §4.1 and §4.2'],
  check: (conv) => (conv.protocol === 'smtp' ? malformedDrafts(conv) : []),
});
