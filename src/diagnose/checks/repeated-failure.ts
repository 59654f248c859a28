/** The same client failing to log in again and again (imap/pop3/smtp.repeated-login-failure). */
import type { MailProtocol } from '../../model/conversation.js';
import type { FindingDraft } from '../rule.js';
import type { CaptureLedger } from '../ledger.js';

/** Failures from one client to one server, from which the "endless password prompt" is reported. */
export const REPEATED_FAILURE_THRESHOLD = 3;

export function repeatedFailureDrafts(ledger: CaptureLedger, protocol: MailProtocol): FindingDraft[] {
  const out: FindingDraft[] = [];
  for (const server of ledger.servers.values()) {
    if (server.protocol !== protocol) continue;
    for (const c of server.clients.values()) {
      if (c.failures < REPEATED_FAILURE_THRESHOLD) continue;
      const kept = c.kept;
      const users = [...new Set(kept.map((k) => k.user ?? '?'))];
      const prints = kept.map((k) => k.fingerprint).filter((f): f is string => f !== undefined);
      const samePassword = prints.length >= 2 && prints.every((p) => p === prints[0]);
      const secretNote = prints.length >= 2 ? (samePassword ? ', with the same password each time' : `, with ${new Set(prints).size} different passwords`) : '';
      const last = kept[kept.length - 1]!;
      const reply = last.responseText !== undefined ? ` (last answer: "${last.responseCode ? `[${last.responseCode}] ` : ''}${last.responseText}")` : '';
      out.push({
        conversation: last.conversation,
        frames: kept.map((k) => k.frames[0]!).filter((f) => f !== undefined).slice(0, 8),
        message:
          `${c.client} failed to log in to ${server.server} ${c.failures} times in ${c.failedConversations} connection${c.failedConversations > 1 ? 's' : ''}` +
          `${users.length === 1 && users[0] !== '?' ? ` as "${users[0]}"` : users.length > 1 ? ` with ${users.length} user names` : ''}${secretNote}${c.successes > 0 ? `, and succeeded ${c.successes} time${c.successes > 1 ? 's' : ''}` : ''}${reply}.`,
        args: {
          client: c.client,
          server: server.server,
          failures: c.failures,
          connections: c.failedConversations,
          successes: c.successes,
          users: users.length,
          samePassword,
          conversations: [...new Set(kept.map((k) => k.conversation))].join(','),
        },
      });
    }
  }
  return out;
}
