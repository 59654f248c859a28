import { defineCaptureRule, type FindingDraft } from '../rule.js';
import type { LoginSummary } from '../ledger.js';
import { capabilityCommand } from '../view.js';

/** Names the decisive differences between a failed and a working login to the same server. */
export function loginDifferences(bad: LoginSummary, good: LoginSummary): string[] {
  const d: string[] = [];
  const method = (s: LoginSummary) => (s.mechanism ? `${s.command} ${s.mechanism}` : s.command);
  if (method(bad) !== method(good)) d.push(`the failing client used ${method(bad)}, the working one ${method(good)}`);
  if (bad.userForm !== good.userForm && bad.userForm !== undefined && good.userForm !== undefined) {
    d.push(`the user name was sent ${formName(bad.userForm)} instead of ${formName(good.userForm)}`);
  }
  if (bad.userShape !== good.userShape && bad.userShape !== 'unknown' && good.userShape !== 'unknown') {
    d.push(`the user name had the form ${shapeName(bad.userShape)} instead of ${shapeName(good.userShape)}`);
  } else if (bad.user !== undefined && good.user !== undefined && bad.user !== good.user) {
    d.push(`a different user name ("${bad.user}" vs "${good.user}")`);
  }
  if (bad.capabilityAsked !== good.capabilityAsked) {
    const cmd = capabilityCommand(bad.protocol);
    d.push(bad.capabilityAsked ? `the failing client asked ${cmd}, the working one did not` : `the failing client never asked ${cmd}, the working one did`);
  }
  if (bad.tls !== good.tls) d.push(bad.tls ? 'the failing login was inside TLS, the working one was not' : 'the failing login was not encrypted, the working one was inside TLS');
  if (bad.fingerprint !== undefined && good.fingerprint !== undefined) {
    d.push(bad.fingerprint === good.fingerprint ? 'the same password was used' : 'a different password was used');
  }
  return d;
}

function formName(form: string): string {
  return form === 'invalid' ? 'unquoted with characters an atom may not hold' : form === 'atom' ? 'as a bare atom' : form === 'quoted' ? 'quoted' : form === 'literal' ? 'as a literal' : `as ${form}`;
}

function shapeName(shape: LoginSummary['userShape']): string {
  return shape === 'domain\\user' ? 'DOMAIN\\user' : shape === 'user@domain' ? 'user@domain' : 'a bare name';
}

export const authContrastWithWorkingSession = defineCaptureRule({
  id: 'auth.contrast-with-working-session',
  severity: 'info',
  title: 'A failed login beside a working one',
  explanation:
    'The capture holds a failed and a successful login to the same server. Putting the two dialogues side by side is the quickest way to find the cause: the command and mechanism, how the user name was written and quoted, whether the client asked for capabilities, whether TLS was used, and whether the same password was sent.',
  fix: 'Make the failing client do what the working one does (the finding lists the differences): usually the login method, the user name form, or the quoting.',
  references: ['RFC 9051 §6.2 (client commands, not authenticated state)', 'RFC 1939 §7'],
  finish(ledger) {
    const out: FindingDraft[] = [];
    for (const server of ledger.servers.values()) {
      const good = server.firstSuccess;
      if (!good || !server.firstFailure) continue;
      // Prefer a client that never got in: that is the one the user is asking about.
      const stuck = [...server.clients.values()].find((c) => c.failures > 0 && c.successes === 0);
      const bad = stuck?.kept[0] ?? server.firstFailure;
      const diffs = loginDifferences(bad, good);
      const decisive = diffs.filter((x) => x !== 'the same password was used');
      out.push({
        conversation: bad.conversation,
        frames: [bad.frames[0], good.frames[0]].filter((f): f is number => f !== undefined),
        message: decisive.length
          ? `The login in connection ${bad.conversation} failed where connection ${good.conversation} to the same server (${server.server}) worked: ${diffs.join('; ')}.`
          : `The login in connection ${bad.conversation} failed where connection ${good.conversation} to the same server (${server.server}) worked, with no visible difference in method, user name form or TLS${diffs.length ? ` (${diffs.join('; ')})` : ''}.`,
        args: { failed: bad.conversation, worked: good.conversation, server: server.server, differences: diffs.join('; ') },
      });
    }
    return out;
  },
});
