/**
 * Exchange 2013+ IMAP4 and POP3 protocol logs (Set-ImapSettings -ProtocolLogEnabled): CSV with a
 * `#Fields: dateTime,sessionId,seqNumber,sIp,cIp,user,duration,rqsize,rpsize,command,parameters,context`
 * header, one row per command, the server's answer in the context's `R="..."` item and Exchange's
 * own diagnosis in `Msg=` / `ErrMsg=` (Microsoft's "Protocol logging for POP3 and IMAP4").
 *
 * Each session (sessionId) becomes a conversation: its rows are replayed as the dialogue they
 * record through the IMAP or POP3 dissector (so the same rules fire as on the wire: LOGIN failures,
 * exchange.proxy-not-authenticated), with the log's line numbers as frame numbers and Msg/ErrMsg as
 * notes. Exchange writes the password as `*****`: it is replayed quoted and the attempt carries no
 * secret facts (its length, whitespace... are unknown), so no password rule speaks from a mask.
 * LOGIN's arguments are replayed quoted, since the log does not keep how the client wrote them.
 * A session on 993/995 (or the back-end 1993/1995), or whose rows say SSL/TLS, or that sent
 * STARTTLS/STLS, is replayed as TLS (its dialogue is what the server saw inside it).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Conversation, DialogueEvent } from '../model/conversation.js';
import { createImapDissector } from '../protocols/imap/imap-dissector.js';
import { createPop3Dissector } from '../protocols/pop3/pop3-dissector.js';
import { newSummary } from '../tcp/connection.js';
import type { ConnectionInfo, Endpoint, SegmentMeta } from '../tcp/stream.js';
import { parseContext, parseCsvLine } from './csv.js';

/** Sessions held open at once (rows are grouped by session until the file ends); beyond it the oldest is finished. */
const MAX_OPEN_SESSIONS = 10_000;
/** Rows kept per session; later rows are counted. */
const MAX_ROWS_PER_SESSION = 10_000;

const FIELDS = ['dateTime', 'sessionId', 'seqNumber', 'sIp', 'cIp', 'user', 'duration', 'rqsize', 'rpsize', 'command', 'parameters', 'context'] as const;
type Field = (typeof FIELDS)[number];

interface Row {
  line: number;
  ts: number;
  seq: number;
  command: string;
  parameters: string;
  context: Array<[string, string]>;
  server: Endpoint;
  client: Endpoint;
}

interface Session {
  id: string;
  rows: Row[];
  dropped: number;
}

export interface LogReadSummary {
  format: 'exchange-protocol-log' | 'dovecot-log';
  lines: number;
  /** Rows (or lines) that could not be read (wrong field count, bad time). */
  badLines: number;
  sessions: number;
}

/** "10.0.0.1:993" or "[2001:db8::1]:993" or a bare address. */
function endpoint(s: string): Endpoint {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(s.trim());
  if (m && (m[1]!.includes('.') || s.startsWith('['))) return { ip: m[1]!, port: Number(m[2]) };
  return { ip: s.trim(), port: 0 };
}

/**
 * Reads an Exchange protocol log; each session's conversation goes to `onConversation` (with
 * `log` set and ids counted from 1 in the order sessions are finished).
 */
