/**
 * The HTML report: one self-contained page (inline style and script, no fonts, images or requests
 * of any kind) with a summary, a filterable list of the conversations, and for each conversation a
 * ladder diagram fused with its transcript and its findings beside it. See docs/html-report.md.
 *
 * Conversations are rendered to markup as they arrive (redacted first unless --show-secrets) and
 * only that markup is kept, bounded by MAX_HTML_CONVERSATIONS and MAX_HTML_TOTAL_EVENTS; finish()
 * writes the page with the summary on top. A Content-Security-Policy allows nothing but the page's
 * own style sheet and script (by hash), as a second wall behind the escaping of captured text.
 */
import { reachabilityLines } from './reachability.js';
import { createHash } from 'node:crypto';
import type { Conversation, Finding, Severity } from '../model/conversation.js';
import type { AnalysisStats, InputSummary } from '../analyze.js';
import { LoginTable } from './logins.js';
import { loginsHtml } from './logins-format.js';
import { redactConversation } from '../model/redact.js';
import type { ReportOptions, ReportWriter, Sink } from './context.js';
import { escapeHtml as e } from './escape.js';
import { jsonForScript } from './html-escape.js';
import { HTML_CSS, HTML_JS } from './html-assets.js';
import { SEVERITY_ORDER, bytes, capsHit, logInputText, undissectedLines, endpoint, frameKinds, isoTime, outcome, seconds } from './describe.js';
import { shouldShow, visibleFindings } from './filter.js';
import {
  MAX_HTML_EVENTS_PER_CONVERSATION, conversationKey, conversationSection, outcomeClass, protocolLabel, renderConversation, renderFinding, searchText,
  type ConversationKey, type ConversationMarkup,
} from './html-conversation.js';
import { MAX_CAPTURE_VERDICTS, VerdictTally, conversationVerdict } from './verdict.js';

/** Conversations kept in one report; later ones are counted and the page says how many were left out. */
export const MAX_HTML_CONVERSATIONS = 5_000;
/** Transcript rows in the whole report; once spent, later conversations show their facts and findings only. */
export const MAX_HTML_TOTAL_EVENTS = 100_000;
/**
 * Conversations that start expanded: the first ones with a warning or error (failures come first),
 * or all of them in a report this small. The others carry their details in a <template> until
 * opened, so the page lays out little at load (see conversationSection).
 */
const OPEN_CONVERSATIONS = 20;
/** Successful logins listed before the rest fold away behind a summary line. */
const OK_LOGINS_SHOWN = 10;
/** Inputs named in the page header and title; the summary's table lists them all. */
const HEADER_INPUTS = 3;
/** Capture warnings and undecodable frames listed per input in the summary. */
const MAX_INPUT_NOTES = 10;

const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

interface Entry {
  key: ConversationKey;
  /** The row of the conversation list. */
  row: string;
  /** The conversation's markup; whether it starts expanded is decided in finish(). */
  markup: ConversationMarkup;
  text: string;
}

export class HtmlReport implements ReportWriter {
  private readonly entries: Entry[] = [];
  private leftOut = 0;
  private readonly leftOutBySeverity: Record<Severity | 'none', number> = { error: 0, warning: 0, info: 0, none: 0 };
  private eventsBudget = MAX_HTML_TOTAL_EVENTS;
  private transcriptsCut = 0;
  /** Severity of each finding id seen, for the summary table (stats only count them). */
  private readonly severityOf = new Map<string, Severity>();
  private readonly verdicts = new VerdictTally();

  /** Every login attempt of the capture, shown conversations or not (as in the text report). */
  private readonly logins: LoginTable;

  constructor(private readonly out: Sink, private readonly opts: ReportOptions) {
    this.logins = new LoginTable(opts.showSecrets);
  }

  conversation(original: Conversation): void {
    this.logins.add(original);
    for (const f of original.findings) this.severityOf.set(f.id, f.severity);
    const findings = visibleFindings(original.findings, this.opts.minSeverity);
    this.verdicts.add(original.id, conversationVerdict(original, findings, this.opts.ruleInfo));
    if (!shouldShow(original, this.opts.onlyProblems)) return;
    if (this.entries.length >= MAX_HTML_CONVERSATIONS) {
      this.leftOut++;
      this.leftOutBySeverity[conversationKey(original, findings).severity]++;
      return;
    }
    const conv = this.opts.showSecrets ? original : redactConversation(original);
    const key = conversationKey(conv, findings);
    const rows = Math.min(conv.events.length, MAX_HTML_EVENTS_PER_CONVERSATION, this.eventsBudget);
    if (rows < Math.min(conv.events.length, MAX_HTML_EVENTS_PER_CONVERSATION)) this.transcriptsCut++;
    this.eventsBudget -= rows;
    const verdict = conversationVerdict(conv, findings, this.opts.ruleInfo);
    this.entries.push({
      key,
      row: listRow(conv, key, findings),
      markup: renderConversation(conv, findings, this.opts, rows, verdict.text),
      text: searchText(conv, findings),
    });
  }

