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
import { displayFilter } from '../tcp/stream-index.js';
import type { Conversation, DialogueEvent, Finding, Severity } from '../model/conversation.js';
import type { ReportOptions } from './context.js';
import { escapeHtml as e } from './escape.js';
import type { TlsFacts } from '../protocols/tls/types.js';
import { SEVERITY_ORDER, detailsText, endpoint, findingWhere, isoTime, lineText, outcome, secretFactsText, security, seconds, software, spanText, tlsFingerprintText, worstSeverity } from './describe.js';

/** Rows of transcript rendered per conversation; the rest are counted in a note (the text report has them all). */
export const MAX_HTML_EVENTS_PER_CONVERSATION = 2_000;
/** Characters of one line shown in a transcript row; the rest is counted (lines may be 64 KiB). */
export const MAX_HTML_LINE_CHARS = 1_000;
/** Characters of a conversation's search text (greeting, products, users...) in the embedded index. */
const MAX_SEARCH_CHARS = 2_000;
/** A pause between two lines longer than this is drawn as its own row, so time reads down the ladder. */
const PAUSE_SHOWN_SEC = 1;
/** Later occurrences of a repeated finding listed in its card. */
const MAX_GROUPED_SHOWN = 20;
/** Longest arrow label (command name or status), in characters. */
const MAX_LABEL_CHARS = 14;

const MARK: Record<Severity, string> = { error: '✖', warning: '▲', info: 'ℹ' };

/** The filter's view of a conversation: its worst shown severity ('none' without findings) and protocol group. */
export interface ConversationKey {
  id: number;
  severity: Severity | 'none';
  protocol: 'imap' | 'pop3' | 'smtp' | 'other';
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
  return /failed|refused|rejected|no answer|no greeting/.test(text);
}

export function outcomeClass(text: string): string {
  return badOutcome(text) ? 'bad' : /login ok/.test(text) ? 'ok' : '';
}

/**
 * One conversation's markup, in two parts so the page can decide at the end which conversations
 * start expanded: `summary` is the always-visible line, `body` the facts, ladder and findings.
 */
export interface ConversationMarkup {
  summary: string;
  body: string;
}

/**
 * The markup for one conversation. `findings` are the ones to show (already filtered by
 * --min-severity); `maxRows` bounds the transcript (at most MAX_HTML_EVENTS_PER_CONVERSATION).
 */
export function renderConversation(c: Conversation, findings: readonly Finding[], opts: ReportOptions, maxRows: number, verdict?: string): ConversationMarkup {
  const key = conversationKey(c, findings);
  const id = `c${c.id}`;
  const what = outcome(c);
  const summary = `<summary><h3 id="${id}-h"><span class="badge sev-${key.severity}">${key.severity}</span> #${c.id} ${protocolLabel(c)} `
    + `<span class="ep">${e(endpoint(c.client))}</span> → <span class="ep">${e(endpoint(c.server))}</span></h3>`
    + `<span class="outcome ${outcomeClass(what)}">${e(what)}</span>`
    + `${verdict ? `<span class="verdict">${e(verdict)}</span>` : ''}</summary>`;
  // Repeated findings (the same rule more than once) share one card: every occurrence links to it.
  const groups = groupFindings(findings);
  const anchorOf = new Map<Finding, string>();
  groups.forEach((g, i) => { for (const f of g) anchorOf.set(f, `${id}-f${i}`); });
  const body = ['<div class="conv-inner">', facts(c, opts), '<div class="conv-body">', transcript(c, findings, opts, maxRows, anchorOf), findingList(c, groups, opts), '</div></div>'].join('');
  return { summary, body };
}

/**
 * The whole <section>. A conversation that starts collapsed carries its body in a <template>: the
 * browser parses it but neither styles nor lays it out until the reader opens it (the page's script
 * moves it into place), which is what lets a report of thousands of conversations open at once.
 */
export function conversationSection(c: ConversationKey, m: ConversationMarkup, open: boolean): string {
  const id = `c${c.id}`;
  const body = open ? m.body : `<template class="lazy">${m.body}</template>`;
  return `<section class="conv sev-${c.severity}" id="${id}" data-severity="${c.severity}" data-protocol="${c.protocol}" aria-labelledby="${id}-h">`
    + `<details${open ? ' open' : ''}>${m.summary}${body}</details></section>\n`;
}

/** Findings grouped by id, in the order of each id's first occurrence. */
function groupFindings(findings: readonly Finding[]): Finding[][] {
  const byId = new Map<string, Finding[]>();
  for (const f of findings) {
    const g = byId.get(f.id);
    if (g) g.push(f);
    else byId.set(f.id, [f]);
  }
  return [...byId.values()];
}

