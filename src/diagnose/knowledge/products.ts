/**
 * Which server product a conversation talks to, reduced to the families the knowledge base knows.
 * Reads what the dissector identified (Conversation.serverSoftware) and, failing that, the greeting
 * text the model already holds; it does not look at bytes.
 */
import type { Conversation } from '../../model/conversation.js';

export type ProductKey = 'exchange' | 'm365' | 'dovecot' | 'cyrus' | 'courier' | 'gmail' | 'yahoo' | 'james' | 'zimbra' | 'hmailserver' | 'postfix' | 'exim' | 'unknown';

export interface ServerProduct {
  key: ProductKey;
  /** Version as the dissector found it (e.g. '2007', '6.5.7638.1'), if any. */
  version?: string;
  /** Display name, e.g. 'Microsoft Exchange 2007'. */
  name: string;
}

/** Families tested in order; the first pattern that matches the product name or greeting wins. */
const FAMILIES: ReadonlyArray<readonly [ProductKey, RegExp, string]> = [
  ['m365', /office ?365|exchange online|outlook\.com\b|microsoft 365/i, 'Microsoft 365 (Exchange Online)'],
  ['exchange', /exchange/i, 'Microsoft Exchange'],
  ['gmail', /gimap|gmail|google|\bgsmtp\b/i, 'Gmail'],
  ['dovecot', /dovecot/i, 'Dovecot'],
  ['cyrus', /cyrus/i, 'Cyrus IMAP'],
  ['courier', /courier/i, 'Courier'],
  ['yahoo', /yahoo|imapgate|popgate/i, 'Yahoo'],
  ['james', /apache james|\bjames\b/i, 'Apache James'],
  ['zimbra', /zimbra/i, 'Zimbra'],
  ['hmailserver', /hmailserver/i, 'hMailServer'],
  ['postfix', /postfix/i, 'Postfix'],
  ['exim', /\bexim\b/i, 'Exim'],
];

/** Exchange Online back ends are named like FR3P281CA0157.DEUP281.PROD.OUTLOOK.COM. */
const M365_BACKEND = /\.prod\.outlook\.com$|\.outlook\.com$/i;

export function serverProduct(conv: Conversation): ServerProduct {
  const sw = conv.serverSoftware;
  const greeting = conv.greeting?.text ?? '';
  const haystacks = [sw?.product ?? '', greeting];
  for (const [key, re, name] of FAMILIES) {
    if (!haystacks.some((h) => re.test(h))) continue;
    if (key === 'exchange' && sw?.details && Object.values(sw.details).some((v) => M365_BACKEND.test(v))) {
      return withVersion({ key: 'm365', name: 'Microsoft 365 (Exchange Online)' }, sw.version);
    }
    return withVersion({ key, name }, sw?.version);
  }
  return withVersion({ key: 'unknown', name: sw?.product ?? 'unknown server' }, sw?.version);
}

function withVersion(p: ServerProduct, version: string | undefined): ServerProduct {
  if (version === undefined) return p;
  return { ...p, version, name: `${p.name} ${version}` };
}
