/**
 * One conversation of the HTML report: a collapsible section with the facts (when, server, security,
 * outcome, logins), the ladder diagram fused with the transcript (one row per dialogue event: time,
 * frame, an arrow between the client and server lifelines, the line), and the findings beside it
 * with their explanation and fix. Rows a finding concerns are tinted in the finding's colour and
 * link to it; the finding links back to its rows.
 *
 * Everything taken from the capture goes through escapeHtml. The conversation must already be
 * redacted (or the user asked for secrets): this module renders what it is given.
 */
import type { Conversation, DialogueEvent, Finding, Severity } from '../model/conversation.js';
import type { ReportOptions } from './context.js';
import { escapeHtml as e } from './escape.js';
import { SEVERITY_ORDER, detailsText, endpoint, isoTime, lineText, outcome, secretFactsText, security, seconds, software, worstSeverity } from './describe.js';

/** Rows of transcript rendered per conversation; the rest are counted in a note (the text report has them all). */
export const MAX_HTML_EVENTS_PER_CONVERSATION = 2_000;
/** Characters of one line shown in a transcript row; the rest is counted (lines may be 64 KiB). */
export const MAX_HTML_LINE_CHARS = 1_000;
/** Characters of a conversation's search text (greeting, products, users...) in the embedded index. */
const MAX_SEARCH_CHARS = 2_000;
/** A pause between two lines longer than this is drawn as its own row, so time reads down the ladder. */
const PAUSE_SHOWN_SEC = 1;
/** Longest arrow label (command name or status), in characters. */
const MAX_LABEL_CHARS = 14;

const MARK: Record<Severity, string> = { error: '✖', warning: '▲', info: 'ℹ' };

/** The filter's view of a conversation: its worst shown severity ('none' without findings) and protocol group. */
export interface ConversationKey {
  id: number;
  severity: Severity | 'none';
  protocol: 'imap' | 'pop3' | 'other';
}

export function conversationKey(c: Conversation, findings: readonly Finding[]): ConversationKey {
  return { id: c.id, severity: worstSeverity(findings) ?? 'none', protocol: c.protocol === 'unknown' ? 'other' : c.protocol };
}

export function protocolLabel(c: Conversation): string {
  return c.protocol === 'unknown' ? 'TCP' : c.protocol.toUpperCase();
}

/** Words the client-side search matches against (lower-cased): endpoints, products, greeting, users, outcome, finding ids. */
export function searchText(c: Conversation, findings: readonly Finding[]): string {
  const words = [
    `#${c.id}`, protocolLabel(c), endpoint(c.client), endpoint(c.server), outcome(c), security(c),
    software(c.serverSoftware) ?? '', software(c.clientSoftware) ?? '', c.greeting?.text ?? '', c.input ?? '',
    ...c.auth.map((a) => a.user ?? ''), ...findings.map((f) => f.id),
  ];
  return words.filter(Boolean).join(' ').slice(0, MAX_SEARCH_CHARS).toLowerCase();
}

/** True when the outcome is a failure worth showing in red. */
export function badOutcome(text: string): boolean {
  return /failed|refused|no answer|no greeting/.test(text);
}

export function outcomeClass(text: string): string {
  return badOutcome(text) ? 'bad' : /login ok/.test(text) ? 'ok' : '';
}

/**
 * The <section> for one conversation. `findings` are the ones to show (already filtered by
 * --min-severity); `open` decides whether its <details> starts expanded; `maxRows` bounds the
 * transcript (at most MAX_HTML_EVENTS_PER_CONVERSATION).
 */
export function renderConversation(c: Conversation, findings: readonly Finding[], opts: ReportOptions, open: boolean, maxRows: number): string {
  const key = conversationKey(c, findings);
  const id = `c${c.id}`;
  const out: string[] = [];
  const what = outcome(c);
  out.push(`<section class="conv sev-${key.severity}" id="${id}" data-severity="${key.severity}" data-protocol="${key.protocol}" aria-labelledby="${id}-h">`);
  out.push(`<details${open ? ' open' : ''}><summary><h3 id="${id}-h"><span class="badge sev-${key.severity}">${key.severity}</span> #${c.id} ${protocolLabel(c)} `
    + `<span class="ep">${e(endpoint(c.client))}</span> → <span class="ep">${e(endpoint(c.server))}</span></h3>`
    + `<span class="outcome ${outcomeClass(what)}">${e(what)}</span></summary>`);
  out.push('<div class="conv-inner">');
  out.push(facts(c, opts));
  out.push('<div class="conv-body">');
  out.push(transcript(c, findings, opts, maxRows));
  out.push(findingList(c, findings, opts));
  out.push('</div></div></details></section>\n');
  return out.join('');
}

