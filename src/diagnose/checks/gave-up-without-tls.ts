/**
 * The client left without logging in because the server refuses cleartext logins (IMAP
 * LOGINDISABLED; POP3 a CAPA without USER, as Dovecot's before STLS) and the client is not set to
 * use TLS: the session ends with no login at all, and the reason is in the capability list.
 */
import type { Conversation } from '../../model/conversation.js';
import type { FindingDraft } from '../rule.js';
import { capabilitiesAt, loginDisabledAt, loginViews } from '../view.js';

export function gaveUpWithoutTlsDrafts(conv: Conversation): FindingDraft[] {
  if (conv.transport.security !== 'plain' || conv.auth.length > 0 || loginViews(conv).length > 0) return [];
  const end = conv.tcp?.lastFrame ?? Number.MAX_SAFE_INTEGER;
  const caps = capabilitiesAt(conv, end);
  if (!caps || loginDisabledAt(conv, end) !== true) return [];
  const imap = conv.protocol === 'imap';
  const upgrade = imap ? 'STARTTLS' : 'STLS';
  const offered = caps.list.has(upgrade);
  const farewell = conv.exchanges.find((x) => x.command === (imap ? 'LOGOUT' : 'QUIT'));
  const closedBy = conv.tcp?.resetBy ?? conv.tcp?.finBy;
  // Only a client that ended the session itself gave up; a server that hung up is another story.
  if (!farewell && closedBy !== 'client') return [];
  const refusal = imap ? 'the server advertised LOGINDISABLED (no cleartext LOGIN on this connection)' : "the server's CAPA offered no USER (no cleartext USER/PASS on this connection)";
  const ending = farewell ? `sent ${farewell.command}` : 'closed the connection';
  const tlsPort = imap ? 993 : 995;
  return [{
    frames: [caps.frame, ...(farewell ? [farewell.commandFrame] : [])],
    events: farewell && farewell.commandEvent >= 0 ? [farewell.commandEvent] : [],
    message: `The client ${ending} without trying to log in: ${refusal} at frame ${caps.frame}${offered ? `, and offered ${upgrade}, which the client did not use` : ''}. Set the client to use ${offered ? `${upgrade} on this port or ` : ''}TLS on port ${tlsPort}.`,
    args: { upgradeOffered: offered, capabilitiesFrame: caps.frame, ended: farewell ? farewell.command : 'close' },
  }];
}
