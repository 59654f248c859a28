/**
 * Golden transcripts of dissected conversations, shared by the IMAP and POP3 corpus tests: every
 * event (secrets between [[ ]] so the file proves where the dissector put them), then exchanges,
 * logins, capabilities, encrypted byte counts and anomalies. Plain ASCII, one line per event.
 */
import { analyzeInputs } from '../../src/analyze.js';
import type { Conversation, DialogueEvent, LiteralInfo } from '../../src/model/conversation.js';

/** Escapes control and non-ASCII characters. */
export function show(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f-\uffff]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The conversations of one capture file that `keep` selects, in connection order, through the real pipeline. */
export async function dissectFile(path: string, keep: (c: Conversation) => boolean, keyLogText?: string): Promise<Conversation[]> {
  const out: Conversation[] = [];
  const opts: Parameters<typeof analyzeInputs>[1] = { onConversation: (c: Conversation) => void (keep(c) && out.push(c)) };
  if (keyLogText !== undefined) opts.keyLogText = keyLogText;
  await analyzeInputs([path], opts);
  return out.sort((a, b) => a.id - b.id);
}

/** What differs between the protocols' transcripts. */
export interface GoldenStyle {
  /** Extra tags after the side (e.g. the exchange number). */
  tags(e: DialogueEvent): string[];
  /** Text appended to an event's line. */
  suffix(e: DialogueEvent): string;
  /** The line describing a literal or body. */
  literal(e: DialogueEvent, l: LiteralInfo): string;
  /** Extra login facts after the user name. */
  loginExtra(a: Conversation['auth'][number]): string;
  capabilitySeparator: string;
  /** Only connections that carried dialogue, numbered from 1 (instead of the conversation id). */
  numberSpoken: boolean;
}

function eventText(e: DialogueEvent, style: GoldenStyle): string {
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
  tags.push(...style.tags(e));
  let line = `#${e.n} f${e.frame}${e.lastFrame !== e.frame ? `-${e.lastFrame}` : ''} ${e.side}${tags.length ? ` [${tags.join(',')}]` : ''}: ${raw}${e.note ? ` (${e.note})` : ''}${style.suffix(e)}`;
  for (const l of e.literals ?? []) line += `\n    ${style.literal(e, l)}`;
  return line;
}

/** The golden transcript of one capture's conversations. */
export function renderGolden(convs: readonly Conversation[], style: GoldenStyle): string {
  const out: string[] = [];
  const shown = style.numberSpoken ? convs.filter((c) => c.events.length > 0) : convs;
  shown.forEach((c, i) => {
    const number = style.numberSpoken ? i + 1 : c.id;
    out.push(`== connection ${number} ${c.client.ip}:${c.client.port} -> ${c.server.ip}:${c.server.port} (${c.sawSyn ? 'syn' : 'no syn'}, ${c.transport.security}${c.transport.compressed ? ', compressed' : ''}) state ${c.state}`);
    if (c.serverSoftware) out.push(`server: ${c.serverSoftware.product}${c.serverSoftware.version ? ' ' + c.serverSoftware.version : ''} (${c.serverSoftware.source})${c.serverSoftware.details ? ' ' + JSON.stringify(c.serverSoftware.details) : ''}`);
    if (c.clientSoftware) out.push(`client: ${c.clientSoftware.product}${c.clientSoftware.version ? ' ' + c.clientSoftware.version : ''} (${c.clientSoftware.source})`);
    for (const e of c.events) out.push(eventText(e, style));
    if (c.droppedEvents) out.push(`dropped events: ${c.droppedEvents}`);
    for (const x of c.exchanges) {
      out.push(`exchange ${x.n}: ${x.tag !== undefined ? `${x.tag} ` : ''}${x.command}${x.known ? '' : ' (unknown)'} in ${x.state} -> ${x.status ?? 'no answer'}${x.responseCode ? ` [${show(x.responseCode)}]` : ''} f${x.commandFrame}${x.completionFrame !== undefined ? `->f${x.completionFrame}` : ''} related ${x.relatedEvents.length}`);
    }
    for (const a of c.auth) {
      out.push(`login ${a.n}: ${a.method}${a.mechanism ? ' ' + a.mechanism : ''} user=${a.user === undefined ? '-' : show(a.user)}${style.loginExtra(a)} secret=${a.secret ? `${a.secret.kind}:${show(a.secret.value ?? '')}` : '-'} ${a.outcome}${a.encrypted ? ' encrypted' : ''}${a.responseCode ? ` [${show(a.responseCode)}]` : ''} frames ${a.frames.join(',')}`);
    }
    for (const cap of c.capabilities) out.push(`capabilities ${cap.phase} f${cap.frame}: ${cap.list.join(style.capabilitySeparator)}`);
    if (c.transport.encryptedBytes) out.push(`encrypted bytes: ${c.transport.encryptedBytes.join(' / ')}`);
    for (const a of c.anomalies) out.push(`anomaly ${a.code} f${a.frame}${a.event !== undefined ? ` #${a.event}` : ''}${a.detail ? `: ${show(a.detail)}` : ''}`);
    out.push('');
  });
  return out.join('\n');
}
