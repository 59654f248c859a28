import { defineRule } from '../rule.js';
import { eachAnomaly } from '../checks/anomalies.js';

export const pop3StarttlsInjection = defineRule({
  id: 'pop3.starttls-injection',
  severity: 'warning',
  title: 'Cleartext sent around STLS',
  explanation: 'Bytes were sent after STLS in cleartext before TLS began (after the server\'s +OK in the same segment, or by the client before the answer). An attacker on the path can use this to inject commands that the endpoint then treats as protected (CVE-2011-0411 family).',
  fix: 'Update the server/client: after STLS both must discard any buffered cleartext.',
  references: ['RFC 2595 §4', 'CVE-2011-0411', 'https://nostarttls.secvuln.info/'],
  live: true,
  check: (conv) => (conv.protocol === 'pop3' ? eachAnomaly(conv, ['starttls-injection'], (a) => `Cleartext bytes around STLS at frame ${a.frame}${a.detail ? `: ${a.detail}` : ''}.`, 2) : []),
});