  finish(findings: Finding[], stats: AnalysisStats): void {
    for (const f of findings) this.severityOf.set(f.id, f.severity);
    // Failures first: errors, then warnings, then the rest, each in start order.
    this.entries.sort((a, b) => keyRank(b.key) - keyRank(a.key) || a.key.id - b.key.id);
    const o = this.opts;
    const cross = visibleFindings(findings, o.minSeverity);
    const style = HTML_CSS;
    const script = HTML_JS;
    const csp = [
      "default-src 'none'",
      `style-src '${sha256(style)}'`,
      `script-src '${sha256(script)}'`,
      "img-src data:",
      "base-uri 'none'",
      "form-action 'none'",
    ].join('; ');
    const head: string[] = [];
    head.push('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n');
    head.push(`<meta http-equiv="Content-Security-Policy" content="${e(csp)}">\n`);
    head.push('<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="referrer" content="no-referrer">\n');
    head.push('<link rel="icon" href="data:,">\n');
    const named = o.inputs.slice(0, HEADER_INPUTS);
    const more = o.inputs.length - named.length;
    head.push(`<title>mailwire report — ${e(named.join(', ') || 'no input')}${more ? ` and ${more} more` : ''}</title>\n`);
    head.push(`<style>${style}</style>\n</head>\n<body>\n`);
    head.push(`<header class="top"><h1><span class="brand">mailwire</span> report</h1>`
      + `<p class="meta">${o.inputs.length === 1 ? 'input' : 'inputs'} ${named.map((i) => `<code>${e(i)}</code>`).join(', ') || 'none'}`
      + `${more ? ` and <a href="#inputs-h">${more} more</a>` : ''} · mailwire ${e(o.version)}</p></header>\n`);
    if (o.showSecrets) {
      head.push('<div class="secrets-banner" role="alert">Secrets are shown in this report (--show-secrets): passwords, tokens and SASL responses appear in clear. Do not share it.</div>\n');
    }
    head.push('<main>\n');
    head.push(this.summary(stats));
    head.push(this.verdictSection());
    const reach = reachabilityLines(stats.reachability);
    if (reach.length) {
      head.push('<section id="reachability" aria-labelledby="reachability-h"><h2 id="reachability-h">Reachability</h2><div class="panel"><table class="grid"><thead><tr><th scope="col">server</th><th scope="col">what happened</th></tr></thead><tbody>');
      for (const r of reach) head.push(`<tr><td class="nowrap">${r.depth ? '&nbsp;&nbsp;↳ ' : ''}<code>${e(r.label)}</code></td><td>${r.ok ? e(r.text) : `<span class="bad">${e(r.text)}</span>`}</td></tr>`);
      head.push('</tbody></table></div></section>\n');
    }
    if (this.logins.rows.length) head.push(this.loginsSection());
    if (cross.length) {
      head.push('<section id="across" aria-labelledby="across-h"><h2 id="across-h">Across conversations</h2><ol class="findings-across">');
      const shown = new Set(this.entries.map((x) => x.key.id));
      for (const [i, f] of cross.entries()) {
        const where = shown.has(f.conversation) ? `<p class="where">see <a href="#c${f.conversation}">conversation #${f.conversation}</a></p>` : '';
        head.push(renderFinding(f, o, `x-f${i}`, () => undefined, where));
      }
      head.push('</ol></section>\n');
    }
    head.push(this.listSection(stats));
    this.out(head.join(''));
    if (this.entries.length) this.out('<section id="details" aria-labelledby="details-h"><h2 id="details-h">Transcripts</h2>\n');
    const openAll = this.entries.length <= OPEN_CONVERSATIONS;
    this.entries.forEach((entry, i) => {
      const problem = entry.key.severity === 'error' || entry.key.severity === 'warning';
      this.out(conversationSection(entry.key, entry.markup, openAll || (problem && i < OPEN_CONVERSATIONS)));
    });
    const tail: string[] = [];
    if (this.entries.length) tail.push('</section>\n');
    tail.push('</main>\n');
    tail.push(`<footer>Generated by mailwire ${e(o.version)}. This page is self-contained: it loads nothing from the network.</footer>\n`);
    const index = { conversations: this.entries.map((x) => ({ ...x.key, text: x.text })) };
    tail.push(`<script type="application/json" id="mw-index">${jsonForScript(index)}</script>\n`);
    tail.push(`<script>${script}</script>\n</body>\n</html>\n`);
    this.out(tail.join(''));
  }

