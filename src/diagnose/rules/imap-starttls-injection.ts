import { defineRule } from '../rule.js';
import { eachAnomaly } from '../checks/anomalies.js';

export const imapStarttlsInjection = defineRule({
  id: 'imap.starttls-injection',
  severity: 'warning',
  title: 'Cleartext sent around STARTTLS',
  explanation: 'Bytes followed STARTTLS in cleartext before TLS began: after the server\'s OK in the same segment, or commands the client pipelined behind STARTTLS. An attacker on the path can inject commands or responses this way that the endpoint then treats as protected (CVE-2011-0411 and the 2021 "NO STARTTLS" findings).',
  fix: 'Update server and client: after STARTTLS both must discard buffered cleartext. Prefer implicit TLS on port 993.',
  references: ['RFC 9051 §6.2.1', 'CVE-2011-0411', 'https://nostarttls.secvuln.info/'],
  live: true,
  check: (conv) => (conv.protocol === 'imap' ? eachAnomaly(conv, ['starttls-injection'], (a) => `Cleartext around STARTTLS at frame ${a.frame}${a.detail ? `: ${a.detail}` : ''}.`, 2) : []),
});
