/**
 * The terminal report: per conversation a header, the annotated transcript (each finding under the
 * line it concerns, with its explanation and fix), then a summary. Colour only when asked (the CLI
 * decides from the terminal, NO_COLOR and FORCE_COLOR). Everything from the capture is escaped.
 */
import { reachabilityLines } from './reachability.js';
import { Chalk, type ChalkInstance } from 'chalk';
import type { Conversation, Finding } from '../model/conversation.js';
import type { AnalysisStats } from '../analyze.js';
import { redactConversation } from '../model/redact.js';
import type { ReportOptions, ReportWriter, Sink } from './context.js';
import { escapeTerminal } from './escape.js';
import { bytes, capsHit, findingWhere, tlsFingerprintText, logInputText, spanText, undissectedLines, detailsText, endpoint, frameKinds, isoTime, lineText, outcome, secretFactsText, security, seconds, software } from './describe.js';
import { shouldShow, visibleFindings } from './filter.js';
import { LoginTable } from './logins.js';
import { displayFilter } from '../tcp/stream-index.js';
import { loginsText } from './logins-format.js';
import { MAX_CAPTURE_VERDICTS, VerdictTally, conversationList, conversationVerdict, type Verdict } from './verdict.js';
import { wrapLine } from './wrap.js';

const MARK = { error: '✖', warning: '▲', info: 'ℹ' } as const;
/** Columns before a header field's value ("   outcome  "), where its wrapped lines continue. */
const FIELD_HANG = 12;
/** Columns before a transcript line's text ("   +0.042 #6      C: "). */
const TRANSCRIPT_HANG = 21;
export class TextReport implements ReportWriter {
  private readonly c: ChalkInstance;
  /** Every authentication attempt of the capture (all conversations, also those not shown). */
  private readonly logins: LoginTable;
  /** Finding ids whose explanation and fix were already printed: later occurrences only point back. */
  private readonly explained = new Set<string>();
  /** Every conversation's verdict, grouped by cause (the report's last section). */
  private readonly verdicts = new VerdictTally();

  constructor(private readonly out: Sink, private readonly opts: ReportOptions) {
    this.c = new Chalk({ level: opts.color ? 2 : 0 });
    this.logins = new LoginTable(opts.showSecrets);
    if (opts.showSecrets) out(this.c.yellow('Secrets are shown in this report (--show-secrets).') + '\n\n');
  }

  conversation(original: Conversation): void {
    this.logins.add(original);
    const conv = this.opts.showSecrets || !shouldShow(original, this.opts.onlyProblems) ? original : redactConversation(original);
    const findings = visibleFindings(conv.findings, this.opts.minSeverity);
    const verdict = conversationVerdict(conv, findings, this.opts.ruleInfo);
    this.verdicts.add(conv.id, verdict);
    if (!shouldShow(original, this.opts.onlyProblems)) return;
    const c = this.c;
    const proto = conv.protocol === 'unknown' ? 'TCP' : conv.protocol.toUpperCase();
    const head = `━━ #${conv.id} ${proto}  ${endpoint(conv.client)} → ${endpoint(conv.server)}`;
    if (this.opts.brief) {
      this.out(this.wrap(`${c.bold(head)}  ${this.verdictText(verdict)}`, 5) + '\n');
      return;
    }
    const lines: string[] = [];
    const field = (name: string, value: string): void => {
      lines.push(this.wrap(`   ${c.dim(name.padEnd(8))} ${value}`, FIELD_HANG));
    };
    lines.push(this.wrap(c.bold(head) + c.dim(`   ${spanText(conv)}${conv.tcpStream !== undefined ? `   ${displayFilter(conv.tcpStream)}` : ''}`), FIELD_HANG));
    field('verdict', this.verdictText(verdict));
    field('when', `${isoTime(conv.startTs)}, lasted ${seconds(conv.endTs - conv.startTs)}${conv.input ? c.dim(`  (${escapeTerminal(conv.input)})`) : ''}`);
    const server = software(conv.serverSoftware);
    const client = software(conv.clientSoftware);
    if (server) field('server', `${escapeTerminal(server)}${detailText(conv.serverSoftware?.details)}`);
    if (client) field('client', escapeTerminal(client));
    field('security', escapeTerminal(security(conv)));
    const fingerprint = tlsFingerprintText(conv);
    if (fingerprint) field('tls', escapeTerminal(fingerprint));
    field('outcome', this.outcomeText(conv));
    for (const a of conv.auth) {
      const who = a.user !== undefined ? `user ${JSON.stringify(a.user)}` : 'user unknown';
      const mech = a.mechanism ? `${a.method} ${a.mechanism}` : a.method;
      const result = a.outcome === 'failed' ? c.red('failed') : a.outcome === 'ok' ? c.green('ok') : a.outcome;
      const secret = a.secret ? secretText(a.secret, this.opts.showSecrets) : '';
      // The response code often is the answer (ProxyNotAuthenticated, PRIVACYREQUIRED): keep it beside the text.
      const answer = [a.responseCode ? `[${a.responseCode}]` : '', a.serverText ?? ''].filter(Boolean).join(' ');
      field('login', `${escapeTerminal(mech)}, ${escapeTerminal(who)}${escapeTerminal(secret)}, ${a.encrypted ? 'encrypted' : 'in cleartext'}: ${result}${answer ? ` (${escapeTerminal(answer)})` : ''}  ${c.dim(`${conv.log ? 'line' : 'frame'} ${a.frames[0] ?? '?'}`)}`);
    }
    // Findings without an event go under the header; the others under their line.
    const byEvent = new Map<number, Finding[]>();
    for (const f of findings) {
      const ev = f.events.find((n) => n >= 0 && n < conv.events.length);
      if (ev === undefined) lines.push(...this.finding(f, '   '));
      else byEvent.set(ev, [...(byEvent.get(ev) ?? []), f]);
    }
    if (conv.events.length) lines.push('');
    for (const e of conv.events) {
      const rel = `+${(e.ts - conv.startTs).toFixed(3)}`.padStart(9);
      const frame = `#${e.frame}`.padEnd(7);
      const side = e.side === 'C' ? c.cyan('C:') : c.magenta('S:');
      let text = escapeTerminal(lineText(e, this.opts.bodies));
      if (e.kind !== 'line') text = c.yellow(text);
      const tags = [e.decrypted ? 'tls' : '', e.inflated ? 'deflate' : ''].filter(Boolean);
      lines.push(this.wrap(`${c.dim(rel)} ${c.dim(frame)} ${side} ${text}${tags.length ? c.dim(` [${tags.join(',')}]`) : ''}`, TRANSCRIPT_HANG));
      for (const f of byEvent.get(e.n) ?? []) lines.push(...this.finding(f, '                    '));
    }
    if (conv.droppedEvents) lines.push(c.yellow(`   … ${conv.droppedEvents} more lines not kept (cap per conversation)`));
    this.out(lines.join('\n') + '\n\n');
  }