export async function readExchangeProtocolLog(path: string, onConversation: (c: Conversation) => void): Promise<LogReadSummary> {
  const summary: LogReadSummary = { format: 'exchange-protocol-log', lines: 0, badLines: 0, sessions: 0 };
  let columns: Partial<Record<Field, number>> | undefined;
  let logType = '';
  const open = new Map<string, Session>();
  let nextId = 1;
  const finish = (s: Session): void => {
    open.delete(s.id);
    summary.sessions++;
    onConversation(replay(s, nextId++, path, logType));
  };
  const lines = createInterface({ input: createReadStream(path, { encoding: 'latin1' }), crlfDelay: Infinity });
  for await (const raw of lines) {
    const lineNo = ++summary.lines;
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('#')) {
      const [key, value] = [line.slice(1, line.indexOf(':') >= 0 ? line.indexOf(':') : undefined), line.slice(line.indexOf(':') + 1).trim()];
      if (/^fields$/i.test(key)) columns = Object.fromEntries(value.split(',').map((f, i) => [f.trim(), i])) as Partial<Record<Field, number>>;
      else if (/^log-type$/i.test(key)) logType = value;
      continue;
    }
    if (line.trim() === '' ) continue;
    const f = parseCsvLine(line);
    const get = (k: Field): string => (columns?.[k] !== undefined ? f[columns[k]!] ?? '' : '');
    const ts = Date.parse(get('dateTime')) / 1000;
    const id = get('sessionId');
    if (!columns || !id || !Number.isFinite(ts)) {
      summary.badLines++;
      continue;
    }
    let s = open.get(id);
    if (!s) {
      if (open.size >= MAX_OPEN_SESSIONS) finish(open.values().next().value!);
      s = { id, rows: [], dropped: 0 };
      open.set(id, s);
    }
    if (s.rows.length >= MAX_ROWS_PER_SESSION) {
      s.dropped++;
      continue;
    }
    s.rows.push({
      line: lineNo, ts, seq: Number(get('seqNumber')) || 0, command: get('command'), parameters: get('parameters'),
      context: parseContext(get('context')), server: endpoint(get('sIp')), client: endpoint(get('cIp')),
    });
  }
  for (const s of [...open.values()]) finish(s);
  return summary;
}

const POP3_COMMANDS = new Set(['user', 'pass', 'apop', 'stat', 'list', 'retr', 'dele', 'noop', 'rset', 'quit', 'top', 'uidl', 'capa', 'stls', 'auth']);

function protocolOf(s: Session, logType: string): 'imap' | 'pop3' {
  if (/pop3/i.test(logType)) return 'pop3';
  if (/imap/i.test(logType)) return 'imap';
  const port = s.rows[0]?.server.port;
  if (port === 110 || port === 995 || port === 1995) return 'pop3';
  if (port === 143 || port === 993 || port === 1993) return 'imap';
  const cmds = s.rows.map((r) => r.command.toLowerCase()).filter(Boolean);
  return cmds.length > 0 && cmds.every((c) => POP3_COMMANDS.has(c)) ? 'pop3' : 'imap';
}

