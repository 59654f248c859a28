import { defineRule } from '../rule.js';
import { formatEndpoint } from '../ledger.js';

const FAREWELL = /^(LOGOUT|QUIT)$/;

/** The established connection was reset (by whom). */
export const tcpReset = defineRule({
  id: 'tcp.reset',
  severity: 'warning',
  title: 'Connection reset',
  explanation:
    'The connection ended with a TCP reset instead of an orderly close. A reset by the server in the middle of a session often means it crashed, hit a limit, or a middlebox (firewall, load balancer, antivirus proxy) cut the connection; a reset by the client often means the application was killed or gave up. Many clients reset right after LOGOUT/QUIT, which is harmless.',
  fix: 'Look at what was said just before the reset: a refused login, a command the server disliked, or a long silence (an idle timeout on a firewall or load balancer). Check middleboxes that may inject resets.',
  references: ['RFC 9293 §3.5.2 (reset)'],
  check(conv) {
    const t = conv.tcp;
    if (!t?.resetBy || t.refused) return [];
    // A reset after the session said goodbye is a common shortcut, not a problem.
    const farewell = conv.exchanges.some((x) => FAREWELL.test(x.command) && x.status !== undefined);
    const who = t.resetBy === 'server' ? `the server (${formatEndpoint(conv.server)})` : `the client (${conv.client.ip})`;
    const draft = {
      frames: t.resetFrame !== undefined ? [t.resetFrame] : [t.lastFrame],
      message: farewell
        ? `The connection was reset by ${who} after the session had ended (${conv.protocol === 'pop3' ? 'QUIT' : 'LOGOUT'} answered).`
        : `The connection was reset by ${who} in the middle of the session.`,
      args: { by: t.resetBy, afterLogout: farewell },
    };
    return [farewell ? { ...draft, severity: 'info' as const } : draft];
  },
});
