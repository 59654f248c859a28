/**
 * Runs capture files through the real pipeline (capture → decode → tcp → dispatcher → IMAP
 * dissector, TLS layer with an optional key log) and renders each IMAP conversation as a golden
 * transcript: every event (secrets between [[ ]], literals summarised), then exchanges, logins,
 * capabilities, software and anomalies.
 */
import { analyzeInputs } from '../../../src/analyze.js';
import type { Conversation, DialogueEvent } from '../../../src/model/conversation.js';

/** The IMAP conversations of one capture file, in connection order. */
export async function dissectImapFile(path: string, keyLogText?: string): Promise<Conversation[]> {
  const out: Conversation[] = [];
  const opts: Parameters<typeof analyzeInputs>[1] = { onConversation: (c: Conversation) => void (c.protocol === 'imap' && out.push(c)) };
  if (keyLogText !== undefined) opts.keyLogText = keyLogText;
  await analyzeInputs([path], opts);
  return out.sort((a, b) => a.id - b.id);
}

/** Escapes control and non-ASCII characters: one plain-ASCII line per event. */
export function show(s: string): string {
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
  if (e.inflated) tags.push('inflated');
  if (e.exchange !== undefined) tags.push(`x${e.exchange}`);
  let line = `#${e.n} f${e.frame}${e.lastFrame !== e.frame ? `-${e.lastFrame}` : ''} ${e.side}${tags.length ? ` [${tags.join(',')}]` : ''}: ${raw}${e.note ? ` (${e.note})` : ''}`;
  for (const l of e.literals ?? []) {
    line += `\n    literal ${l.form} ${l.size} bytes at ${l.at}, received ${l.received}${l.complete ? '' : ' INCOMPLETE'}${l.secret ? ' SECRET' : ''}, frames ${l.firstFrame}-${l.lastFrame}: "${show(l.head.slice(0, 60))}"`;
  }
  return line;
}

/** The golden transcript of one capture's IMAP conversations. */
export function renderGolden(convs: readonly Conversation[]): string {
  const out: string[] = [];
  for (const c of convs) {
    out.push(`== connection ${c.id} ${c.client.ip}:${c.client.port} -> ${c.server.ip}:${c.server.port} (${c.sawSyn ? 'syn' : 'no syn'}, ${c.transport.security}${c.transport.compressed ? ', compressed' : ''}) state ${c.state}`);
    if (c.serverSoftware) out.push(`server: ${c.serverSoftware.product}${c.serverSoftware.version ? ' ' + c.serverSoftware.version : ''} (${c.serverSoftware.source})${c.serverSoftware.details ? ' ' + JSON.stringify(c.serverSoftware.details) : ''}`);
    if (c.clientSoftware) out.push(`client: ${c.clientSoftware.product}${c.clientSoftware.version ? ' ' + c.clientSoftware.version : ''} (${c.clientSoftware.source})`);
    for (const e of c.events) out.push(eventText(e));
    if (c.droppedEvents) out.push(`dropped events: ${c.droppedEvents}`);
    for (const x of c.exchanges) {
      out.push(`exchange ${x.n}: ${x.tag} ${x.command}${x.known ? '' : ' (unknown)'} in ${x.state} -> ${x.status ?? 'no answer'}${x.responseCode ? ` [${show(x.responseCode)}]` : ''} f${x.commandFrame}${x.completionFrame !== undefined ? `->f${x.completionFrame}` : ''} related ${x.relatedEvents.length}`);
    }
    for (const a of c.auth) {
      out.push(`login ${a.n}: ${a.method}${a.mechanism ? ' ' + a.mechanism : ''} user=${a.user === undefined ? '-' : show(a.user)} (${a.userForm ?? '-'}) secret=${a.secret ? `${a.secret.kind}:${show(a.secret.value ?? '')}` : '-'} ${a.outcome}${a.encrypted ? ' encrypted' : ''}${a.responseCode ? ` [${show(a.responseCode)}]` : ''} frames ${a.frames.join(',')}`);
    }
    for (const cap of c.capabilities) out.push(`capabilities ${cap.phase} f${cap.frame}: ${cap.list.join(' ')}`);
    if (c.transport.encryptedBytes) out.push(`encrypted bytes: ${c.transport.encryptedBytes.join(' / ')}`);
    for (const a of c.anomalies) out.push(`anomaly ${a.code} f${a.frame}${a.event !== undefined ? ` #${a.event}` : ''}${a.detail ? `: ${show(a.detail)}` : ''}`);
    out.push('');
  }
  return out.join('\n');
}
