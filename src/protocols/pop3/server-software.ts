/**
 * Which POP3 server product (and version) a greeting or a CAPA IMPLEMENTATION line reveals.
 * Patterns are the greetings seen in the corpus and in vendors' documentation; the first match wins.
 */
import type { SoftwareId } from '../../model/conversation.js';

type Matcher = (text: string) => Omit<SoftwareId, 'source'> | undefined;

const re = (pattern: RegExp, product: string, details?: (m: RegExpExecArray) => Record<string, string> | undefined): Matcher => (text) => {
  const m = pattern.exec(text);
  if (!m) return undefined;
  const id: Omit<SoftwareId, 'source'> = { product };
  if (m.groups?.['version']) id.version = m.groups['version'];
  const d = details?.(m);
  if (d && Object.keys(d).length > 0) id.details = d;
  return id;
};

/** Exchange 2007+ may append `[base64]`: the back-end server FQDN in UTF-16LE (seen with M365). */
function exchangeBackend(text: string): Record<string, string> | undefined {
  const m = /\[([A-Za-z0-9+/]{8,}={0,2})\]/.exec(text);
  if (!m) return undefined;
  const bytes = Buffer.from(m[1]!, 'base64');
  if (bytes.length < 2 || bytes.length % 2 !== 0) return undefined;
  const fqdn = bytes.toString('utf16le');
  return /^[A-Za-z0-9.-]+$/.test(fqdn) ? { backend: fqdn } : undefined;
}

const GREETINGS: readonly Matcher[] = [
  re(/Microsoft Exchange (?:Server )?(?<version>\d{4}) POP3 server version (?<build>[\d.]+)/i, 'Microsoft Exchange', (m) => ({ build: m.groups!['build']! })),
  (text) => (/Microsoft Exchange POP3 service is ready/i.test(text) ? { product: 'Microsoft Exchange', ...withDetails(exchangeBackend(text)) } : undefined),
  re(/\bDovecot(?: \((?<distro>[^)]*)\))? ready/i, 'Dovecot', (m) => (m.groups!['distro'] ? { distribution: m.groups!['distro'] } : undefined)),
  re(/\bCyrus POP3(?: Murder)? v?(?<version>\d[\w.-]*)/i, 'Cyrus'),
  re(/\bQpopper \(version (?<version>[\d.]+\w*)\)/i, 'Qpopper'),
  re(/^Hello there\b|\bCourier-IMAP\b/i, 'Courier'),
  re(/\bGpop ready\b/i, 'Gmail'),
  re(/\bPOP server ready H (?<host>\S*gmx\S*)/i, 'GMX', (m) => ({ host: m.groups!['host']!, platform: 'trinity' })),
  re(/\bPOP server ready H (?<host>mi\S+)/i, 'IONOS', (m) => ({ host: m.groups!['host']!, platform: 'trinity' })),
  re(/\bcoremail\b.*?(?:\((?<site>[a-z0-9]+)\[)?/i, 'Coremail', (m) => (m.groups!['site'] ? { site: m.groups!['site'] } : undefined)),
  re(/\bCMailServer (?<version>[\d.]+)/i, 'CMailServer'),
  re(/\bMDaemon (?<version>[\d.]+)/i, 'MDaemon'),
  re(/\bpopgate\((?<version>[\d.]+)\)/i, 'Yahoo popgate'),
  re(/^lavad\b(?: (?<version>[\d.]+))?/i, 'Lavabit'),
  re(/\bZimbra POP3 server ready/i, 'Zimbra'),
  re(/\bJAMES POP3 Server(?: (?<version>[\d.]+\S*))?/i, 'Apache James'),
  re(/\bKerio Connect (?<version>[\d.]+)/i, 'Kerio Connect'),
  re(/\bPOP3 \S+ v(?<version>\d{4}\.\d+\S*) server ready/i, 'UW ipop3d'),
  re(/\bhMailServer\b/i, 'hMailServer'),
];

function withDetails(d: Record<string, string> | undefined): { details?: Record<string, string> } {
  return d ? { details: d } : {};
}

/** Product revealed by the greeting text (after `+OK `), or undefined. */
export function softwareFromGreeting(text: string): SoftwareId | undefined {
  for (const match of GREETINGS) {
    const id = match(text);
    if (id) return { ...id, source: 'greeting' };
  }
  return undefined;
}

/**
 * Product from a CAPA `IMPLEMENTATION` argument (RFC 2449 §6.9, free text such as `lavad 4.3.0`,
 * `trinity`, `Cyrus POP3 v2.4.17`): a known greeting pattern, else the first word and a version.
 */
export function softwareFromImplementation(text: string): SoftwareId | undefined {
  const known = softwareFromGreeting(text);
  if (known) return { ...known, source: 'capability' };
  const m = /^(?<product>[^\s\d][^\s]*)(?:.*?\bv?(?<version>\d+(?:\.\d+)+\S*))?/i.exec(text.trim());
  if (!m) return undefined;
  const id: SoftwareId = { product: m.groups!['product']!, source: 'capability' };
  if (m.groups!['version']) id.version = m.groups!['version'];
  return id;
}
