/**
 * Read-only views over Conversation.tls that the tls.* rules share: the typed facts, the server's
 * certificate chain, whether the client rejected the certificate with an alert, and how to name a
 * certificate and a date in a one-line message. Not a rule itself (the catalogue does not list it).
 */
import type { Conversation, Severity } from '../../model/conversation.js';
import type { FindingDraft } from '../rule.js';
import type { AlertFact, CertificateFact, CertificateMessageFact, TlsFacts } from '../../protocols/tls/types.js';

/** The TLS facts of a conversation (the model types them as unknown: the TLS layer owns the shape). */
export function tlsOf(conv: Conversation): TlsFacts | undefined {
  return conv.tls as TlsFacts | undefined;
}

/**
 * The server's first Certificate message that holds at least one certificate. After a renegotiation
 * the server usually sends the same chain again; the first is the one the client judged first.
 */
export function serverChain(t: TlsFacts): CertificateMessageFact | undefined {
  return t.certificates.find((m) => m.sender === 'server' && m.certificates.length > 0);
}

/** Alert descriptions (RFC 8446 §6.2) by which a peer says it refused a certificate. */
export const ALERT = {
  BAD_CERTIFICATE: 42,
  UNSUPPORTED_CERTIFICATE: 43,
  CERTIFICATE_REVOKED: 44,
  CERTIFICATE_EXPIRED: 45,
  CERTIFICATE_UNKNOWN: 46,
  UNKNOWN_CA: 48,
} as const;

/** Alerts by which a client rejects a certificate without saying precisely why. */
export const GENERIC_CERTIFICATE_ALERTS: readonly number[] = [ALERT.BAD_CERTIFICATE, ALERT.CERTIFICATE_UNKNOWN];

/** The first fatal alert the client sent with one of `descriptions`, i.e. it refused the server's certificate for that reason. */
export function clientRejected(t: TlsFacts, descriptions: readonly number[]): AlertFact | undefined {
  return t.alerts.find((a) => a.sender === 'client' && a.level === 'fatal' && descriptions.includes(a.description));
}

/**
 * Severity of a certificate finding: an error when the client then refused the certificate with
 * one of `descriptions` (this is why the connection failed), else the rule's own severity (a risk:
 * the client accepted it, or the capture does not say).
 */
export function certificateSeverity(t: TlsFacts, descriptions: readonly number[], otherwise: Severity): { severity: Severity; rejectedBy?: AlertFact } {
  const rejectedBy = clientRejected(t, descriptions);
  return rejectedBy ? { severity: 'error', rejectedBy } : { severity: otherwise };
}

/** The names a certificate is for, for display: its DNS/IP SANs, or its CN when it has none. */
export function certificateNames(c: CertificateFact): string[] {
  const san = [...c.sanDns, ...c.sanIp];
  return san.length > 0 ? san : c.subjectCN.length > 0 ? c.subjectCN : [c.subject || '(no name)'];
}

/** How a certificate is named in a message: `the server's certificate "mail.example.org"` or `chain certificate #1 "Some CA"`. */
export function certificateLabel(c: CertificateFact): string {
  const name = c.subjectCN[0] ?? certificateNames(c)[0]!;
  return c.index === 0 ? `the server's certificate "${name}"` : `the chain certificate #${c.index} "${name}"`;
}

/** 'YYYY-MM-DD' of an ISO time or of capture seconds. */
export function day(t: string | number): string {
  const d = typeof t === 'number' ? new Date(t * 1000) : new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString().slice(0, 10);
}

/** ISO time of an instant in milliseconds; the seconds as a number when a Date cannot hold it (toISOString would throw). */
export function isoInstant(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms / 1000) : d.toISOString();
}

/** Whole days between two instants (absolute). */
export function daysBetween(aMs: number, bMs: number): number {
  return Math.floor(Math.abs(aMs - bMs) / 86_400_000);
}

/**
 * Certificates a client is expected to check the dates of: the leaf and the intermediates. A
 * self-signed certificate after the leaf is a root that the server sent along; clients use their own
 * copy of a root (RFC 8446 §4.4.2 lets servers omit it), so its dates in the chain do not decide.
 */
export function datedCertificates(chain: CertificateMessageFact): CertificateFact[] {
  return chain.certificates.filter((c) => c.parseError === undefined && c.notAfter !== '' && (c.index === 0 || !c.selfSigned));
}

/**
 * The validity-period check shared by tls.cert-expired and tls.cert-not-yet-valid: one draft per
 * dated certificate of the server's chain whose `bound` date is on the wrong side of the capture
 * time (`outside(boundMs, atMs)`), worded by `describe`; an error when the client then refused the
 * certificate with a fitting alert.
 */
export function validityFindings(
  conv: Conversation,
  bound: 'notBefore' | 'notAfter',
  outside: (boundMs: number, atMs: number) => boolean,
  describe: (c: CertificateFact, boundMs: number, atMs: number, captureDay: string) => string,
): FindingDraft[] {
  const t = tlsOf(conv);
  const chain = t && serverChain(t);
  if (!t || !chain) return [];
  const { severity, rejectedBy } = certificateSeverity(t, [ALERT.CERTIFICATE_EXPIRED, ...GENERIC_CERTIFICATE_ALERTS], 'warning');
  const atMs = chain.ts * 1000;
  const out: FindingDraft[] = [];
  for (const c of datedCertificates(chain)) {
    const boundMs = Date.parse(c[bound]);
    if (!outside(boundMs, atMs)) continue;
    out.push({
      frames: rejectedBy ? [chain.frame, rejectedBy.frame] : [chain.frame],
      message: `${capitalise(describe(c, boundMs, atMs, day(chain.ts)))}${refusalNote(rejectedBy)}.`,
      args: { index: c.index, subject: c.subject, [bound]: c[bound], captureTime: isoInstant(atMs), rejected: rejectedBy !== undefined },
      severity,
    });
  }
  return out;
}

/** ' — the client refused it (fatal alert unknown_ca, frame 8)' when the client refused, else ''. */
export function refusalNote(rejectedBy: AlertFact | undefined): string {
  return rejectedBy ? `; the client refused it (fatal alert ${rejectedBy.name}, frame ${rejectedBy.frame})` : '';
}

/** The text with its first letter upper-cased (a label at the start of a message). */
export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