  finish(findings: Finding[], stats: AnalysisStats): void {
    const c = this.c;
    const lines: string[] = [];
    const shown = visibleFindings(findings, this.opts.minSeverity);
    if (shown.length) {
      lines.push(c.bold('━━ Across conversations'));
      for (const f of shown) lines.push(...this.finding(f, '   ', this.opts.brief));
      lines.push('');
    }
    if (this.opts.brief) lines.unshift('');
    const reach = this.opts.brief ? [] : reachabilityLines(stats.reachability);
    if (reach.length) {
      lines.push(c.bold('━━ Reachability'));
      const width = Math.min(40, Math.max(...reach.map((r) => r.label.length + 2 * r.depth)));
      for (const r of reach) {
        const label = `${'  '.repeat(r.depth)}${escapeTerminal(r.label)}`.padEnd(width);
        lines.push(this.wrap(`   ${label}  ${(r.ok ? c.green : c.red)(escapeTerminal(r.text))}`, width + 5));
      }
      lines.push('');
    }
    if (this.logins.rows.length && !this.opts.brief) {
      lines.push(c.bold('━━ Logins'));
      lines.push(...loginsText(this.logins.sorted(), this.logins.dropped, '   ', this.opts.width, (line, hang) => this.wrap(line, hang)));
      lines.push('');
    }
    const summaryStart = lines.length;
    lines.push(c.bold('━━ Summary'));
    const protos = Object.entries(stats.byProtocol).map(([p, n]) => `${n} ${p === 'unknown' ? 'other' : p.toUpperCase()}`).join(', ');
    lines.push(`   conversations  ${stats.conversations}${protos ? ` (${protos})` : ''}`);
    const l = stats.logins;
    lines.push(`   logins         ${l.ok} ok, ${l.failed} failed${l.cancelled ? `, ${l.cancelled} cancelled` : ''}${l.unknown ? `, ${l.unknown} unknown` : ''}`);
    const fs = stats.findings;
    lines.push(`   findings       ${c.red(`${fs.error} error`)}, ${c.yellow(`${fs.warning} warning`)}, ${fs.info} info`);
    const ids = Object.entries(fs.byId).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    for (const [id, n] of ids) lines.push(`     ${String(n).padStart(5)}  ${id}`);
    for (const input of stats.inputs) {
      const cap = input.capture;
      lines.push(`   input          ${escapeTerminal(input.name)}: ${cap ? `${cap.format}${cap.compressed ? ' (gzip)' : ''}, ${cap.frames} frames, ${bytes(cap.bytesRead)}` : logInputText(input) ?? 'not read'}`);
      const d = input.decoded;
      if (d) {
        lines.push(`                  ${frameKinds(d)}`);
        for (const e of d.errorExamples.slice(0, 5)) lines.push(c.yellow(`                  frame ${e.frame}: ${escapeTerminal(`${e.layer}: ${e.error}`)}`));
      }
      if (cap?.format === 'live') {
        // libpcap's counters (ps_drop, ps_ifdrop), zero included: that nothing was lost is worth saying.
        if (cap.dropped === undefined) lines.push(c.dim('                  kernel drop counters: not available'));
        else lines.push((cap.dropped || cap.ifDropped ? c.yellow : c.dim)(`                  ${cap.dropped} packets dropped by the kernel, ${cap.ifDropped ?? 0} by the interface`));
      } else if (cap?.dropped) lines.push(c.yellow(`                  ${cap.dropped} packets dropped by the kernel`));
      // Reassembly caps that were hit change what the conversations show: say so where people look.
      const caps = capsHit(input);
      if (caps.length) lines.push(c.yellow(`                  caps hit: ${caps.join(', ')}`));
      for (const u of undissectedLines(input)) lines.push(c.dim(`                  ${escapeTerminal(u)}`));
      for (const w of input.warnings.slice(0, 10)) lines.push(c.yellow(`                  warning: ${escapeTerminal(w.message)}`));
      if (input.warningCount > 10) lines.push(c.yellow(`                  … ${input.warningCount - 10} more warnings`));
    }
    // Summary lines continue under their value column ("   input          ").
    for (let i = summaryStart; i < lines.length; i++) lines[i] = this.wrap(lines[i]!, 18);
    lines.push('', ...this.captureVerdicts());
    this.out(lines.join('\n') + '\n');
  }