function facts(c: Conversation, opts: ReportOptions): string {
  const rows: Array<[string, string]> = [];
  rows.push(['when', `${e(isoTime(c.startTs))}, lasted ${e(seconds(c.endTs - c.startTs))}, frames ${c.firstFrame}–${c.lastFrame}`]);
  if (c.input) rows.push(['input', `<code>${e(c.input)}</code>`]);
  const server = software(c.serverSoftware);
  if (server) rows.push(['server', e(server) + details(c.serverSoftware?.details)]);
  const client = software(c.clientSoftware);
  if (client) rows.push(['client', e(client) + details(c.clientSoftware?.details)]);
  rows.push(['security', e(security(c))]);
  const what = outcome(c);
  rows.push(['outcome', `<span class="outcome ${outcomeClass(what)}">${e(what)}</span>`]);
  if (c.auth.length) rows.push([c.auth.length > 1 ? 'logins' : 'login', `<ul>${c.auth.map((a) => `<li>${login(c, a, opts)}</li>`).join('')}</ul>`]);
  for (const cap of c.capabilities) rows.push([`capabilities (${e(cap.phase)})`, `<code>${e(cap.list.join(' '))}</code>`]);
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function details(d: Record<string, string> | undefined): string {
  const text = detailsText(d);
  return text ? ` <span class="note">(${e(text)})</span>` : '';
}

function login(c: Conversation, a: Conversation['auth'][number], opts: ReportOptions): string {
  const mech = a.mechanism ? `${a.method} ${a.mechanism}` : a.method;
  const who = a.user !== undefined ? `user <code>${e(JSON.stringify(a.user))}</code>` : 'user unknown';
  let secret = '';
  if (a.secret) {
    const s = a.secret;
    const facts = secretFactsText(s);
    const value = opts.showSecrets && s.value !== undefined ? ` <code class="secret">${e(JSON.stringify(s.value))}</code>` : '';
    secret = `, ${e(s.kind)}${value} (${facts})`;
  }
  const result = a.outcome === 'failed' ? '<strong class="outcome bad">failed</strong>' : a.outcome === 'ok' ? '<strong class="outcome ok">ok</strong>' : e(a.outcome);
  const server = a.serverText ? ` <span class="note">(${e(a.serverText)})</span>` : '';
  const frame = a.frames[0];
  const ev = c.exchanges[a.exchange]?.commandEvent;
  const where = frame === undefined ? '' : ev !== undefined ? ` — <a href="#c${c.id}-e${ev}">frame ${frame}</a>` : ` — frame ${frame}`;
  return `${e(mech)}, ${who}${secret}, ${a.encrypted ? 'encrypted' : 'in cleartext'}: ${result}${server}${where}`;
}

/** The short label drawn on an event's arrow: the command name, or the completion status. */
function arrowLabel(c: Conversation, ev: DialogueEvent): string {
  if (ev.kind === 'gap') return 'gap';
  if (ev.kind === 'tls') return 'TLS';
  if (ev.kind === 'malformed') return 'malformed';
  if (ev.kind !== 'line') return '';
  if (c.greeting?.event === ev.n) return 'greeting';
  const x = ev.exchange !== undefined ? c.exchanges[ev.exchange] : undefined;
  if (!x) return '';
  // The command name comes from the exchange; show it only when the (possibly redacted) line
  // carries it too, so a secret typed where a command belongs never reaches the label.
  if (x.commandEvent === ev.n) return ev.raw.toUpperCase().includes(x.command) ? x.command : '';
  if (x.completionEvent === ev.n) return x.status ?? '';
  return '';
}

/** One row of the ladder: a dialogue event, or a TCP fact (SYN, RST, FIN) the dialogue does not show. */
interface LadderRow {
  anchor: string;
  ts: number;
  frame?: number;
  /** Direction of the arrow; undefined: a fact about the connection, drawn without an arrow. */
  side?: 'C' | 'S';
  kind: string;
  label: string;
  /** The line as text (escaped when rendered). */
  text: string;
  tags: string[];
  findings: Finding[];
}

function clip(text: string): string {
  if (text.length <= MAX_HTML_LINE_CHARS) return text;
  return `${text.slice(0, MAX_HTML_LINE_CHARS)} ‹… ${text.length - MAX_HTML_LINE_CHARS} more characters›`;
}

/** The TCP rows before and after the dialogue, from the connection summary. Frames are only given when known. */
function tcpRows(c: Conversation, findings: readonly Finding[]): { before: LadderRow[]; after: LadderRow[] } {
  const t = c.tcp;
  const before: LadderRow[] = [];
  const after: LadderRow[] = [];
  if (!t) return { before, after };
  // A connection-level finding (no event) belongs on the row of a frame it names.
  const at = (frame: number | undefined): Finding[] => (frame === undefined ? [] : findings.filter((f) => f.events.length === 0 && f.frames.includes(frame)));
  const id = `c${c.id}`;
  const syn = t.synFrames[0];
  if (c.sawSyn && syn !== undefined) {
    const tries = t.synFrames.length > 1 ? `, sent ${t.synFrames.length} times` : '';
    before.push({ anchor: `${id}-syn`, ts: c.startTs, frame: syn, side: 'C', kind: 'tcp', label: 'SYN', text: `[TCP SYN: connection opened${tries}]`, tags: [], findings: at(syn) });
  }
  const end = (row: Omit<LadderRow, 'anchor' | 'ts' | 'tags' | 'findings'>): void => {
    after.push({ ...row, anchor: `${id}-end`, ts: t.endTs, tags: [], findings: at(row.frame) });
  };
  if (t.noAnswer) end({ kind: 'conn', label: '', text: '[no answer to the SYN]' });
  else if (t.refused) end({ frame: t.resetFrame, side: 'S', kind: 'tcp', label: 'RST', text: '[TCP RST: connection refused]' });
  else if (t.resetBy) end({ frame: t.resetFrame, side: t.resetBy === 'client' ? 'C' : 'S', kind: 'tcp', label: 'RST', text: `[TCP RST: connection reset by the ${t.resetBy}]` });
  else if (t.finBy) end({ side: t.finBy === 'client' ? 'C' : 'S', kind: 'tcp', label: 'FIN', text: `[TCP FIN: connection closed by the ${t.finBy}]` });
  else if (t.endReason === 'capture-end') end({ kind: 'conn', label: '', text: '[the capture ended with the connection still open]' });
  else if (t.endReason === 'timeout') end({ kind: 'conn', label: '', text: '[connection idle until the analysis timed it out]' });
  else if (t.endReason === 'evicted') end({ kind: 'conn', label: '', text: '[connection dropped from the flow table (cap)]' });
  return { before, after };
}

function transcript(c: Conversation, findings: readonly Finding[], opts: ReportOptions, maxRows: number): string {
  const byEvent = new Map<number, Finding[]>();
  const index = new Map<Finding, number>();
  findings.forEach((f, i) => {
    index.set(f, i);
    for (const n of f.events) if (n >= 0 && n < c.events.length) byEvent.set(n, [...(byEvent.get(n) ?? []), f]);
  });
  const id = `c${c.id}`;
  const shown = Math.min(c.events.length, maxRows);
  const { before, after } = tcpRows(c, findings);
  const rows: LadderRow[] = [...before];
  for (let i = 0; i < shown; i++) {
    const ev = c.events[i]!;
    rows.push({
      anchor: `${id}-e${ev.n}`,
      ts: ev.ts,
      frame: ev.frame,
      side: ev.side,
      kind: ev.kind,
      label: arrowLabel(c, ev),
      text: clip(lineText(ev, opts.bodies)),
      tags: [ev.decrypted ? 'tls' : '', ev.inflated ? 'deflate' : '', ev.bareLf ? 'bare LF' : ''].filter(Boolean),
      findings: byEvent.get(ev.n) ?? [],
    });
  }
  if (shown === c.events.length) rows.push(...after);

  const out: string[] = [];
  out.push('<div class="transcript-wrap"><table class="transcript">');
  out.push(`<caption class="sr-only">Transcript of conversation #${c.id}: client ${e(endpoint(c.client))}, server ${e(endpoint(c.server))}</caption>`);
  out.push('<thead><tr><th scope="col">time</th><th scope="col">frame</th><th scope="col" class="lad-h"><span>client</span><span>server</span></th><th scope="col">line</th></tr></thead><tbody>');
  let prevTs = c.startTs;
  rows.forEach((r, i) => {
    const pause = r.ts - prevTs;
    if (i > 0 && pause > PAUSE_SHOWN_SEC) {
      out.push(`<tr class="pause"><td></td><td></td><td class="lad" aria-hidden="true"></td><td class="ln">${e(seconds(pause))} later</td></tr>`);
    }
    prevTs = Math.max(prevTs, r.ts);
    const sev = worstSeverity(r.findings);
    const dir = r.side === 'C' ? 'c2s' : r.side === 'S' ? 's2c' : 'conn';
    const cls = ['ev', dir, `k-${r.kind}`, sev ? `sev-${sev}` : ''].filter(Boolean).join(' ');
    const label = r.label.slice(0, MAX_LABEL_CHARS);
    const arrow = r.side ? `<span class="arrow">${label ? `<span class="lbl">${e(label)}</span>` : ''}</span>` : '';
    const tags = r.tags.map((t) => `<span class="tag">${e(t)}</span>`).join('');
    const marks = [...r.findings].sort((a, b) => SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity])
      .map((f) => `<a class="mark sev-${f.severity}" href="#${id}-f${index.get(f)}" title="${e(f.message)}">${MARK[f.severity]} ${e(f.id)}</a>`).join('');
    const frame = r.frame === undefined ? '' : `<a href="#${r.anchor}">${r.frame}</a>`;
    out.push(`<tr class="${cls}" id="${r.anchor}"><td class="t">+${(r.ts - c.startTs).toFixed(3)}</td><td class="fr">${frame}</td>`
      + `<td class="lad" aria-hidden="true">${arrow}</td>`
      + `<td class="ln">${r.side ? `<span class="side">${r.side}:</span> ` : ''}${e(r.text)}${tags}${marks}</td></tr>`);
  });
  out.push('</tbody></table>');
  const notShown = c.events.length - shown;
  const notes: string[] = [];
  if (c.events.length === 0) notes.push('No dialogue lines in this conversation.');
  if (notShown > 0) {
    const why = maxRows >= MAX_HTML_EVENTS_PER_CONVERSATION ? `at most ${MAX_HTML_EVENTS_PER_CONVERSATION} per conversation in this report` : 'the lines this report may hold in all are spent';
    notes.push(`… ${notShown} more lines not shown here (${why}; the text report has them all).`);
  }
  if (c.droppedEvents) notes.push(`… ${c.droppedEvents} more lines were not kept by the analysis (cap per conversation).`);
  for (const n of notes) out.push(`<p class="more-rows">${e(n)}</p>`);
  out.push('</div>');
  return out.join('');
}

