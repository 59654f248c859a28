/**
 * Report filters applied after the analysis (`read --client/--server/--user/--finding/--conversation`):
 * which conversations and cross-conversation findings a report shows. The analysis itself always
 * sees every conversation, so findings across conversations (repeated failures, contrasts) are the
 * same with or without a selection.
 */
import type { Conversation, Finding } from '../model/conversation.js';
import type { Endpoint } from '../tcp/stream.js';

export interface Selection {
  /** Client address: an IP (any port), or IP:port ([v6]:port). */
  client?: string;
  server?: string;
  /** A user name some login of the conversation used (exact, case-insensitive). */
  user?: string;
  /** A finding id or glob (`imap.*`, `*cleartext*`): the conversation has such a finding. */
  finding?: string;
  /** The conversation's number (#N in the reports). */
  conversation?: number;
}

export function isEmptySelection(s: Selection): boolean {
  return s.client === undefined && s.server === undefined && s.user === undefined && s.finding === undefined && s.conversation === undefined;
}

/** An address option as IP and optional port: 10.0.0.1, 10.0.0.1:143, 2001:db8::1, [2001:db8::1]:993. */
export function parseAddress(text: string): { ip: string; port?: number } | undefined {
  const t = text.trim();
  let m = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(t);
  if (!m) m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(t);
  if (!m && /^[0-9a-fA-F:.]+$/.test(t) && t.includes(':')) m = [t, t, undefined] as unknown as RegExpExecArray;
  if (!m) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return port === undefined ? { ip: m[1]!.toLowerCase() } : { ip: m[1]!.toLowerCase(), port };
}

function endpointMatches(e: Endpoint, want: { ip: string; port?: number }): boolean {
  return e.ip.toLowerCase() === want.ip && (want.port === undefined || e.port === want.port);
}

/** A glob (`*` any run, `?` one character) as an anchored regular expression. */
export function globPattern(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** The predicate of a selection (addresses already checked by parseAddress). */
export function selector(s: Selection): { conversation(c: Conversation): boolean; finding(f: Finding): boolean } {
  const client = s.client === undefined ? undefined : parseAddress(s.client);
  const server = s.server === undefined ? undefined : parseAddress(s.server);
  const user = s.user?.toLowerCase();
  const finding = s.finding === undefined ? undefined : globPattern(s.finding);
  return {
    conversation: (c) =>
      (s.conversation === undefined || c.id === s.conversation) &&
      (client === undefined || endpointMatches(c.client, client)) &&
      (server === undefined || endpointMatches(c.server, server)) &&
      (user === undefined || c.auth.some((a) => a.user?.toLowerCase() === user)) &&
      (finding === undefined || c.findings.some((f) => finding.test(f.id))),
    finding: (f) => finding === undefined || finding.test(f.id),
  };
}
