/** The HTML report has the capture-wide Logins section every report has, without secrets by default. */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { analyzeFiles } from '../../src/analyze.js';
import { HtmlReport } from '../../src/report/html.js';
import { ruleInfo } from '../../src/report/rule-info.js';
import type { ReportOptions } from '../../src/report/context.js';

const SAMPLE = fileURLToPath(new URL('../../captures/phone-vs-thunderbird.pcap', import.meta.url));

async function render(showSecrets: boolean): Promise<string> {
  const result = await analyzeFiles([SAMPLE]);
  const opts: ReportOptions = { showSecrets, color: false, minSeverity: 'info', onlyProblems: false, ruleInfo, version: 'test', inputs: [SAMPLE] };
  let html = '';
  const report = new HtmlReport((t) => (html += t), opts);
  for (const c of result.conversations) report.conversation(c);
  report.finish(result.findings, result.stats);
  return html;
}

describe('HTML logins section', () => {
  it('lists every attempt with its outcome, linked to its conversation, secrets redacted', async () => {
    const html = await render(false);
    const section = html.slice(html.indexOf('<section id="logins"'), html.indexOf('</section>', html.indexOf('<section id="logins"')));
    expect(section).toContain('<h2 id="logins-h">Logins</h2>');
    const rows = section.match(/<tr( class="bad")?><td>/g) ?? [];
    expect(rows).toHaveLength(4);
    expect(section.match(/<tr class="bad">/g)).toHaveLength(3);
    expect(section).toContain('<a href="#c2">#2</a>');
    expect(section).toContain('password in cleartext');
    expect(html).not.toContain('Secret123');
  });

  it('shows the secret only with --show-secrets', async () => {
    expect(await render(true)).toContain('Secret123');
  });
});
