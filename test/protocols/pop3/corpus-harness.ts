/**
 * Dissects the POP3 connections (server port 110) of a capture file with the real capture, decode
 * and TCP layers, and renders them as a golden transcript: one block per connection with every
 * dialogue event, then the exchanges, logins, capabilities and anomalies. Secrets are shown between
 * [[ ]] so the golden file proves where the dissector put the secret spans.
 */
import { readCapture } from '../../../src/capture/read-capture.js';
import { decodeFrame } from '../../../src/decode/decode-frame.js';
import { newDecoded } from '../../../src/decode/decoded.js';
import type { Conversation, DialogueEvent } from '../../../src/model/conversation.js';
import { createPop3Dissector } from '../../../src/protocols/pop3/pop3-dissector.js';
import type { Pop3Parsed, Pop3Status } from '../../../src/protocols/pop3/types.js';
import { TcpReassembler } from '../../../src/tcp/reassembler.js';
import type { StreamFactory } from '../../../src/tcp/stream.js';

/** Reads a capture and returns its POP3 conversations in connection order. */
export async function dissectPop3File(path: string): Promise<Conversation[]> {
  const out: Conversation[] = [];
  const factory: StreamFactory = {
    open: (conn) => (conn.server.port === 110 ? createPop3Dissector(conn, { security: 'plain', onConversation: (c) => out.push(c) }) : undefined),
    probe: () => undefined,
  };
  const reassembler = new TcpReassembler(factory);
  const decoded = newDecoded();
  await readCapture(path, {
    frame(f) {
      const d = decodeFrame(f, decoded);
      if (d.kind === 'tcp') reassembler.packet(f, d);
    },
  });
  reassembler.finish();
  return out.sort((a, b) => a.id - b.id);
}

/** Escapes control and non-ASCII characters so the transcript is plain ASCII, one line per event. */
function show(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f-\uffff]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function eventText(e: DialogueEvent): string {
  let raw = '';
  let at = 0;
  for (const s of [...(e.secrets ?? [])].sort((a, b) => a.start - b.start)) {
    raw += `${show(e.raw.slice(at, s.start))}[[${show(e.raw.slice(s.start, s.end))}]]`;
    at = s.end;
  }
  raw += show(e.raw.slice(at));
  const tags: string[] = [];
  if (e.kind !== 'line') tags.push(e.kind);
  if (e.bareLf) tags.push('LF');
  if (e.decrypted) tags.push('decrypted');
  const head = `#${e.n} f${e.frame}${e.lastFrame !== e.frame ? `-${e.lastFrame}` : ''} ${e.side}${tags.length ? ` [${tags.join(',')}]` : ''}:`;
  let line = `${head} ${raw}${e.note ? ` (${e.note})` : ''}`;
  const parsed = e.parsed as Pop3Parsed | undefined;
  if (parsed?.type === 'end') line += `  <end of ${parsed.of}: ${parsed.lines} lines${parsed.notKept ? `, ${parsed.notKept} not kept` : ''}>`;
  for (const l of e.literals ?? []) {
    const st = e.parsed as Pop3Status | undefined;
    const firstLine = l.head.split(/\r?\n/)[0] ?? '';
    line += `\n    body: ${l.size} bytes, ${st?.body?.lines ?? '?'} lines, frames ${l.firstFrame}-${l.lastFrame}, ${l.complete ? 'complete' : 'INCOMPLETE'}, first line "${show(firstLine)}"`;
  }
  return line;
}

/** The golden transcript of one capture's POP3 conversations. */
export function renderGolden(convs: readonly Conversation[]): string {
  const out: string[] = [];
  // Connection attempts that carried no POP3 bytes are the TCP layer's business (how SYN retries
  // are grouped may change there); the transcript numbers the connections that spoke.
  const spoke = convs.filter((c) => c.events.length > 0);
  spoke.forEach((c, i) => {
    out.push(`== connection ${i + 1} ${c.client.ip}:${c.client.port} -> ${c.server.ip}:${c.server.port} (${c.sawSyn ? 'syn' : 'no syn'}, ${c.transport.security}) state ${c.state}`);
    if (c.serverSoftware) out.push(`server: ${c.serverSoftware.product}${c.serverSoftware.version ? ' ' + c.serverSoftware.version : ''} (${c.serverSoftware.source})${c.serverSoftware.details ? ' ' + JSON.stringify(c.serverSoftware.details) : ''}`);
    for (const e of c.events) out.push(eventText(e));
    if (c.droppedEvents) out.push(`dropped events: ${c.droppedEvents}`);
    for (const x of c.exchanges) {
      out.push(`exchange ${x.n}: ${x.command}${x.known ? '' : ' (unknown)'} in ${x.state} -> ${x.status ?? 'no answer'}${x.responseCode ? ` [${x.responseCode}]` : ''} f${x.commandFrame}${x.completionFrame !== undefined ? `->f${x.completionFrame}` : ''} related ${x.relatedEvents.length}`);
    }
    for (const a of c.auth) {
      out.push(`login ${a.n}: ${a.method}${a.mechanism ? ' ' + a.mechanism : ''} user=${a.user === undefined ? '-' : show(a.user)} secret=${a.secret ? `${a.secret.kind}:${show(a.secret.value ?? '')}` : '-'} ${a.outcome}${a.responseCode ? ` [${a.responseCode}]` : ''} frames ${a.frames.join(',')}`);
    }
    for (const cap of c.capabilities) out.push(`capabilities ${cap.phase} f${cap.frame}: ${cap.list.join(' | ')}`);
    if (c.transport.encryptedBytes) out.push(`encrypted bytes: ${c.transport.encryptedBytes.join(' / ')}`);
    for (const a of c.anomalies) out.push(`anomaly ${a.code} f${a.frame}${a.event !== undefined ? ` #${a.event}` : ''}${a.detail ? `: ${show(a.detail)}` : ''}`);
    out.push('');
  });
  return out.join('\n');
}
