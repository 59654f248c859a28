import { defineRule } from '../rule.js';
import { eachAnomaly } from '../checks/anomalies.js';

export const smtpPipeliningWithoutCapability = defineRule({
  id: 'smtp.pipelining-without-capability',
  severity: 'warning',
  title: 'Commands pipelined without PIPELINING',
  explanation:
    'The client sent a command before the reply to the previous one, but the server\'s EHLO reply did not list PIPELINING (RFC 2920). Servers may then lose the extra commands or refuse them (Postfix reject_unauth_pipelining: `554 5.5.0 Error: SMTP protocol synchronization`).',
  fix: 'Configure the client to wait for each reply, or enable PIPELINING on the server.',
  references: ['RFC 2920 §3', 'https://www.postfix.org/postconf.5.html#reject_unauth_pipelining'],
  check: (conv) => (conv.protocol === 'smtp' ? eachAnomaly(conv, ['pipelining-without-capability'], (a) => `The client pipelined commands though the server did not offer PIPELINING (frame ${a.frame}${a.detail ? `: ${a.detail}` : ''}).`, 1) : []),
});
