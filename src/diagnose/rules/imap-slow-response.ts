import { defineRule } from '../rule.js';

/** Slow commands named in the message. */
const MAX_LISTED = 3;

export const imapSlowResponse = defineRule({
  id: 'imap.slow-response',
  severity: 'warning',
  title: 'Slow server responses',
  explanation: 'Commands took longer than the threshold (default 5 s, set with --slow-response) between the command and its completion, not counting IDLE waits and the user\'s time in SASL exchanges. Slow logins point at the authentication back end (LDAP, Active Directory); slow SELECT/FETCH at storage or a large mailbox.',
  fix: 'Check the server\'s load and its authentication or storage back end at the times shown; for large mailboxes, use a client that fetches incrementally.',
  references: ['RFC 9051 §5.4 (autologout timer)'],
  check(conv, ctx) {
    if (conv.protocol !== 'imap') return [];
    const limit = ctx.options.slowResponseSec;
    const slow = conv.exchanges.filter((x) => x.command !== 'IDLE' && x.responseTime !== undefined && x.responseTime > limit).sort((a, b) => b.responseTime! - a.responseTime!);
    if (slow.length === 0) return [];
    const listed = slow.slice(0, MAX_LISTED).map((x) => `${x.command} ${x.responseTime!.toFixed(1)} s (frame ${x.commandFrame})`);
    return [{
      frames: slow.slice(0, 8).map((x) => x.commandFrame),
      events: slow.slice(0, 8).map((x) => x.commandEvent).filter((e) => e >= 0),
      message: `${slow.length} command${slow.length > 1 ? 's' : ''} took longer than ${limit} s: ${listed.join(', ')}${slow.length > MAX_LISTED ? ', ...' : ''}.`,
      args: { count: slow.length, thresholdSec: limit, slowestSec: Number(slow[0]!.responseTime!.toFixed(3)), slowestCommand: slow[0]!.command },
    }];
  },
});