function findingList(c: Conversation, findings: readonly Finding[], opts: ReportOptions): string {
  const id = `c${c.id}`;
  if (findings.length === 0) return `<aside class="findings" aria-label="Findings of conversation #${c.id}"><h4>Findings</h4><p class="no-findings">No findings.</p></aside>`;
  const items = findings.map((f, i) => renderFinding(f, opts, `${id}-f${i}`, (n) => (n >= 0 && n < c.events.length ? { href: `#${id}-e${n}`, frame: c.events[n]!.frame } : undefined)));
  return `<aside class="findings" aria-label="Findings of conversation #${c.id}"><h4>Findings (${findings.length})</h4><ol>${items.join('')}</ol></aside>`;
}

/**
 * One finding as a list item: severity, id, title, message, where (links to the rows it concerns
 * when `row` can place its events), `extraHtml` (trusted markup, e.g. a link), and the catalogue's
 * explanation, fix and references.
 */
export function renderFinding(
  f: Finding,
  opts: ReportOptions,
  anchor: string,
  row: (event: number) => { href: string; frame: number } | undefined,
  extraHtml = '',
): string {
  const info = opts.ruleInfo(f.id);
  const out: string[] = [];
  out.push(`<li class="finding sev-${f.severity}" id="${anchor}">`);
  out.push(`<p class="fhead"><span class="badge sev-${f.severity}">${f.severity}</span><code>${e(f.id)}</code></p>`);
  if (info?.title) out.push(`<p class="ftitle">${e(info.title)}</p>`);
  out.push(`<p class="msg">${e(f.message)}</p>`, extraHtml);
  const links = f.events.map(row).filter((r): r is { href: string; frame: number } => r !== undefined).sort((a, b) => a.frame - b.frame);
  if (links.length) out.push(`<p class="where">at frame ${links.slice(0, 10).map((l) => `<a href="${l.href}">${l.frame}</a>`).join(', ')}${links.length > 10 ? ', …' : ''}</p>`);
  else if (f.frames.length) out.push(`<p class="where">frame ${f.frames.slice(0, 10).join(', ')}${f.frames.length > 10 ? ', …' : ''}</p>`);
  if (info) {
    out.push(`<dl><dt>Why</dt><dd>${e(info.explanation)}</dd><dt>Fix</dt><dd>${e(info.fix)}</dd>`);
    // References are shown as text, never as links: the report makes no network requests, not even on a click.
    if (info.references.length) out.push(`<dt>References</dt><dd class="refs">${info.references.map((r) => e(r)).join('<br>')}</dd>`);
    out.push('</dl>');
  }
  out.push('</li>');
  return out.join('');
}
