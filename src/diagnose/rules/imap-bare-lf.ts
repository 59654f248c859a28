import { defineRule } from '../rule.js';
import { summariseAnomalies } from '../checks/anomalies.js';

export const imapBareLf = defineRule({
  id: 'imap.bare-lf',
  severity: 'warning',
  title: 'Lines ending in LF without CR',
  explanation: 'IMAP lines must end with CRLF. Some ended with a bare LF: scripts and telnet clients on Unix do this; many servers tolerate it, some wait for the CR forever or join lines.',
  fix: 'Send CRLF line endings (in scripts: `\\r\\n`; with netcat: `nc -C`).',
  references: ['RFC 9051 §2.2 (CRLF)'],
  check: (conv) => (conv.protocol === 'imap' ? summariseAnomalies(conv, ['bare-lf'], (_n, a) => `${a.detail ? a.detail.charAt(0).toUpperCase() + a.detail.slice(1) : 'Lines ended with LF alone'} (first at frame ${a.frame}).`) : []),
});
