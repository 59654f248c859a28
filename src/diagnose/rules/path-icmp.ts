/**
 * One rule per ICMP cause: an ICMP/ICMPv6 error quoted a packet of this connection (the connectivity
 * layer tied it, Conversation.path.icmp). Each says who answered (router, firewall, the server host
 * itself) and what it means; tcp.no-answer stays silent then, since something did come back.
 */
import type { Conversation } from '../../model/conversation.js';
import type { IcmpCause } from '../../connectivity/icmp-error.js';
import type { IcmpNote } from '../../connectivity/facts.js';
import { defineRule, type FindingDraft } from '../rule.js';
import { formatEndpoint } from '../ledger.js';

const ICMP_REFS = ['RFC 792 (ICMP, destination unreachable, time exceeded)', 'RFC 4443 §3 (ICMPv6 error messages)', 'RFC 1812 §5.2.7.1 (code 13, communication administratively prohibited)'];

/** The errors of `cause` about packets the client sent (what answered the connection attempt). */
function notesOf(conv: Conversation, cause: IcmpCause): IcmpNote[] {
  return conv.path?.icmp.filter((n) => n.cause === cause && n.quotedFrom === 'client') ?? [];
}

/** "ICMP type 3 code 13" / "ICMPv6 type 1 code 1". */
export function icmpTypeCode(n: Pick<IcmpNote, 'type' | 'code'>, v6: boolean): string {
  return `${v6 ? 'ICMPv6' : 'ICMP'} type ${n.type} code ${n.code}`;
}

/** Who sent an error, in words: the server host itself, or another host on the path. */
function who(n: IcmpNote, conv: Conversation, pathRole: string): string {
  return n.reporter === conv.server.ip ? `the server host ${n.reporter} itself` : `${pathRole} ${n.reporter}`;
}

/** Drafts for the errors of one cause: one finding, pointing at the first SYN and the errors. */
function drafts(conv: Conversation, cause: IcmpCause, message: (n: IcmpNote, count: number) => string): FindingDraft[] {
  const notes = notesOf(conv, cause);
  if (notes.length === 0) return [];
  const first = notes[0]!;
  const syn = conv.tcp?.synFrames[0] ?? conv.firstFrame;
  const v6 = conv.server.ip.includes(':');
  return [{
    frames: [syn, ...notes.slice(0, 8).map((n) => n.frame)],
    message: message(first, notes.length),
    args: { server: formatEndpoint(conv.server), reporter: first.reporter, type: first.type, code: first.code, icmp: icmpTypeCode(first, v6), errors: notes.length },
  }];
}

const times = (count: number): string => (count > 1 ? ` (${count} times)` : '');

export const pathAdminProhibited = defineRule({
  id: 'path.admin-prohibited',
  verdict: { cause: 'a firewall rejected the connection (administratively prohibited)', fix: 'allow the port on the firewall that sent the error' },
  severity: 'error',
  title: 'A firewall rejected the connection (ICMP administratively prohibited)',
  explanation:
    'The connection attempt was answered by an ICMP "administratively prohibited" error (ICMP type 3 code 9, 10 or 13; ICMPv6 type 1 code 1, 5 or 6): a router or firewall on the path has a rule that rejects this traffic, and says so. The packet never reached the mail service.',
  fix: 'Find the firewall or router at the address the error came from, and allow TCP from the client to the server on this port (a REJECT/deny rule, an ACL, a security group or a provider filter of the mail ports).',
  references: ICMP_REFS,
  check: (conv) => drafts(conv, 'admin-prohibited', (n, count) =>
    `${who(n, conv, 'The firewall or router at')} rejected the connection to ${formatEndpoint(conv.server)}: ${n.name} (${icmpTypeCode(n, conv.server.ip.includes(':'))})${times(count)}. A filter on the path forbids it; the server never saw the attempt.`),
});

export const pathPortUnreachable = defineRule({
  id: 'path.port-unreachable',
  verdict: { cause: 'port unreachable: nothing listening', fix: 'start the service on this port, or open the host firewall' },
  severity: 'error',
  title: 'Port unreachable (ICMP): nothing listening',
  explanation:
    'The connection attempt was answered by ICMP "port unreachable" (ICMP type 3 code 3, ICMPv6 type 1 code 4). Sent by the server host, it means nothing listens on that port or the host\'s own firewall rejects it with icmp-port-unreachable (the default of iptables REJECT); sent by another address, a firewall on the path rejects it that way.',
  fix: 'Check that the IMAP/POP3 service runs and listens on this port and address (e.g. `ss -tlnp`), and the host firewall\'s REJECT rules; if the error came from another address, that device\'s filter.',
  references: ICMP_REFS,
  check: (conv) => drafts(conv, 'port-unreachable', (n, count) =>
    (n.reporter === conv.server.ip
      ? `The server host ${n.reporter} answered the connection attempt to port ${conv.server.port} with ICMP port unreachable${times(count)}: nothing is listening on ${conv.server.port} there, or its firewall rejects the port.`
      : `${n.reporter} (not the server) answered the connection attempt to ${formatEndpoint(conv.server)} with ICMP port unreachable${times(count)}: a firewall on the path rejects it.`)),
});

