/** Plain-words descriptions of a conversation shared by every renderer (text, markdown, html). */
import type { Conversation, DialogueEvent, Finding, SecretFacts, Severity } from '../model/conversation.js';
import type { TlsFacts } from '../protocols/tls/types.js';
import type { InputSummary } from '../analyze.js';
import type { EncapsulationName } from '../decode/decoded.js';
import { undissectedLine } from '../protocols/undissected.js';

export const SEVERITY_ORDER: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export function worstSeverity(findings: readonly Finding[]): Severity | undefined {
  let worst: Severity | undefined;
  for (const f of findings) if (!worst || SEVERITY_ORDER[f.severity] > SEVERITY_ORDER[worst]) worst = f.severity;
  return worst;
}

/** What happened, in a few words: "refused", "login failed", "ok"... */
export function outcome(c: Conversation): string {
  const parts: string[] = [];
  const t = c.tcp;
  const icmp = c.path?.icmp.find((n) => n.quotedFrom === 'client' && n.cause !== 'too-big');
  if (t?.noAnswer && icmp) return `rejected by ${icmp.reporter} (ICMP ${icmp.name.replace('destination unreachable: ', '')})`;
  if (t?.noAnswer) return 'no answer (SYN never answered)';
  if (t?.refused) return 'refused (nothing listening)';
  const serverSpoke = c.events.some((e) => e.side === 'S' && e.kind === 'line');
  const last = c.auth[c.auth.length - 1];
  const hungUp = serverHungUp(c);
  if (last && last.outcome === 'unknown' && hungUp) {
    parts.push('the server disconnected the client before answering the login');
  } else if (last) {
    parts.push(last.outcome === 'ok' ? 'login ok' : last.outcome === 'failed' ? 'login failed' : last.outcome === 'cancelled' ? 'login cancelled' : 'login outcome unknown');
    if (hungUp) parts.push('then the server disconnected the client');
  } else if (hungUp) {
    parts.push('the server disconnected the client');
  } else if (!serverSpoke && c.transport.security === 'plain' && t?.established) {
    parts.push('no greeting');
  } else if (c.transport.security !== 'plain' && !c.transport.decrypted) {
    parts.push('encrypted');
  } else if (c.greeting?.status === 'PREAUTH') {
    parts.push('pre-authenticated');
  } else {
    parts.push('no login seen');
  }
  if (t?.resetBy) parts.push(`reset by ${t.resetBy}`);
  if (!c.sawSyn) parts.push('capture started mid-connection');
  return parts.join(', ');
}

/** An IMAP server ended the session with an untagged BYE of its own (not the answer to LOGOUT, not a greeting). */
function serverHungUp(c: Conversation): boolean {
  if (c.protocol !== 'imap') return false;
  for (const ev of c.events) {
    if (ev.side !== 'S' || ev.n === c.greeting?.event) continue;
    const p = ev.parsed as { type?: string; name?: string } | undefined;
    if (p?.type !== 'untagged' || p.name !== 'BYE') continue;
    return !c.exchanges.some((x) => x.command === 'LOGOUT' && x.commandEvent >= 0 && x.commandEvent < ev.n);
  }
  return false;
}

export function endpoint(e: { ip: string; port: number }): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

export function isoTime(ts: number): string {
  if (!Number.isFinite(ts)) return '?';
  const d = new Date(Math.floor(ts * 1000));
  // A damaged pcapng timestamp can lie beyond the Date range (year 275760), where toISOString throws.
  if (Number.isNaN(d.getTime())) return '?';
  const us = Math.round((ts - Math.floor(ts)) * 1e6);
  return `${d.toISOString().slice(0, 19)}.${String(Math.min(us, 999999)).padStart(6, '0')}Z`;
}