  /** The report's last words: the causes that matter across the capture, worst and most frequent first. */
  private captureVerdicts(): string[] {
    const c = this.c;
    const t = this.verdicts;
    const lines = [c.bold('━━ Verdict')];
    if (t.total === 0) return [...lines, '   no mail conversations in the capture'];
    for (const g of t.top(MAX_CAPTURE_VERDICTS)) {
      const n = g.conversations.length;
      const text = `${MARK[g.severity]} ${n} conversation${n > 1 ? 's' : ''} (${conversationList(g.conversations)}): ${escapeTerminal(g.cause)}${g.fix ? ` — fix: ${escapeTerminal(g.fix)}` : ''}`;
      lines.push(this.wrap(`   ${this.severityColor(g.severity)(text)}`, 5));
    }
    if (t.size > MAX_CAPTURE_VERDICTS) lines.push(`   … ${t.size - MAX_CAPTURE_VERDICTS} more causes in the conversations above`);
    if (t.clean) lines.push(c.green(`   ✔ ${t.clean} conversation${t.clean > 1 ? 's' : ''} without problems`));
    return lines;
  }

  private verdictText(v: Verdict): string {
    const text = escapeTerminal(v.text);
    return v.finding ? this.severityColor(v.finding.severity)(text) : this.c.green(text);
  }

  private severityColor(s: Finding['severity']): ChalkInstance {
    return s === 'error' ? this.c.red : s === 'warning' ? this.c.yellow : this.c.blue;
  }

  private wrap(line: string, hang: number): string {
    return wrapLine(line, this.opts.width, hang);
  }

  private outcomeText(conv: Conversation): string {
    const text = outcome(conv);
    return /failed|refused|rejected|no answer|no greeting/.test(text) ? this.c.red(text) : /login ok/.test(text) ? this.c.green(text) : text;
  }

  /** A finding's line and, at its first occurrence (unless `terse`), its explanation and fix. */
  private finding(f: Finding, indent: string, terse = false): string[] {
    const c = this.c;
    const color = this.severityColor(f.severity);
    const hang = indent.length + 2;
    const out = [this.wrap(`${indent}${color(`${MARK[f.severity]} ${f.severity} ${f.id}`)}: ${escapeTerminal(f.message)}${f.frames.length ? c.dim(`  (${findingWhere(f)})`) : ''}`, hang)];
    const info = this.opts.ruleInfo(f.id);
    if (info && !terse && !this.explained.has(f.id)) {
      this.explained.add(f.id);
      out.push(this.wrap(`${indent}  ${c.dim('why:')} ${info.explanation}`, hang + 5));
      out.push(this.wrap(`${indent}  ${c.dim('fix:')} ${info.fix}`, hang + 5));
    }
    return out;
  }
}

function secretText(s: NonNullable<Conversation['auth'][number]['secret']>, show: boolean): string {
  const value = show && s.value !== undefined ? ` ${JSON.stringify(s.value)}` : '';
  return `, ${s.kind}${value} (${secretFactsText(s)})`;
}

function detailText(details: Record<string, string> | undefined): string {
  const text = detailsText(details);
  return text ? ` (${escapeTerminal(text)})` : '';
}
