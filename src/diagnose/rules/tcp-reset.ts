import type { Conversation } from '../../model/conversation.js';
import { defineRule } from '../rule.js';
import { formatEndpoint } from '../ledger.js';
import { tlsOf } from './tls-view.js';

const FAREWELL = /^(LOGOUT|QUIT)$/;
/** TLS close_notify (RFC 8446 §6.1). */
const CLOSE_NOTIFY = 0;

/**
 * How the session had already ended when the reset came, or undefined when the reset cut a live
 * session. A client that has said LOGOUT/QUIT, sent close_notify or FIN, resets when the server's
 * last bytes (its close_notify, its FIN) reach the closed socket: the ordinary teardown of many
 * TLS clients (mbsync, neomutt, fetchmail, curl).
 */
export function endedBeforeReset(conv: Conversation): string | undefined {
  const t = conv.tcp;
  if (!t?.resetBy) return undefined;
  const at = t.resetFrame ?? t.lastFrame;
  const farewell = conv.exchanges.find((x) => FAREWELL.test(x.command) && x.commandFrame <= at);
  if (farewell) return `${farewell.command} ${farewell.status !== undefined ? 'answered' : 'sent'}`;
  const close = tlsOf(conv)?.alerts.find((a) => a.description === CLOSE_NOTIFY && a.frame <= at);
  if (close) return `the ${close.sender} had sent a TLS close_notify`;
  if (t.finBy) return `the ${t.finBy} had closed its side with FIN`;
  return undefined;
}

/** The established connection was reset (by whom). */
export const tcpReset = defineRule({
  id: 'tcp.reset',
  severity: 'warning',
  title: 'Connection reset',
  explanation:
    'The connection ended with a TCP reset instead of an orderly close. A reset is a problem when it cuts a session that was still going: a reset by the server often means it crashed, hit a limit, or a middlebox (firewall, load balancer, antivirus proxy) cut the connection; a reset by the client often means the application was killed or gave up. A reset after the session had ended (LOGOUT/QUIT, a TLS close_notify, a FIN) is the ordinary teardown of many clients, which reset when the server\'s last bytes reach their closed socket: reported as info. A reset after a fatal TLS alert is the alert\'s consequence, said in tls.alert.',
  fix: 'Look at what was said just before the reset: a refused login, a command the server disliked, or a long silence (an idle timeout on a firewall or load balancer). Check middleboxes that may inject resets.',
  references: ['RFC 9293 §3.5.2 (reset)', 'RFC 8446 §6.1 (closure alerts)'],
  check(conv) {
    const t = conv.tcp;
    if (!t?.resetBy || t.refused) return [];
    const at = t.resetFrame ?? t.lastFrame;
    // After a fatal alert the reset is its consequence: tls.alert says so.
    if (tlsOf(conv)?.alerts.some((a) => a.level === 'fatal' && a.frame <= at)) return [];
    const ended = endedBeforeReset(conv);
    const who = t.resetBy === 'server' ? `the server (${formatEndpoint(conv.server)})` : `the client (${conv.client.ip})`;
    const draft = {
      frames: t.resetFrame !== undefined ? [t.resetFrame] : [t.lastFrame],
      message: ended
        ? `The connection was reset by ${who} after the session had ended (${ended}): an ordinary teardown.`
        : `The connection was reset by ${who} in the middle of the session.`,
      args: { by: t.resetBy, afterLogout: ended !== undefined, ended: ended ?? '' },
    };
    return [ended ? { ...draft, severity: 'info' as const } : draft];
  },
});