/** The session's rows replayed through the protocol's dissector. */
function replay(s: Session, id: number, file: string, logType: string): Conversation {
  const rows = s.rows.sort((a, b) => a.seq - b.seq || a.line - b.line);
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const protocol = protocolOf(s, logType);
  const info: ConnectionInfo = {
    // The log saw the session from its start (sawSyn: no "capture started mid-connection").
    id, client: first.client, server: first.server, roleSource: 'port',
    firstFrame: first.line, startTs: first.ts, sawSyn: true, vlans: [],
  };
  let out: Conversation | undefined;
  const factory = protocol === 'pop3' ? createPop3Dissector : createImapDissector;
  const tls = TLS_PORTS.has(first.server.port)
    || rows.some((r) => /^(starttls|stls)$/i.test(r.command) || r.context.some(([k]) => /^(ssl|tls)$/i.test(k)));
  const d = factory(info, { security: tls ? 'implicit-tls' : 'plain', onConversation: (c) => (out = c) });
  const offsets: [number, number] = [0, 0];
  const meta = (row: Row, dir: 0 | 1): SegmentMeta => ({ streamOffset: offsets[dir], firstFrame: row.line, lastFrame: row.line, ts: row.ts });
  const send = (dir: 0 | 1, text: string, row: Row): void => {
    const bytes = Buffer.from(`${text}\r\n`, 'latin1');
    d.data(dir, bytes, meta(row, dir));
    offsets[dir] += bytes.length;
  };
  const notes: Array<{ row: Row; text: string }> = [];
  let n = 0;
  for (const row of rows) {
    const context = new Map(row.context);
    const extra = row.context.filter(([k]) => k !== 'R').map(([k, v]) => (v ? `${k}=${v}` : k)).join('; ');
    if (!row.command) {
      if (extra) notes.push({ row, text: extra });
      continue;
    }
    const reply = context.get('R');
    const cmd = row.command.toUpperCase();
    if (tls && (cmd === 'STARTTLS' || cmd === 'STLS')) {
      notes.push({ row, text: `${cmd}${extra ? `; ${extra}` : ''} (the session is shown as TLS from its start)` });
      continue;
    }
    const params = row.parameters ? ` ${loggedParameters(protocol, cmd, row.parameters)}` : '';
    if (protocol === 'imap') {
      // The log does not keep the client's tag; the reply does when it quotes the tagged line.
      const tagged = reply !== undefined ? /^([^\s*+]+) (OK|NO|BAD)\b/i.exec(reply) : null;
      const tag = tagged ? tagged[1]! : `L${++n}`;
      send(0, `${tag} ${cmd}${params}`, row);
      if (reply !== undefined && reply.toLowerCase() !== 'ok') send(1, reply, row);
      else send(1, `${tag} OK ${cmd} completed.`, row);
    } else {
      send(0, `${cmd}${params}`, row);
      if (reply !== undefined && reply.toLowerCase() !== 'ok') send(1, reply, row);
      else send(1, '+OK', row);
    }
    if (extra) notes.push({ row, text: extra });
  }
  const endMeta = meta(last, 0);
  d.end(0, 'capture-end', endMeta);
  d.end(1, 'capture-end', meta(last, 1));
  const summary = { ...newSummary(), established: true, endReason: 'capture-end' as const, lastFrame: last.line, endTs: last.ts, bytes: [offsets[0], offsets[1]] as [number, number] };
  d.close(summary);
  const c = out!;
  // A log is no packet capture: no TCP facts (the tcp.* rules do not apply), and the frames are lines.
  delete c.tcp;
  c.transport.decrypted = false;
  delete c.transport.encryptedBytes;
  for (const a of c.auth) if (a.secret?.value === MASK) delete a.secret;
  c.log = { format: 'exchange-protocol-log', file, session: s.id };
  for (const { row, text } of notes) c.events.push(note(c, row, text));
  if (s.dropped > 0) c.events.push(note(c, last, `${s.dropped} more rows of this session not read (cap ${MAX_ROWS_PER_SESSION})`));
  sortEventsByLine(c);
  return c;
}

/** Exchange's mask for a password in `parameters`. */
const MASK = '*****';
const TLS_PORTS = new Set([993, 995, 1993, 1995]);

/** A command's parameters as replayed: LOGIN's two arguments quoted (the log does not keep their form). */
function loggedParameters(protocol: 'imap' | 'pop3', cmd: string, parameters: string): string {
  if (protocol !== 'imap' || cmd !== 'LOGIN') return parameters;
  const space = parameters.lastIndexOf(' ');
  if (space < 0) return parameters;
  const quote = (s: string): string => (/^".*"$/.test(s) ? s : `"${s.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`);
  return `${quote(parameters.slice(0, space))} ${quote(parameters.slice(space + 1))}`;
}

/**
 * The notes were added after the dissector's events: put every event in line order (stable) and
 * renumber what points at events (exchanges, greeting, anomalies).
 */
function sortEventsByLine(c: Conversation): void {
  const order = c.events.map((e, i) => ({ e, i })).sort((a, b) => a.e.frame - b.e.frame || a.i - b.i);
  const to = new Array<number>(order.length);
  order.forEach(({ i }, n) => (to[i] = n));
  c.events = order.map(({ e }, n) => ({ ...e, n }));
  for (const x of c.exchanges) {
    x.commandEvent = to[x.commandEvent]!;
    x.relatedEvents = x.relatedEvents.map((n) => to[n]!);
    if (x.completionEvent !== undefined) x.completionEvent = to[x.completionEvent]!;
  }
  if (c.greeting) c.greeting.event = to[c.greeting.event]!;
  for (const a of c.anomalies) if (a.event !== undefined) a.event = to[a.event]!;
}

/** A note event from the log (Exchange's own Msg/ErrMsg, connection rows). */
function note(c: Conversation, row: Row, text: string): DialogueEvent {
  return { n: c.events.length, side: 'S', kind: 'note', frame: row.line, lastFrame: row.line, ts: row.ts, raw: '', note: `log: ${text}`, streamOffset: 0 };
}
