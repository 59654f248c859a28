/**
 * The shape of one knowledge-base entry: a server reply pattern (product, status, response code,
 * text, and the circumstances) mapped to what it means and how to fix it.
 */
import type { MailProtocol } from '../../model/conversation.js';
import type { ProductKey } from './products.js';

/** Vendor findings the knowledge base can raise (each has its own rule file in ../rules/). */
export type VendorFindingId =
  | 'exchange.proxy-not-authenticated'
  | 'exchange.plaintext-login-disabled'
  | 'exchange.authenticated-not-connected'
  | 'm365.basic-auth-disabled'
  | 'gmail.app-password-required'
  | 'gmail.web-login-required'
  | 'gmail.too-many-connections'
  | 'dovecot.plaintext-disallowed'
  | 'dovecot.password-exposed'
  | 'dovecot.connection-limit'
  | 'cyrus.plaintext-disallowed'
  | 'courier.tls-required'
  | 'm365.smtp-auth-disabled'
  | 'smtp.starttls-required'
  | 'smtp.auth-required'
  | 'smtp.relay-denied'
  | 'smtp.sender-not-owned';

/** The circumstances of one server reply, as the rules see them. */
export interface ReplyContext {
  product: ProductKey;
  version?: string;
  protocol: MailProtocol;
  /** 'OK' | 'NO' | 'BAD' | 'BYE' (IMAP), '+OK' | '-ERR' (POP3), the three-digit reply code (SMTP). */
  status: string;
  /** Response code without brackets ('AUTHENTICATIONFAILED', 'SYS/TEMP', 'Error=ProxyNotAuthenticated Proxy=...'); SMTP: the enhanced status code ('5.7.8'). */
  code?: string;
  /** The human-readable text after status and code. */
  text: string;
  /** The command it answers, upper-cased ('LOGIN', 'AUTHENTICATE', 'PASS'...); undefined for unsolicited replies. */
  command?: string;
  serverPort: number;
  /** The connection was encrypted when the command was sent. */
  encrypted: boolean;
  /** The server advertised LOGINDISABLED (IMAP) before the attempt; undefined when no capability list was seen. */
  loginDisabled?: boolean;
}

export interface ReplyKnowledge {
  /** Stable key of the entry (kebab-case), shown in finding args as `knowledge`. */
  readonly key: string;
  /** Products this entry applies to ('any' = every server). */
  readonly products: readonly ProductKey[] | 'any';
  readonly protocol: MailProtocol | 'any';
  /** Status the reply must have (anchored regular expression over ReplyContext.status). */
  readonly status?: RegExp;
  readonly code?: RegExp;
  readonly text?: RegExp;
  /** Extra condition on the circumstances (port, encryption, version, advertised capabilities). */
  readonly when?: (r: ReplyContext) => boolean;
  /** What the reply means, one or two sentences, plain words. */
  readonly meaning: string;
  readonly fix: string;
  readonly references: readonly string[];
  /** The vendor finding this reply raises, if any. */
  readonly finding?: VendorFindingId;
}
