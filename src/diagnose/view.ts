/**
 * Read-only views over the Conversation model that several rules share (one piece of code for one
 * piece of logic): the parsed form of a command, the capabilities in force at a point, whether the
 * connection was encrypted then, the login attempts (including would-be logins with a wrong command).
 */
import { memoInPass } from './run-memo.js';
import type { AuthAttempt, Conversation, DialogueEvent, Exchange, SecretFacts } from '../model/conversation.js';
import type { ImapCommand, ImapParsed } from '../protocols/imap/types.js';
import type { Pop3Command, Pop3Parsed } from '../protocols/pop3/types.js';
import type { ReplyContext } from './knowledge/reply-knowledge.js';
import { serverProduct } from './knowledge/products.js';

export function imapParsed(ev: DialogueEvent | undefined): ImapParsed | undefined {
  return ev?.parsed as ImapParsed | undefined;
}

export function pop3Parsed(ev: DialogueEvent | undefined): Pop3Parsed | undefined {
  return ev?.parsed as Pop3Parsed | undefined;
}

/** The IMAP command line of an exchange, parsed. */
export function imapCommandOf(conv: Conversation, ex: Exchange): ImapCommand | undefined {
  if (conv.protocol !== 'imap') return undefined;
  const p = imapParsed(conv.events[ex.commandEvent]);
  return p?.type === 'command' ? p : undefined;
}

/** The POP3 command line of an exchange, parsed. */
export function pop3CommandOf(conv: Conversation, ex: Exchange): Pop3Command | undefined {
  if (conv.protocol !== 'pop3') return undefined;
  const p = pop3Parsed(conv.events[ex.commandEvent]);
  return p?.type === 'command' ? p : undefined;
}

/** Frames of an exchange: the command's, then the completion's when there is one. */
export function exchangeFrames(ex: Exchange): number[] {
  return ex.completionFrame !== undefined && ex.completionFrame !== ex.commandFrame ? [ex.commandFrame, ex.completionFrame] : [ex.commandFrame];
}

/** Events of an exchange: the command's, then the completion's when there is one. */
export function exchangeEvents(ex: Exchange): number[] {
  const out: number[] = [];
  if (ex.commandEvent >= 0) out.push(ex.commandEvent);
  if (ex.completionEvent !== undefined && ex.completionEvent >= 0) out.push(ex.completionEvent);
  return out;
}

/** The capability list (upper-cased) in force at `frame`: the latest one the server sent before it. */
export function capabilitiesAt(conv: Conversation, frame: number): { list: Set<string>; phase: string; frame: number } | undefined {
  let best: Conversation['capabilities'][number] | undefined;
  for (const c of conv.capabilities) if (c.frame <= frame && (!best || c.frame >= best.frame)) best = c;
  if (!best) return undefined;
  return { list: new Set(best.list.map((s) => s.toUpperCase())), phase: best.phase, frame: best.frame };
}

/**
 * Whether plaintext login was refused in advance at `frame`: IMAP LOGINDISABLED advertised; POP3 a
 * CAPA without USER. undefined when no capability list was seen.
 */
export function loginDisabledAt(conv: Conversation, frame: number): boolean | undefined {
  const caps = capabilitiesAt(conv, frame);
  if (!caps) return undefined;
  if (conv.protocol === 'pop3') return ![...caps.list].some((c) => c === 'USER' || c.startsWith('USER '));
  // SMTP: a server that offers AUTH only inside TLS does not list it in EHLO before STARTTLS (RFC 4954 §4).
  if (conv.protocol === 'smtp') return ![...caps.list].some((c) => c === 'AUTH' || c.startsWith('AUTH ') || c.startsWith('AUTH='));
  return caps.list.has('LOGINDISABLED');
}

/** The connection was encrypted when event `n` was sent (implicit TLS, or after a STARTTLS switch). */
export function encryptedAt(conv: Conversation, n: number): boolean {
  if (conv.transport.security === 'implicit-tls') return true;
  for (const ev of conv.events) {
    if (ev.n >= n) break;
    if (ev.kind === 'tls') return true;
  }
  return false;
}

/** The command that asks the server's capabilities: CAPABILITY (IMAP), CAPA (POP3), EHLO (SMTP). */
export function capabilityCommand(protocol: Conversation['protocol']): string {
  return protocol === 'pop3' ? 'CAPA' : protocol === 'smtp' ? 'EHLO' : 'CAPABILITY';
}

/** The reply status means success: OK (IMAP), +OK (POP3), 2xx or the intermediate 3xx (SMTP). */
export function succeeded(conv: Conversation, status: string): boolean {
  if (conv.protocol === 'smtp') return status[0] === '2' || status[0] === '3';
  return status === 'OK' || status === '+OK';
}

/** The client asked for capabilities (CAPABILITY / CAPA / EHLO) before `frame`, or the greeting carried them. */
export function capabilityKnownBefore(conv: Conversation, frame: number): { asked: boolean; inGreeting: boolean } {
  const cmd = capabilityCommand(conv.protocol);
  const asked = conv.exchanges.some((x) => x.command === cmd && x.commandFrame <= frame);
  const inGreeting = conv.capabilities.some((c) => c.phase === 'greeting' && c.frame <= frame);
  return { asked, inGreeting };
}

/** Commands that an unknown command was probably meant to be a login with. */
const LOGIN_LIKE = /^(AUTH|AUTHENTICATION|LOGON|LOG|SIGNIN|USER|PASS|APOP|LOGIN|AUTHENTICATE)$/;

