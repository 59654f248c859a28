import { defineRule } from '../rule.js';

export const smtpSlowGreeting = defineRule({
  id: 'smtp.slow-greeting',
  severity: 'warning',
  title: 'Greeting delayed',
  explanation:
    'The server took long to send its 220 greeting after the TCP connection was set up. The usual causes are on the server: a reverse DNS lookup of the client that times out (slow or broken DNS), a deliberate greeting delay against spam bots (Postfix postscreen greet_wait, Sendmail greet_pause, Exim), or an overloaded server. Clients with short timeouts give up, and the user sees "cannot connect to the outgoing server".',
  fix: 'On the server, check DNS resolution (reverse lookups of client addresses), and exempt submission ports and authenticated users from greeting delays; on the client, raise the connection timeout.',
  references: ['RFC 5321 §4.5.3.2.1 (initial 220 message: 5 minutes)', 'https://www.postfix.org/POSTSCREEN_README.html', 'https://www.postfix.org/postconf.5.html#smtpd_peername_lookup'],
  check(conv, ctx) {
    if (conv.protocol !== 'smtp' || !conv.greeting || !conv.sawSyn) return [];
    const g = conv.events[conv.greeting.event];
    if (!g) return [];
    const delay = g.ts - conv.startTs;
    if (delay < ctx.options.slowResponseSec) return [];
    return [{
      frames: [g.frame],
      events: [g.n],
      message: `The server's greeting came ${delay.toFixed(1)} s after the connection was opened (threshold ${ctx.options.slowResponseSec} s).`,
      args: { seconds: Math.round(delay * 1000) / 1000, threshold: ctx.options.slowResponseSec },
    }];
  },
});
