import { defineRule } from '../rule.js';
import { eachAnomaly } from '../checks/anomalies.js';

export const smtpEarlyTalker = defineRule({
  id: 'smtp.early-talker',
  severity: 'warning',
  title: 'Client talked before the greeting',
  explanation:
    'The client sent a command before the server\'s 220 greeting. RFC 5321 §3.1 has the client wait for it, and RFC 2920 allows pipelining only after EHLO. Spam bots do this, so servers punish it: Postfix postscreen (greet action), Exim and Sendmail (greet_pause) drop or refuse such clients, which the user sees as a connection that closes for no reason.',
  fix: 'Fix or reconfigure the client (or the load balancer / proxy in front of the server that may have delayed the greeting) so that it waits for the 220 greeting before EHLO.',
  references: ['RFC 5321 §3.1 and §4.3.1', 'https://www.postfix.org/POSTSCREEN_README.html', 'RFC 2920 §3.1'],
  check: (conv) => (conv.protocol === 'smtp' ? eachAnomaly(conv, ['early-talker'], (a) => `The client sent a command before the server's greeting (frame ${a.frame}${a.detail ? `: ${a.detail}` : ''}).`, 1) : []),
});
