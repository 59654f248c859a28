/**
 * Markdown for tickets: the summary first, then each conversation with its findings and a fenced
 * transcript. Conversations are collected (a ticket wants the summary on top).
 */
import { displayFilter } from '../tcp/stream-index.js';
import { reachabilityLines } from './reachability.js';
import type { Conversation, Finding } from '../model/conversation.js';
import type { AnalysisStats } from '../analyze.js';
import { redactConversation } from '../model/redact.js';
import type { ReportOptions, ReportWriter, Sink } from './context.js';
import { escapeTerminal } from './escape.js';
import { capsHit, findingWhere, tlsFingerprintText, logInputText, spanText, undissectedLines, endpoint, frameKinds, isoTime, lineText, outcome, security, seconds, software } from './describe.js';
import { shouldShow, visibleFindings } from './filter.js';
import { LoginTable } from './logins.js';
import { loginsMarkdown } from './logins-format.js';
import { MAX_CAPTURE_VERDICTS, VerdictTally, conversationList, conversationVerdict, type Verdict } from './verdict.js';

/** Markdown inline text: no HTML, no emphasis or link syntax from the capture. */
function md(s: string): string {
  return escapeTerminal(s).replace(/[\\`*_{}[\]()#+!|<>]/g, (ch) => `\\${ch}`);
}

/** A fence longer than any backtick run inside the block. */
function fence(body: string): string {
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  return '`'.repeat(longest + 1);
}

export class MarkdownReport implements ReportWriter {
  private readonly conversations: Array<{ c: Conversation; verdict: Verdict }> = [];
  private readonly verdicts = new VerdictTally();
  /** Finding ids already explained: later occurrences only carry their message. */
  private readonly explained = new Set<string>();
  /** Every authentication attempt of the capture (all conversations, also those not shown). */
  private readonly logins: LoginTable;

  constructor(private readonly out: Sink, private readonly opts: ReportOptions) {
    this.logins = new LoginTable(opts.showSecrets);
  }

  conversation(c: Conversation): void {
    this.logins.add(c);
    const verdict = conversationVerdict(c, visibleFindings(c.findings, this.opts.minSeverity), this.opts.ruleInfo);
    this.verdicts.add(c.id, verdict);
    if (shouldShow(c, this.opts.onlyProblems)) this.conversations.push({ c: this.opts.showSecrets ? c : redactConversation(c), verdict });
  }

  finish(findings: Finding[], stats: AnalysisStats): void {
    const o: string[] = [];
    o.push(`# mailwire report`, '');
    o.push(`Inputs: ${this.opts.inputs.map((i) => `\`${md(i)}\``).join(', ')} — mailwire ${this.opts.version}`, '');
    if (this.opts.showSecrets) o.push('> **Secrets are shown in this report (--show-secrets).**', '');
    o.push('## Summary', '');
    o.push('| | |', '|---|---|');
    o.push(`| conversations | ${stats.conversations} (${Object.entries(stats.byProtocol).map(([p, n]) => `${n} ${p}`).join(', ') || 'none'}) |`);
    o.push(`| logins | ${stats.logins.ok} ok, ${stats.logins.failed} failed |`);
    o.push(`| findings | ${stats.findings.error} error, ${stats.findings.warning} warning, ${stats.findings.info} info |`);
    o.push(`| frames read | ${stats.frames} |`);
    for (const input of stats.inputs) {
      const notes = [input.decoded ? frameKinds(input.decoded) : '', ...capsHit(input).map((x) => `caps hit: ${x}`), ...undissectedLines(input), logInputText(input) ?? '', input.warningCount ? `${input.warningCount} capture warnings` : ''].filter(Boolean);
      o.push(`| input ${md(input.name)} | ${md(notes.join('; ') || 'read')} |`);
    }
    o.push('', '## Verdict', '');
    for (const g of this.verdicts.top(MAX_CAPTURE_VERDICTS)) {
      const n = g.conversations.length;
      o.push(`- **${g.severity}** ${n} conversation${n > 1 ? 's' : ''} (${conversationList(g.conversations)}): ${md(g.cause)}${g.fix ? ` — fix: ${md(g.fix)}` : ''}`);
    }
    if (this.verdicts.size > MAX_CAPTURE_VERDICTS) o.push(`- … ${this.verdicts.size - MAX_CAPTURE_VERDICTS} more causes in the conversations below`);
    if (this.verdicts.clean) o.push(`- ${this.verdicts.clean} conversation${this.verdicts.clean > 1 ? 's' : ''} without problems`);
    if (this.verdicts.total === 0) o.push('- no mail conversations in the capture');
    o.push('');
    const reach = reachabilityLines(stats.reachability);
    if (reach.length) {
      o.push('## Reachability', '', '| server | what happened |', '|---|---|');
      for (const r of reach) o.push(`| ${r.depth ? '&nbsp;&nbsp;↳ ' : ''}${md(r.label)} | ${r.ok ? '' : '**'}${md(r.text)}${r.ok ? '' : '**'} |`);
      o.push('');
    }
    if (this.logins.rows.length) o.push('## Logins', '', ...loginsMarkdown(this.logins.sorted(), this.logins.dropped), '');
    const cross = visibleFindings(findings, this.opts.minSeverity);
    if (cross.length) {
      o.push('## Across conversations', '');
      for (const f of cross) o.push(...this.finding(f));
      o.push('');
    }
    for (const { c, verdict } of this.conversations) {
      const proto = c.protocol === 'unknown' ? 'TCP' : c.protocol.toUpperCase();
      o.push(`## #${c.id} ${proto} ${md(endpoint(c.client))} → ${md(endpoint(c.server))}`, '');
      o.push(`- **verdict:** ${verdict.finding ? `**${verdict.finding.severity}** ` : ''}${md(verdict.text)}`);
      o.push(`- **when:** ${isoTime(c.startTs)}, lasted ${seconds(c.endTs - c.startTs)}, ${spanText(c)}`);
      if (c.tcpStream !== undefined) o.push(`- **Wireshark:** \`${displayFilter(c.tcpStream)}\``);
      const server = software(c.serverSoftware);
      if (server) o.push(`- **server:** ${md(server)}`);
      const client = software(c.clientSoftware);
      if (client) o.push(`- **client:** ${md(client)}`);
      o.push(`- **security:** ${md(security(c))}`);
      const fingerprint = tlsFingerprintText(c);
      if (fingerprint) o.push(`- **tls:** ${md(fingerprint)}`);
      o.push(`- **outcome:** ${md(outcome(c))}`, '');
      const fs = visibleFindings(c.findings, this.opts.minSeverity);
      if (fs.length) {
        o.push('### Findings', '');
        for (const f of fs) o.push(...this.finding(f));
        o.push('');
      }
      if (c.events.length) {
        const body = c.events
          .map((e) => `${`+${(e.ts - c.startTs).toFixed(3)}`.padStart(9)} #${String(e.frame).padEnd(6)} ${e.side}: ${escapeTerminal(lineText(e, this.opts.bodies))}`)
          .join('\n');
        const f = fence(body);
        o.push('### Transcript', '', f + 'text', body, f, '');
      }
    }
    this.out(o.join('\n') + '\n');
  }

  private finding(f: Finding): string[] {
    const info = this.opts.ruleInfo(f.id);
    const frames = f.frames.length ? ` (${findingWhere(f)})` : '';
    const out = [`- **${f.severity}** \`${f.id}\`: ${md(f.message)}${frames}`];
    if (info && !this.explained.has(f.id)) {
      this.explained.add(f.id);
      out.push(`  - why: ${info.explanation}`, `  - fix: ${info.fix}`);
    }
    return out;
  }
}
