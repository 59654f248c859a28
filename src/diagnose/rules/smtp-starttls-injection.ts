import { defineRule } from '../rule.js';
import { eachAnomaly } from '../checks/anomalies.js';

export const smtpStarttlsInjection = defineRule({
  id: 'smtp.starttls-injection',
  severity: 'error',
  title: 'Cleartext next to STARTTLS (command injection)',
  explanation:
    'Bytes were sent in cleartext after STARTTLS but before the TLS handshake: the client pipelined commands behind STARTTLS, or the server sent more after its 220. A server (or client) that keeps such buffered bytes and runs them inside the TLS session is open to command injection (CVE-2011-0411, the "STARTTLS injection" of Postfix and others; the 2021 NO STARTTLS study found it again in many clients).',
  fix: 'Update the server and the client: after STARTTLS both must discard anything buffered in cleartext (RFC 3207 §4.2). Prefer implicit TLS on port 465 (RFC 8314).',
  references: ['RFC 3207 §4.2', 'CVE-2011-0411', 'https://nostarttls.secvuln.info/', 'RFC 8314'],
  check: (conv) => (conv.protocol === 'smtp' ? eachAnomaly(conv, ['starttls-injection'], (a) => `Cleartext bytes around STARTTLS at frame ${a.frame}${a.detail ? `: ${a.detail}` : ''}.`, 2) : []),
});