export const pathHostUnreachable = defineRule({
  id: 'path.host-unreachable',
  verdict: { cause: 'the server host is unreachable', fix: 'check that the server is up at this address' },
  severity: 'error',
  title: 'Host unreachable (ICMP)',
  explanation:
    'A router answered the connection attempt with ICMP "host unreachable" (ICMP type 3 code 1, ICMPv6 type 1 code 3): it has a route to the server\'s network but could not deliver to the host (no ARP/neighbour answer: the host is down, disconnected or has another address).',
  fix: 'Check that the server is up and has this address on the router\'s network (ARP/neighbour table of the router that sent the error), and that the address the client uses is current.',
  references: ICMP_REFS,
  check: (conv) => drafts(conv, 'host-unreachable', (n, count) =>
    `The router ${n.reporter} could not reach the host ${conv.server.ip}: ${n.name}${times(count)}. The server is down, unplugged or no longer at that address.`),
});

export const pathNetUnreachable = defineRule({
  id: 'path.net-unreachable',
  verdict: { cause: 'no route to the server (network unreachable)', fix: 'fix the routing towards the server' },
  severity: 'error',
  title: 'Network unreachable (ICMP): no route',
  explanation:
    'A router answered the connection attempt with ICMP "network unreachable" (ICMP type 3 code 0, ICMPv6 type 1 code 0): it has no route to the server\'s network.',
  fix: 'Check the routing towards the server\'s address from the router that sent the error (a missing route, VPN down, wrong default gateway), and that the client uses the right address.',
  references: ICMP_REFS,
  check: (conv) => drafts(conv, 'net-unreachable', (n, count) =>
    `The router ${n.reporter} has no route to ${conv.server.ip}: ${n.name}${times(count)}.`),
});

export const pathTimeExceeded = defineRule({
  id: 'path.time-exceeded',
  verdict: { cause: 'a routing loop (time exceeded)', fix: 'trace the route and fix the loop' },
  severity: 'error',
  title: 'Time exceeded in transit (ICMP): routing loop',
  explanation:
    'A router answered the connection attempt with ICMP "time exceeded" (ICMP type 11, ICMPv6 type 3): the packet\'s TTL/hop limit ran out on the way, which in practice means a routing loop between routers (or a client TTL set far too low).',
  fix: 'Trace the route to the server (`traceroute -T -p PORT`) from the client: the hops that repeat are the loop; fix the routes of the router that sent the error and its neighbours.',
  references: ICMP_REFS,
  check: (conv) => drafts(conv, 'time-exceeded', (n, count) =>
    `The router ${n.reporter} dropped the connection attempt to ${formatEndpoint(conv.server)}: ${n.name}${times(count)} — a routing loop on the way.`),
});

export const pathUnreachable = defineRule({
  id: 'path.unreachable',
  severity: 'error',
  title: 'Destination unreachable (ICMP, other code)',
  explanation:
    'The connection attempt was answered by an ICMP destination unreachable error other than net, host, port or administratively prohibited (protocol unreachable, source route failed, precedence...): the path cannot deliver it.',
  fix: 'Look up the error\'s code (RFC 792, RFC 1812, RFC 4443) and the device that sent it.',
  references: ICMP_REFS,
  check: (conv) => [...drafts(conv, 'protocol-unreachable', (n) => `${n.reporter} answered the connection attempt to ${formatEndpoint(conv.server)} with ${n.name}.`),
    ...drafts(conv, 'unreachable-other', (n) => `${n.reporter} answered the connection attempt to ${formatEndpoint(conv.server)} with ${n.name}.`)],
});

/** Whether an ICMP error (other than packet-too-big) answered the client: then "nothing came back" would be false. */
export function icmpAnswered(conv: Conversation): boolean {
  return conv.path?.icmp.some((n) => n.quotedFrom === 'client' && n.cause !== 'too-big') ?? false;
}