export function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 1) return `${(s * 1000).toFixed(1)} ms`;
  if (s < 120) return `${s.toFixed(2)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** One-line description of the transport security. */
export function security(c: Conversation): string {
  const t = c.transport;
  let s = t.security === 'plain' ? 'cleartext' : t.security === 'starttls' ? 'STARTTLS' : 'implicit TLS';
  const tls = c.tls as TlsFacts | undefined;
  if (tls) {
    const leaf = tls.certificates.find((m) => m.sender === 'server')?.certificates[0];
    const bits = [
      tls.version?.name,
      tls.cipherSuite?.name,
      tls.sni ? `SNI ${tls.sni}` : undefined,
      // An empty subject is possible (RFC 5280 §4.1.2.6, names in subjectAltName only): say so rather than print nothing.
      leaf ? `certificate ${leaf.subjectCN[0] || leaf.subject || '(empty subject)'}` : undefined,
      tls.handshakeState !== 'established' ? `handshake: ${tls.handshakeState}` : undefined,
    ].filter(Boolean);
    if (bits.length) s += ` (${bits.join(', ')})`;
  }
  if (t.security !== 'plain') {
    if (t.decrypted) s += ', decrypted with key log';
    else if (t.encryptedBytes) s += `, encrypted: ${t.encryptedBytes[0]} bytes client→server, ${t.encryptedBytes[1]} bytes server→client`;
  }
  if (t.compressed) s += ', COMPRESS=DEFLATE';
  return s;
}

/**
 * The TLS client and server as their hellos show them, without keys: JA4 with the SNI and ALPN it
 * summarises, the client software when mailwire's table knows that JA4, and the server's JA4S
 * ('JA4 t13d1312im_..., SNI imap.example.org, ALPN imap (curl 7.88.1 / OpenSSL 3.0); JA4S t130200_...').
 */
export function tlsFingerprintText(c: Conversation): string | undefined {
  const tls = c.tls as TlsFacts | undefined;
  if (!tls?.ja4) return undefined;
  const hello = tls.clientHellos[0];
  const bits = [tls.sni ? `SNI ${tls.sni}` : 'no SNI', hello?.alpn?.length ? `ALPN ${hello.alpn.join(',')}` : 'no ALPN'];
  return `JA4 ${tls.ja4}, ${bits.join(', ')}${tls.ja4Client ? ` (${tls.ja4Client})` : ' (client not in mailwire\'s table)'}${tls.ja4s ? `; JA4S ${tls.ja4s}` : ''}`;
}

export function software(sw: Conversation['serverSoftware']): string | undefined {
  if (!sw) return undefined;
  return sw.version ? `${sw.product} ${sw.version}` : sw.product;
}

/** How a line reads in a transcript: raw text plus a short note for each literal / body. */
export function lineText(e: DialogueEvent, bodyBytes: number | undefined): string {
  if (e.kind === 'gap' || e.kind === 'tls' || e.kind === 'note') return `[${e.note ?? e.kind}]`;
  let text = e.raw;
  if (e.literals?.length) {
    let out = '';
    let pos = 0;
    for (const l of e.literals) {
      const at = Math.min(Math.max(l.at, pos), text.length);
      out += text.slice(pos, at);
      const state = l.complete ? '' : `, only ${l.received} received`;
      const body = bodyBytes && bodyBytes > 0 && !l.secret ? ` ${JSON.stringify(l.head.slice(0, bodyBytes))}` : '';
      const what = l.form === 'body' ? 'message body' : 'literal';
      out += ` ‹${what}: ${l.size} bytes${state}${body}›`;
      pos = at;
    }
    text = out + text.slice(pos);
  }
  if (e.kind === 'malformed' && e.note) text += `   ‹malformed: ${e.note}›`;
  return text;
}

/** What can be said of a secret without showing it: "11 chars, trailing space". */
export function secretFactsText(s: SecretFacts): string {
  return [s.cut ? `more than ${s.length} chars (its line was cut)` : `${s.length} chars`, s.leadingSpace ? 'leading space' : '', s.trailingSpace ? 'trailing space' : '', s.nonAscii ? 'non-ASCII' : ''].filter(Boolean).join(', ');
}

/** Extra software facts ("backend EXMBX01.example.com, idVersion 3.5") as one phrase. */
export function detailsText(details: Record<string, string> | undefined): string {
  if (!details) return '';
  return Object.entries(details).map(([k, v]) => `${k} ${v}`).join(', ');
}

/** What decoding made of an input's frames: "120 TCP, 3 other, 2 cut by snaplen, 123 through GRE". */
export function frameKinds(d: NonNullable<InputSummary['decoded']>): string {
  const tunnels = Object.entries(d.encapsulated ?? {}).map(([name, n]) => `${n} through ${ENCAPSULATION_TITLES[name as EncapsulationName]}`);
  return [`${d.tcp} TCP`, `${d.other} other`, d.fragment ? `${d.fragment} IP fragments` : '', d.reassembled ? `${d.reassembled} reassembled datagrams` : '',
    d.truncated ? `${d.truncated} cut by snaplen` : '', d.error ? `${d.error} undecodable` : '', ...tunnels].filter(Boolean).join(', ');
}

const ENCAPSULATION_TITLES: Record<EncapsulationName, string> = {
  mpls: 'MPLS', pppoe: 'PPPoE', gre: 'GRE', erspan: 'ERSPAN', vxlan: 'VXLAN', 'ipv4-in-ip': 'IPv4-in-IP', 'ipv6-in-ip': 'IPv6-in-IP',
};

/** The reassembly caps an input hit, in plain words (empty when none was). */
/**
 * Where a finding came from: `frame 3, 8` on the wire, `server.log:12, server.log:14` for a
 * conversation read from a server log (Finding.lines); at most `max` places, then '…'.
 */
export function findingWhere(f: Finding, max = 5): string {
  const more = (n: number): string => (n > max ? ', …' : '');
  if (f.lines?.length) {
    // One file, several lines: `server.log line 7, 8` (Finding.lines keeps file:line for each).
    const file = f.lines[0]!.replace(/:\d+$/, '');
    const lines = [...new Set(f.lines.map((l) => l.slice(l.lastIndexOf(':') + 1)))];
    if (f.lines.every((l) => l.startsWith(`${file}:`))) return `${file} line ${lines.slice(0, max).join(', ')}${more(lines.length)}`;
    return `${f.lines.slice(0, max).join(', ')}${more(f.lines.length)}`;
  }
  return f.frames.length ? `frame ${f.frames.slice(0, max).join(', ')}${more(f.frames.length)}` : '';
}

/** A conversation's span: `frames 4–17`, or `lines 6–9` of a server log (its frames are line numbers). */
export function spanText(c: Conversation): string {
  return `${c.log ? 'lines' : 'frames'} ${c.firstFrame}–${c.lastFrame}`;
}

/** What a server-log input held ('Exchange protocol log, 13 lines, 2 sessions'), or undefined for a capture. */
export function logInputText(input: InputSummary): string | undefined {
  const l = input.log;
  if (!l) return undefined;
  const name = l.format === 'exchange-protocol-log' ? 'Exchange protocol log' : 'Dovecot log';
  return `${name}, ${l.lines} lines, ${l.sessions} sessions${l.badLines ? `, ${l.badLines} lines not read` : ''}`;
}

/** Ports whose undissected connections the reports name one by one (the rest in one line). */
const UNDISSECTED_LINES = 5;

/**
 * What was seen but not dissected, one line per server port, so that a report with few or no
 * conversations says why ("12 TLS connections to 10.0.0.5:9993 not dissected; add --ports 9993").
 */
export function undissectedLines(input: InputSummary): string[] {
  const u = input.undissected;
  if (!u) return [];
  const lines = u.ports.slice(0, UNDISSECTED_LINES).map(undissectedLine);
  const rest = u.ports.slice(UNDISSECTED_LINES);
  const more = rest.reduce((n, p) => n + p.connections, u.otherConnections);
  if (more > 0) lines.push(`${more} more connection${more === 1 ? '' : 's'} on ${rest.length || 'other'}${rest.length ? ' other' : ''} port${rest.length === 1 ? '' : 's'} not dissected`);
  return lines;
}

export function capsHit(input: InputSummary): string[] {
  const t = input.tcp;
  if (!t) return [];
  return [
    t.evicted ? `${t.evicted} connections evicted (connection table full)` : '',
    t.capDrops ? `${t.capDrops} holes given up (out-of-order buffer full)` : '',
    t.bogusSegments ? `${t.bogusSegments} segments with implausible sequence numbers dropped` : '',
  ].filter(Boolean);
}
