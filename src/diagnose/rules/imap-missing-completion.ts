import { defineRule } from '../rule.js';
import { MAX_FRAMES_LISTED } from '../checks/anomalies.js';

export const imapMissingCompletion = defineRule({
  id: 'imap.missing-completion',
  severity: 'warning',
  title: 'Command never answered',
  explanation: 'A command got no tagged completion before the connection ended: the server hung or dropped the connection, the answer was lost in a capture gap, or the client gave up waiting. When only the capture stopped, this is just a fact (info).',
  fix: 'Look at what ended the connection (tcp.reset, imap.server-bye, tcp.gap) and at the server\'s load and logs for that time.',
  references: ['RFC 9051 §2.2.2 (every command gets a completion)'],
  check(conv) {
    if (conv.protocol !== 'imap') return [];
    const list = conv.anomalies.filter((a) => {
      if (a.code !== 'missing-completion') return false;
      // An IDLE still running is the normal state of a connected client, not a lost answer.
      const ex = a.event !== undefined ? conv.exchanges[conv.events[a.event]?.exchange ?? -1] : undefined;
      return ex?.command !== 'IDLE';
    });
    if (list.length === 0) return [];
    const first = list[0]!;
    const captureEnded = conv.tcp?.endReason === 'capture-end';
    return [{
      frames: [...new Set(list.map((a) => a.frame))].slice(0, MAX_FRAMES_LISTED),
      events: list.flatMap((a) => (a.event !== undefined ? [a.event] : [])).slice(0, MAX_FRAMES_LISTED),
      message: `${list.length === 1 ? 'A command' : `${list.length} commands`} never got a completion${captureEnded ? ' before the capture ended' : ''} (first at frame ${first.frame}${first.detail ? `: ${first.detail}` : ''}).`,
      args: { count: list.length, detail: first.detail ?? '', captureEnded },
      ...(captureEnded ? { severity: 'info' as const } : {}),
    }];
  },
});
