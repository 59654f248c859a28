/**
 * Who is talking: the IMAP server product/version from its greeting (or ID response), and the
 * client from its ID command (RFC 2971). Pure functions over text; patterns come from real greetings
 * (the corpus and public protocol logs quoted in docs/imap.md).
 */
import type { SoftwareId } from '../../model/conversation.js';

interface GreetingRule {
  product: string;
  re: RegExp;
  /** Index of the capture group holding the version, if any. */
  version?: number;
}

/** Ordered: the first match wins (specific before generic). */
const GREETING_RULES: readonly GreetingRule[] = [
  { product: 'Microsoft Exchange', re: /Microsoft Exchange (?:Server \d{4} )?IMAP4(?:rev1)? server version (\d+(?:\.\d+)+)/i, version: 1 },
  { product: 'Microsoft Exchange', re: /Microsoft Exchange Server (\d{4}) IMAP4/i, version: 1 },
  { product: 'Microsoft Exchange', re: /The Microsoft Exchange IMAP4 service is ready/i },
  { product: 'Dovecot', re: /\bDovecot\b(?: \(([^)]*)\))?/i },
  { product: 'Cyrus IMAP', re: /Cyrus IMAP(?:4)?(?: Murder)?\s+v?(\d[\w.-]*)/i, version: 1 },
  { product: 'Cyrus IMAP', re: /\bCyrus\b/i },
  { product: 'Courier-IMAP', re: /Courier-IMAP/i },
  { product: 'Gmail', re: /\bGimap\b/i },
  { product: 'Zimbra', re: /\bZimbra\b(?: IMAP4rev1 server ready)?(?:\s+(\d[\w.]*))?/i, version: 1 },
  { product: 'hMailServer', re: /\bhMailServer\b/i },
  { product: 'Yahoo imapgate', re: /IMAP4rev1 server ready \((\d+\.\d+\.\d+)\)/i, version: 1 },
  { product: 'Coremail', re: /\bCoremail\b/i },
  { product: 'GMX', re: /IMAP server ready H mimap\d+/i },
  { product: 'UW-IMAP', re: /IMAP4rev1 (\d{4}\.[\w.-]+) server ready/i, version: 1 },
  { product: 'UW-IMAP', re: /IMAP4Rev1 Server Version (\d+\.\d+[\w.]*)/i, version: 1 },
  { product: 'Apache James', re: /\bJAMES\b/ },
  { product: 'MDaemon', re: /\bMDaemon\b(?: (\d[\w.]*))?/i, version: 1 },
  { product: 'Kerio Connect', re: /Kerio (?:Connect|MailServer)(?: (\d[\w.]*))?/i, version: 1 },
  { product: 'IceWarp', re: /\bIceWarp\b(?: (\d[\w.]*))?/i, version: 1 },
  { product: 'Lotus Domino', re: /Domino IMAP4 Server(?: Release (\S+))?/i, version: 1 },
  { product: 'Zoho Mail', re: /\bZoho\b/i },
  { product: 'Yandex', re: /\bYandex\b/i },
  { product: 'Tencent', re: /\bQQMail\b|\bTencent\b/i },
  { product: 'WildDuck', re: /\bWildDuck\b/i },
  { product: 'Stalwart', re: /\bStalwart\b/i },
];

/** Exchange: greeting version → product generation ("5.5.2650.23" → Exchange 5.5). */
function exchangeGeneration(version: string): string | undefined {
  const major = version.split('.').slice(0, 2).join('.');
  const table: Record<string, string> = { '5.5': '5.5', '6.0': '2000', '6.5': '2003', '8.0': '2007', '8.1': '2007', '8.2': '2007', '8.3': '2007', '14.0': '2010', '14.1': '2010', '14.2': '2010', '14.3': '2010', '15.0': '2013', '15.1': '2016', '15.2': '2019' };
  return table[major];
}

/**
 * Decodes the bracketed blob of a modern Exchange / Microsoft 365 greeting: base64 of the
 * back-end server's FQDN in UTF-16LE (`[RgBSADMAUAAy…]` → `FR3P281CA0157.DEUP281.PROD.OUTLOOK.COM`).
 */
export function decodeExchangeBackend(blob: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+=*$/.test(blob) || blob.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(blob, 'base64');
  if (bytes.length < 2 || bytes.length % 2 !== 0) return undefined;
  const text = bytes.toString('utf16le');
  return /^[A-Za-z0-9.-]+$/.test(text) ? text : undefined;
}

/** The server software from the greeting text (after `* OK [code]`), or undefined when unknown. */
export function identifyServerFromGreeting(text: string): SoftwareId | undefined {
  for (const rule of GREETING_RULES) {
    const m = rule.re.exec(text);
    if (!m) continue;
    const id: SoftwareId = { product: rule.product, source: 'greeting' };
    const version = rule.version !== undefined ? m[rule.version] : undefined;
    if (version) id.version = version;
    const details: Record<string, string> = {};
    if (rule.product === 'Microsoft Exchange') {
      if (version) {
        const gen = exchangeGeneration(version);
        if (gen) details.generation = gen;
        const host = /\(([^)]+)\)\s*ready/i.exec(text);
        if (host) details.host = host[1]!;
      } else if (/Exchange Server (\d{4})/i.test(text)) {
        details.generation = /Exchange Server (\d{4})/i.exec(text)![1]!;
      } else {
        const blob = /\[([A-Za-z0-9+/=]+)\]\s*$/.exec(text);
        const backend = blob ? decodeExchangeBackend(blob[1]!) : undefined;
        details.generation = '2013+';
        if (backend) {
          details.backend = backend;
          if (/\.PROD\.OUTLOOK\.COM$/i.test(backend)) details.generation = 'Microsoft 365';
        }
      }
    }
    if (rule.product === 'Dovecot' && m[1]) details.distribution = m[1];
    if (rule.product === 'Gmail') {
      const from = /ready for requests from (\S+)/i.exec(text);
      if (from) details.clientAddress = from[1]!;
    }
    if (rule.product === 'Coremail') {
      const sys = /\(([^[)]+)\[/.exec(text);
      if (sys) details.system = sys[1]!;
    }
    if (Object.keys(details).length > 0) id.details = details;
    return id;
  }
  return undefined;
}

/** Software from ID parameters (RFC 2971 field names, lower-cased): client or server. */
export function identifyFromId(params: Record<string, string | null>): SoftwareId | undefined {
  const name = params['name'] ?? params['vendor'];
  if (!name) return undefined;
  const id: SoftwareId = { product: name, source: 'id' };
  const version = params['version'];
  if (version) id.version = version;
  const details: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (k !== 'name' && k !== 'version' && v !== null) details[k] = v;
  }
  if (Object.keys(details).length > 0) id.details = details;
  return id;
}