function facts(c: Conversation, opts: ReportOptions): string {
  const rows: Array<[string, string]> = [];
  rows.push(['when', `${e(isoTime(c.startTs))}, lasted ${e(seconds(c.endTs - c.startTs))}, ${e(spanText(c))}`]);
  if (c.input) rows.push(['input', `<code>${e(c.input)}</code>`]);
  if (c.tcpStream !== undefined) rows.push(['Wireshark', `<code class="filter">${e(displayFilter(c.tcpStream))}</code>`]);
  const server = software(c.serverSoftware);
  if (server) rows.push(['server', e(server) + details(c.serverSoftware?.details)]);
  const client = software(c.clientSoftware);
  if (client) rows.push(['client', e(client) + details(c.clientSoftware?.details)]);
  rows.push(['security', e(security(c))]);
  const fingerprint = tlsFingerprintText(c);
  if (fingerprint) rows.push(['tls', e(fingerprint)]);
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

/**
 * The TLS handshake as ladder rows (hellos, certificates, alerts, ChangeCipherSpec), so the
 * handshake reads in the diagram and a finding about a handshake frame has a row to sit on.
 */
function tlsRows(c: Conversation, findings: readonly Finding[]): LadderRow[] {
  const tls = c.tls as TlsFacts | undefined;
  if (!tls) return [];
  const at = (frame: number): Finding[] => findings.filter((f) => f.events.length === 0 && f.frames.includes(frame));
  const id = `c${c.id}`;
  const rows: LadderRow[] = [];
  const add = (frame: number, ts: number, side: 'C' | 'S', label: string, text: string): void => {
    rows.push({ anchor: `${id}-tls${rows.length}`, ts, frame, side, kind: 'tls', label, text, tags: [], findings: at(frame) });
  };
  for (const h of tls.clientHellos) {
    const offer = [h.versionsOffered.map((v) => v.name).join('/'), h.sni ? `SNI ${h.sni}` : '', h.alpn?.length ? `ALPN ${h.alpn.join(',')}` : ''].filter(Boolean).join(', ');
    add(h.frame, h.ts, 'C', 'ClientHello', `[TLS ClientHello: ${offer}]`);
  }
  for (const h of tls.serverHellos) {
    add(h.frame, h.ts, 'S', h.helloRetryRequest ? 'HelloRetry' : 'ServerHello', `[TLS ${h.helloRetryRequest ? 'HelloRetryRequest' : 'ServerHello'}: ${h.version.name}, ${h.cipherSuite.name}${h.resumed ? ', resumed' : ''}]`);
  }
  for (const m of tls.certificates) {
    const leaf = m.certificates[0];
    const who = leaf ? (leaf.subjectCN[0] ?? (leaf.subject || 'no subject')) : 'empty';
    add(m.frame, m.ts, m.sender === 'client' ? 'C' : 'S', 'Certificate', `[TLS Certificate: ${who}, ${m.certificates.length + m.droppedCertificates} in the chain${m.decrypted ? ', decrypted' : ''}]`);
  }
  for (const a of tls.alerts) add(a.frame, a.ts, a.sender === 'client' ? 'C' : 'S', 'Alert', `[TLS alert, ${a.level}: ${a.name}${a.decrypted ? ', decrypted' : ''}]`);
  // The record carries no time of its own: the nearest known row's time keeps the ladder's pauses right.
  for (const [sender, frames] of [['C', tls.changeCipherSpec.client], ['S', tls.changeCipherSpec.server]] as const) {
    for (const frame of frames) add(frame, NaN, sender, 'CCS', '[TLS ChangeCipherSpec]');
  }
  rows.sort((a, b) => a.frame! - b.frame!);
  rows.forEach((r, i) => {
    if (Number.isNaN(r.ts)) r.ts = rows.slice(0, i).reverse().find((x) => !Number.isNaN(x.ts))?.ts ?? rows.find((x) => !Number.isNaN(x.ts))?.ts ?? c.startTs;
  });
  return rows;
}

/** `extra` merged into `rows` by frame number (both in frame order; a row without a frame keeps its place). */
function mergeByFrame(rows: LadderRow[], extra: readonly LadderRow[]): LadderRow[] {
  if (extra.length === 0) return rows;
  const out: LadderRow[] = [];
  let j = 0;
  for (const r of rows) {
    while (j < extra.length && r.frame !== undefined && extra[j]!.frame! < r.frame) out.push(extra[j++]!);
    out.push(r);
  }
  while (j < extra.length) out.push(extra[j++]!);
  return out;
}

function transcript(c: Conversation, findings: readonly Finding[], opts: ReportOptions, maxRows: number, anchorOf: ReadonlyMap<Finding, string>): string {
  const byEvent = new Map<number, Finding[]>();
  for (const f of findings) {
    for (const n of f.events) if (n >= 0 && n < c.events.length) byEvent.set(n, [...(byEvent.get(n) ?? []), f]);
  }
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
  // TLS rows go between the dialogue rows by frame (those past a cut transcript are left out); the
  // connection's end comes last.
  const complete = shown === c.events.length;
  const handshake = tlsRows(c, findings).filter((r) => complete || r.frame! <= (c.events[shown - 1]?.frame ?? 0));
  const ladder = [...mergeByFrame(rows, handshake), ...(complete ? after : [])];

  const out: string[] = [];
  out.push('<div class="transcript-wrap"><table class="transcript">');
  out.push(`<caption class="sr-only">Transcript of conversation #${c.id}: client ${e(endpoint(c.client))}, server ${e(endpoint(c.server))}</caption>`);
  out.push('<thead><tr><th scope="col">time</th><th scope="col">frame</th><th scope="col" class="lad-h"><span>client</span><span>server</span></th><th scope="col">line</th></tr></thead><tbody>');
  let prevTs = c.startTs;
  ladder.forEach((r, i) => {
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
      .map((f) => `<a class="mark sev-${f.severity}" href="#${anchorOf.get(f)}" title="${e(f.message)}">${MARK[f.severity]} ${e(f.id)}</a>`).join('');
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

function findingList(c: Conversation, groups: readonly Finding[][], opts: ReportOptions): string {
  const id = `c${c.id}`;
  if (groups.length === 0) return `<aside class="findings" aria-label="Findings of conversation #${c.id}"><h4>Findings</h4><p class="no-findings">No findings.</p></aside>`;
  const row = (n: number): { href: string; frame: number } | undefined => (n >= 0 && n < c.events.length ? { href: `#${id}-e${n}`, frame: c.events[n]!.frame } : undefined);
  const items = groups.map((g, i) => renderFinding(g[0]!, opts, `${id}-f${i}`, row, '', g.slice(1)));
  const total = groups.reduce((n, g) => n + g.length, 0);
  return `<aside class="findings" aria-label="Findings of conversation #${c.id}"><h4>Findings (${total})</h4><ol>${items.join('')}</ol></aside>`;
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
  more: readonly Finding[] = [],
): string {
  const info = opts.ruleInfo(f.id);
  const out: string[] = [];
  out.push(`<li class="finding sev-${f.severity}" id="${anchor}">`);
  const times = more.length ? ` <span class="times" title="${more.length + 1} occurrences">×${more.length + 1}</span>` : '';
  out.push(`<p class="fhead"><span class="badge sev-${f.severity}">${f.severity}</span><code>${e(f.id)}</code>${times}</p>`);
  if (info?.title) out.push(`<p class="ftitle">${e(info.title)}</p>`);
  out.push(`<p class="msg">${e(f.message)}</p>`, extraHtml);
  const links = f.events.map(row).filter((r): r is { href: string; frame: number } => r !== undefined).sort((a, b) => a.frame - b.frame);
  if (links.length) out.push(`<p class="where">at ${f.lines ? `${e(f.lines[0]!.replace(/:\d+$/, ''))} line` : 'frame'} ${links.slice(0, 10).map((l) => `<a href="${l.href}">${l.frame}</a>`).join(', ')}${links.length > 10 ? ', …' : ''}</p>`);
  else if (f.frames.length) out.push(`<p class="where">${e(findingWhere(f, 10))}</p>`);
  if (more.length) {
    // Later occurrences: their own words (they may differ: another user, another answer) and where.
    out.push(`<details class="also"><summary>${more.length} more time${more.length > 1 ? 's' : ''}</summary><ul>`);
    for (const m of more.slice(0, MAX_GROUPED_SHOWN)) {
      const at = m.events.map(row).find((r) => r !== undefined);
      const where = at ? ` — <a href="${at.href}">frame ${at.frame}</a>` : m.frames.length ? ` — frame ${m.frames[0]}` : '';
      out.push(`<li>${e(m.message)}${where}</li>`);
    }
    if (more.length > MAX_GROUPED_SHOWN) out.push(`<li>… and ${more.length - MAX_GROUPED_SHOWN} more</li>`);
    out.push('</ul></details>');
  }
  if (info) {
    out.push(`<dl><dt>Why</dt><dd>${e(info.explanation)}</dd><dt>Fix</dt><dd>${e(info.fix)}</dd>`);
    // References are shown as text, never as links: the report makes no network requests, not even on a click.
    if (info.references.length) out.push(`<dt>References</dt><dd class="refs">${info.references.map((r) => e(r)).join('<br>')}</dd>`);
    out.push('</dl>');
  }
  out.push('</li>');
  return out.join('');
}