  /** The causes that matter across the capture, worst and most frequent first (as the text report ends). */
  private verdictSection(): string {
    const t = this.verdicts;
    const items = t.top(MAX_CAPTURE_VERDICTS).map((g) => {
      const n = g.conversations.length;
      const links = g.conversations.slice(0, 8).map((id) => (this.entries.some((x) => x.key.id === id) ? `<a href="#c${id}">#${id}</a>` : `#${id}`)).join(', ');
      const more = n > 8 ? ` … and ${n - 8} more` : '';
      return `<li class="sev-${g.severity}"><span class="badge sev-${g.severity}">${g.severity}</span> <strong>${n} conversation${n > 1 ? 's' : ''}</strong> (${links}${more}): `
        + `${e(g.cause)}${g.fix ? ` <span class="fix">— fix: ${e(g.fix)}</span>` : ''}</li>`;
    });
    if (t.size > MAX_CAPTURE_VERDICTS) items.push(`<li>… ${t.size - MAX_CAPTURE_VERDICTS} more causes in the conversations below</li>`);
    if (t.clean) items.push(`<li class="clean">✔ ${t.clean} conversation${t.clean > 1 ? 's' : ''} without problems</li>`);
    if (t.total === 0) items.push('<li>No mail conversations in the capture.</li>');
    return `<section id="verdict" aria-labelledby="verdict-h"><h2 id="verdict-h">Verdict</h2><ul class="verdicts">${items.join('')}</ul></section>\n`;
  }

  /** Failed (and unfinished) logins first; successful ones after them, folded when there are many. */
  private loginsSection(): string {
    const shownIds = new Set(this.entries.map((x) => x.key.id));
    const linked = (id: number): boolean => shownIds.has(id);
    const rows = this.logins.sorted();
    const bad = rows.filter((r) => r.outcome !== 'ok');
    const ok = rows.filter((r) => r.outcome === 'ok');
    const parts: string[] = [];
    if (bad.length) parts.push(`<h3>Not successful (${bad.length})</h3><div class="table-wrap">${loginsHtml(bad, 0, linked)}</div>`);
    if (ok.length) {
      const table = `<div class="table-wrap">${loginsHtml(ok, 0, linked)}</div>`;
      parts.push(ok.length > OK_LOGINS_SHOWN
        ? `<details class="ok-logins"><summary><h3>Successful (${ok.length})</h3></summary>${table}</details>`
        : `<h3>Successful (${ok.length})</h3>${table}`);
    }
    if (this.logins.dropped) parts.push(`<p class="note">${this.logins.dropped} more attempts not listed.</p>`);
    return `<section id="logins" aria-labelledby="logins-h"><h2 id="logins-h">Logins</h2>${parts.join('')}</section>\n`;
  }