/** One login attempt, whether the server understood it as one (AuthAttempt) or not (a wrong command). */
export interface LoginView {
  /** The AuthAttempt, when the login used a command the protocol has (LOGIN, AUTHENTICATE, USER/PASS...). */
  attempt?: AuthAttempt;
  /**
   * The password/token facts (never shown, compared by fingerprint): the attempt's, also for a
   * would-be login with a wrong command (`AUTH user pass`), which the dissector records as an
   * AuthAttempt on an unknown exchange but which stays a wrong command here (no `attempt`).
   */
  secret?: SecretFacts;
  exchange: Exchange;
  /** The command as the client sent it (upper-cased): LOGIN, AUTHENTICATE, AUTH, USER/PASS, APOP... */
  command: string;
  mechanism?: string;
  /** User name (not a secret), when known. */
  user?: string;
  /** How the user name was written: 'atom' | 'quoted' | 'literal' | 'invalid' | 'sasl' | 'line'. */
  userForm?: string;
  outcome: AuthAttempt['outcome'];
  encrypted: boolean;
  frames: number[];
}

/** The conversation's login attempts as the rules see them (read-only: memoised within a pass of the rules). */
export const loginViews: (conv: Conversation) => readonly LoginView[] = memoInPass(collectLoginViews);

function collectLoginViews(conv: Conversation): LoginView[] {
  const out: LoginView[] = [];
  const covered = new Set<number>();
  const wouldBe = new Map<number, AuthAttempt>();
  for (const a of conv.auth) {
    const ex = conv.exchanges[a.exchange];
    if (!ex) continue;
    if (!ex.known) {
      // A would-be login with a command the protocol does not have: a wrong command (below), with its user and secret.
      wouldBe.set(ex.n, a);
      continue;
    }
    covered.add(ex.n);
    const v: LoginView = { attempt: a, exchange: ex, command: a.method, outcome: a.outcome, encrypted: a.encrypted, frames: a.frames.length ? a.frames : exchangeFrames(ex) };
    if (a.mechanism !== undefined) v.mechanism = a.mechanism;
    if (a.user !== undefined) v.user = a.user;
    if (a.userForm !== undefined) v.userForm = a.userForm;
    if (a.secret !== undefined) v.secret = a.secret;
    // The IMAP parser tells an unquoted DOMAIN\user ('invalid') from a plain atom.
    const login = imapCommandOf(conv, ex)?.login;
    if (login && a.method === 'LOGIN') v.userForm = login.user.form;
    out.push(v);
  }
  for (const ex of conv.exchanges) {
    if (covered.has(ex.n) || ex.known || !(LOGIN_LIKE.test(ex.command) || wouldBe.has(ex.n))) continue;
    const v: LoginView = {
      exchange: ex,
      command: ex.command,
      outcome: ex.status === undefined ? 'unknown' : succeeded(conv, ex.status) ? 'ok' : 'failed',
      encrypted: encryptedAt(conv, ex.commandEvent),
      frames: exchangeFrames(ex),
    };
    const cmd = imapCommandOf(conv, ex);
    const first = cmd?.args[0];
    if (first) {
      if (first.t === 'atom') Object.assign(v, { user: first.v, userForm: 'atom' });
      else if (first.t === 'quoted') Object.assign(v, { user: first.v, userForm: 'quoted' });
      else if (first.t === 'invalid') Object.assign(v, { user: first.raw, userForm: 'invalid' });
    }
    const p3 = pop3CommandOf(conv, ex);
    if (p3 && p3.args[0] !== undefined && ex.command !== 'PASS') Object.assign(v, { user: p3.args[0], userForm: 'line' });
    const a = wouldBe.get(ex.n);
    if (a?.user !== undefined) Object.assign(v, { user: a.user, userForm: v.userForm ?? a.userForm });
    if (a?.secret !== undefined) v.secret = a.secret;
    out.push(v);
  }
  return out.sort((a, b) => a.exchange.n - b.exchange.n);
}

/** The user name's form: 'DOMAIN\\user', 'user@domain' or a bare name. */
export function userShape(user: string | undefined): 'domain\\user' | 'user@domain' | 'bare' | 'unknown' {
  if (user === undefined) return 'unknown';
  if (user.includes('\\')) return 'domain\\user';
  if (user.includes('@')) return 'user@domain';
  return 'bare';
}

/** The circumstances of the reply that completed `ex`, for the knowledge base. */
export function replyContextOf(conv: Conversation, ex: Exchange): ReplyContext | undefined {
  if (ex.status === undefined || conv.protocol === 'unknown') return undefined;
  const product = serverProduct(conv);
  const r: ReplyContext = {
    product: product.key,
    protocol: conv.protocol,
    status: ex.status,
    text: ex.responseText ?? '',
    command: ex.command,
    serverPort: conv.server.port,
    encrypted: encryptedAt(conv, ex.commandEvent),
  };
  if (product.version !== undefined) r.version = product.version;
  if (ex.responseCode !== undefined) r.code = ex.responseCode;
  const disabled = loginDisabledAt(conv, ex.commandFrame);
  if (disabled !== undefined) r.loginDisabled = disabled;
  return r;
}

/** The tagged/POP3 status event that completed an exchange. */
export function completionOf(conv: Conversation, ex: Exchange): DialogueEvent | undefined {
  return ex.completionEvent !== undefined ? conv.events[ex.completionEvent] : undefined;
}
