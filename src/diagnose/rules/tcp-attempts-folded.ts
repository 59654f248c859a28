import { defineCaptureRule, type FindingDraft } from '../rule.js';
import { formatEndpoint, type FoldedAttemptsEntry } from '../ledger.js';
import { TCP_LIMITS } from '../../tcp/limits.js';

/** Records reported one by one; the rest are summed into one last finding (a scan from thousands of sources). */
export const MAX_FOLDED_FINDINGS = 100;

const n = (x: number): string => x.toLocaleString('en-US');

/** Many failed connection attempts from one client to one server port, counted instead of reported one by one. */
export const tcpAttemptsFolded = defineCaptureRule({
  id: 'tcp.attempts-folded',
  severity: 'warning',
  title: 'Many failed connection attempts from one client, counted together',
  explanation:
    `After ${TCP_LIMITS.FOLD_AFTER_ATTEMPTS} failed connection attempts (no answer, or refused with RST) from one client to one server port, mailwire counts the further failed attempts in one record instead of reporting each as a conversation: a SYN flood, a port scan or a client retrying a server that is down or filtered. The first ${TCP_LIMITS.FOLD_AFTER_ATTEMPTS} are reported as conversations (tcp.no-answer, tcp.refused); attempts the server answers are always dissected.`,
  fix: 'If the source is not yours, it is scanning or flooding the server: rate-limit or block it at the firewall (e.g. SYN cookies, a connection-rate limit per source). If it is a mail client, the server is unreachable from it: see tcp.no-answer and tcp.refused for the first attempts.',
  references: ['RFC 4987 (TCP SYN flooding attacks and common mitigations)'],
  finish(ledger) {
    const records = ledger.foldedAttempts;
    const out: FindingDraft[] = records.slice(0, MAX_FOLDED_FINDINGS).map(draft);
    const rest = records.slice(MAX_FOLDED_FINDINGS);
    if (rest.length > 0) {
      const attempts = rest.reduce((a, r) => a + r.attempts, 0);
      out.push({
        frames: [],
        message: `${n(attempts)} more failed connection attempts from ${n(rest.length)} more client/server-port pairs were counted without being listed one by one.`,
        args: { attempts, pairs: rest.length },
      });
    }
    return out;
  },
});

function draft(r: FoldedAttemptsEntry): FindingDraft {
  const how = r.refused === 0 ? 'no answer' : r.unanswered === 0 ? 'refused' : `${n(r.unanswered)} no answer, ${n(r.refused)} refused`;
  const span = `${new Date(r.firstTs * 1000).toISOString()} to ${new Date(r.lastTs * 1000).toISOString()}`;
  return {
    frames: r.firstFrame === r.lastFrame ? [r.firstFrame] : [r.firstFrame, r.lastFrame],
    message: `${r.client} made ${n(r.attempts)} more failed connection attempt${r.attempts === 1 ? '' : 's'} to ${formatEndpoint({ ip: r.server, port: r.serverPort })} (${how}; ${n(r.syns)} SYNs), frames ${n(r.firstFrame)} to ${n(r.lastFrame)}${r.input ? ` of ${r.input}` : ''}, ${span}: counted here instead of one conversation each.`,
    args: { client: r.client, server: formatEndpoint({ ip: r.server, port: r.serverPort }), attempts: r.attempts, unanswered: r.unanswered, refused: r.refused, syns: r.syns, firstFrame: r.firstFrame, lastFrame: r.lastFrame },
  };
}