  private summary(stats: AnalysisStats): string {
    const o: string[] = [];
    o.push('<section id="summary" aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2><div class="cards">');
    const protos = Object.entries(stats.byProtocol).map(([p, n]) => `${n} ${p === 'unknown' ? 'other' : p.toUpperCase()}`).join(', ');
    o.push(card('conversations', String(stats.conversations), e(protos || 'none')));
    const l = stats.logins;
    const extra = [l.cancelled ? `${l.cancelled} cancelled` : '', l.unknown ? `${l.unknown} unknown` : ''].filter(Boolean).join(', ');
    o.push(card('logins', String(l.ok + l.failed + l.cancelled + l.unknown), `<span class="ok">${l.ok} ok</span>, <span class="${l.failed ? 'bad' : ''}">${l.failed} failed</span>${extra ? `, ${extra}` : ''}`));
    const fs = stats.findings;
    const total = fs.error + fs.warning + fs.info;
    o.push(`<div class="card sevs"><div class="label">findings</div><div class="value">`
      + SEVERITIES.map((s) => `<span class="${fs[s] ? `n-${s}` : 'zero'}">${fs[s]}<small>${s}</small></span>`).join('')
      + `</div><div class="sub">${total} in all, ${Object.keys(fs.byId).length} kinds</div></div>`);
    o.push(card('frames read', String(stats.frames), `${e(bytes(stats.bytes))} from ${stats.inputs.length} ${stats.inputs.length === 1 ? 'input' : 'inputs'}`));
    o.push('</div><div class="two">');
    o.push('<div class="panel"><h3>Findings by id</h3>');
    const ids = Object.entries(fs.byId).sort((a, b) => {
      const sa = rank(this.severityOf.get(a[0]));
      const sb = rank(this.severityOf.get(b[0]));
      return sb - sa || b[1] - a[1] || a[0].localeCompare(b[0]);
    });
    if (ids.length) {
      o.push('<table class="grid"><thead><tr><th scope="col">severity</th><th scope="col">id</th><th scope="col">what</th><th scope="col" class="num">count</th></tr></thead><tbody>');
      for (const [id, n] of ids) {
        const sev = this.severityOf.get(id);
        o.push(`<tr><td>${sev ? `<span class="badge sev-${sev}">${sev}</span>` : ''}</td><td class="nowrap"><code>${e(id)}</code></td><td>${e(this.opts.ruleInfo(id)?.title ?? '')}</td><td class="num">${n}</td></tr>`);
      }
      o.push('</tbody></table>');
    } else {
      o.push('<p class="note">No findings.</p>');
    }
    o.push('</div><div class="panel"><h3 id="inputs-h">Inputs</h3>');
    if (stats.inputs.length) {
      o.push('<table class="grid"><thead><tr><th scope="col">input</th><th scope="col">format</th><th scope="col" class="num">frames</th><th scope="col" class="num">size</th><th scope="col">frames by kind</th></tr></thead><tbody>');
      for (const input of stats.inputs) o.push(inputRow(input));
      o.push('</tbody></table>');
    } else {
      o.push('<p class="note">No input was read.</p>');
    }
    o.push('</div></div></section>\n');
    return o.join('');
  }

  private listSection(stats: AnalysisStats): string {
    const o: string[] = [];
    o.push('<section id="conversations" aria-labelledby="conversations-h"><h2 id="conversations-h">Conversations</h2>');
    const count = (pred: (k: ConversationKey) => boolean): number => this.entries.filter((x) => pred(x.key)).length;
    o.push('<form class="filters" id="mw-filters" role="search" aria-label="Filter conversations">');
    o.push('<fieldset><legend>Severity</legend>');
    for (const s of [...SEVERITIES, 'none'] as const) {
      o.push(`<label><input type="checkbox" name="severity" value="${s}" checked> ${s === 'none' ? 'no findings' : s} (${count((k) => k.severity === s)})</label>`);
    }
    o.push('</fieldset><fieldset><legend>Protocol</legend>');
    for (const [p, label] of [['imap', 'IMAP'], ['pop3', 'POP3'], ['smtp', 'SMTP'], ['other', 'other']] as const) {
      o.push(`<label><input type="checkbox" name="protocol" value="${p}" checked> ${label} (${count((k) => k.protocol === p)})</label>`);
    }
    o.push('</fieldset>');
    o.push('<div class="search"><label for="mw-q">Search</label><input type="search" id="mw-q" name="q" placeholder="address, user, server, finding id…"></div>');
    o.push('<div><button type="reset">Reset filters</button> <span class="needs-js" hidden><button type="button" id="mw-expand">Expand all</button> <button type="button" id="mw-collapse">Collapse all</button></span></div>');
    o.push('</form>');
    o.push('<noscript><p class="note">The filters, and the details of conversations that start collapsed, need JavaScript.</p></noscript>');
    o.push(`<p class="filter-status" id="mw-filter-status" role="status" aria-live="polite">${this.entries.length} conversations</p>`);
    const hidden = stats.conversations - this.entries.length - this.leftOut;
    if (this.opts.onlyProblems && hidden > 0) {
      o.push(`<p class="note">${hidden === 1 ? '1 conversation' : `${hidden} conversations`} without warnings or errors ${hidden === 1 ? 'is' : 'are'} not in this report (--only-problems).</p>`);
    }
    if (this.leftOut) {
      const bySev = SEVERITIES.filter((s) => this.leftOutBySeverity[s]).map((s) => `${this.leftOutBySeverity[s]} with ${s === 'info' ? 'info' : `${s}s`} at worst`).join(', ');
      const n = this.leftOut === 1 ? '1 more conversation is' : `${this.leftOut} more conversations are`;
      o.push(`<p class="left-out" role="note">${n} not in this report (at most ${MAX_HTML_CONVERSATIONS})${bySev ? `: ${bySev}` : ''}. Use --only-problems, --min-severity or the jsonl format to see them.</p>`);
    }
    if (this.transcriptsCut) {
      const n = this.transcriptsCut === 1 ? '1 conversation is' : `${this.transcriptsCut} conversations are`;
      o.push(`<p class="left-out" role="note">Transcripts of ${n} cut short: the report shows at most ${MAX_HTML_TOTAL_EVENTS} lines in all. Their findings are complete.</p>`);
    }
    if (this.entries.length) {
      o.push('<div class="panel"><table class="grid conv-list"><thead><tr><th scope="col">severity</th><th scope="col">#</th><th scope="col">protocol</th><th scope="col">client</th><th scope="col">server</th><th scope="col">start</th><th scope="col">duration</th><th scope="col">outcome</th><th scope="col">findings</th></tr></thead><tbody>');
      for (const x of this.entries) o.push(x.row);
      o.push('</tbody></table></div>');
    } else {
      o.push('<p class="note">No conversation to show.</p>');
    }
    o.push('</section>\n');
    return o.join('');
  }
}

