/**
 * Which SMTP server product an SMTP greeting (or EHLO's first line) names. Patterns are greetings
 * from the products' documentation and real sessions (shared/reference); the first match wins.
 */
import type { SoftwareId } from '../../model/conversation.js';

const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bMicrosoft ESMTP MAIL Service\b.*\boutlook\.(?:office365\.)?com\b|\boutlook\.office365\.com\b.*\bMicrosoft ESMTP\b/i, 'Microsoft 365 (Exchange Online)'],
  [/\bMicrosoft ESMTP MAIL Service\b|\bMicrosoft Exchange\b/i, 'Microsoft Exchange'],
  [/\bgsmtp\b|\bsmtp\.gmail\.com\b/i, 'Gmail'],
  [/\bESMTP Postfix\b|\bPostfix\b/, 'Postfix'],
  [/\bExim (?<version>\d[\w.]*)/i, 'Exim'],
  [/\bSendmail (?<version>\d[\w./]*)/i, 'Sendmail'],
  [/\bOpenSMTPD\b/i, 'OpenSMTPD'],
  [/\bhMailServer\b/i, 'hMailServer'],
  [/\bZimbra\b/i, 'Zimbra'],
];

/** The product a greeting text (after `220 `) names, if any. */
export function softwareFromSmtpGreeting(text: string): SoftwareId | undefined {
  for (const [re, product] of PATTERNS) {
    const m = re.exec(text);
    if (!m) continue;
    const id: SoftwareId = { product, source: 'greeting' };
    const version = m.groups?.['version'];
    if (version !== undefined) id.version = version.replace(/\/.*$/, '');
    const host = /^([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b/.exec(text);
    if (host) id.details = { host: host[1]! };
    return id;
  }
  return undefined;
}
