/**
 * What, in a ClientHello on a port mailwire does not know, says the session is mail: without keys
 * such a session is reported (its TLS facts, JA4) instead of being only counted. One list, so that
 * a new protocol adds its names here.
 */
import type { ClientHelloFact } from './types.js';

/** ALPN protocol ids of mail (IANA TLS ALPN registry: "imap" and "pop3", RFC 8446 era). */
const MAIL_ALPN = new Set(['imap', 'pop3']);

/** Host names that name a mail server: imap.*, imap4.*, pop.*, pop3.*, mail.*, and Microsoft 365's. */
const MAIL_SNI = [/^imap[0-9a-z-]*\./i, /^pop[0-9a-z-]*\./i, /^mail[0-9a-z-]*\./i, /^outlook\.office365\.com$/i];

/** Exchange's back-end ports (the Client Access front end proxies IMAP4 and POP3 to them over TLS). */
const MAIL_TLS_PORTS = new Set([1993, 1995]);

/** Why this hello looks like mail ('ALPN imap', 'SNI imap.example.com', 'port 1993'), or undefined. */
export function mailHint(hello: ClientHelloFact, serverPort: number): string | undefined {
  const alpn = hello.alpn?.find((a) => MAIL_ALPN.has(a.toLowerCase()));
  if (alpn !== undefined) return `ALPN ${alpn}`;
  if (hello.sni !== undefined && MAIL_SNI.some((re) => re.test(hello.sni!))) return `SNI ${hello.sni}`;
  if (MAIL_TLS_PORTS.has(serverPort)) return `port ${serverPort}`;
  return undefined;
}