function keyRank(k: ConversationKey): number {
  return rank(k.severity === 'none' ? undefined : k.severity);
}

function rank(s: Severity | undefined): number {
  return s ? SEVERITY_ORDER[s] : 0;
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

function card(label: string, value: string, sub: string): string {
  return `<div class="card"><div class="label">${label}</div><div class="value">${value}</div><div class="sub">${sub}</div></div>`;
}

function listRow(c: Conversation, key: ConversationKey, findings: readonly Finding[]): string {
  const what = outcome(c);
  const counts = SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `<span class="count sev-${s}" title="${n} ${s}">${n}</span>`).join('');
  const ids = [...new Set(findings.map((f) => f.id))].join(', ');
  return `<tr id="row-c${c.id}" data-severity="${key.severity}" data-protocol="${key.protocol}">`
    + `<td class="sev"><span class="badge sev-${key.severity}">${key.severity}</span></td>`
    + `<td><a href="#c${c.id}">#${c.id}</a></td><td>${protocolLabel(c)}</td>`
    + `<td class="ep">${e(endpoint(c.client))}</td><td class="ep">${e(endpoint(c.server))}</td>`
    + `<td class="mono nowrap">${e(isoTime(c.startTs))}</td><td class="nowrap">${e(seconds(c.endTs - c.startTs))}</td>`
    + `<td class="outcome ${outcomeClass(what)}">${e(what)}</td>`
    + `<td>${counts}${ids ? ` <span class="note">${e(ids)}</span>` : ''}</td></tr>`;
}

function inputRow(input: InputSummary): string {
  const cap = input.capture;
  const d = input.decoded;
  const kinds = d ? frameKinds(d) : '';
  const notes: string[] = [];
  const caps = capsHit(input);
  if (caps.length) notes.push(`caps hit: ${caps.join(', ')}`);
  for (const x of d?.errorExamples.slice(0, MAX_INPUT_NOTES) ?? []) notes.push(`frame ${x.frame}: ${x.layer}: ${x.error}`);
  if (cap?.dropped) notes.push(`${cap.dropped} packets dropped by the kernel`);
  notes.push(...undissectedLines(input));
  for (const w of input.warnings.slice(0, MAX_INPUT_NOTES)) notes.push(`warning: ${w.message}`);
  if (input.warningCount > MAX_INPUT_NOTES) notes.push(`… ${input.warningCount - MAX_INPUT_NOTES} more warnings`);
  const noteHtml = notes.length ? `<br><span class="warn-text">${notes.map((n) => e(n)).join('<br>')}</span>` : '';
  return `<tr><td><code>${e(input.name)}</code></td><td>${cap ? `${e(cap.format)}${cap.compressed ? ' (gzip)' : ''}` : e(logInputText(input) ?? 'not read')}</td>`
    + `<td class="num">${cap ? cap.frames : ''}</td><td class="num">${cap ? e(bytes(cap.bytesRead)) : ''}</td><td>${e(kinds)}${noteHtml}</td></tr>`;
}
