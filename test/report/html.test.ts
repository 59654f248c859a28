/**
 * The HTML report on real bytes: corpus captures and a capture built here whose server tries to
 * inject markup. Checks the page is self-contained, that captured text never becomes markup (not
 * even inside the embedded JSON), that secrets stay out unless asked, and the summary, ladder and
 * bounds. The browser-side behaviour (filters, no requests) is in html-browser.test.ts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { analyzeFiles, type AnalysisResult } from '../../src/analyze.js';
import type { Conversation } from '../../src/model/conversation.js';
import type { ReportOptions } from '../../src/report/context.js';
import { escapeHtml } from '../../src/report/escape.js';
import { HtmlReport, MAX_HTML_CONVERSATIONS, MAX_HTML_TOTAL_EVENTS } from '../../src/report/html.js';
import { MAX_HTML_EVENTS_PER_CONVERSATION, MAX_HTML_LINE_CHARS } from '../../src/report/html-conversation.js';
import { jsonForScript } from '../../src/report/html-escape.js';
import { ruleInfo } from '../../src/report/rule-info.js';
import { worstSeverity } from '../../src/report/describe.js';
import { HOSTILE_BYE, HOSTILE_GREETING, HOSTILE_NO, HOSTILE_PASSWORD, writeHostileCapture } from '../fixtures/report/html/hostile-capture.js';

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const HAS_CORPUS = existsSync(CORPUS);
if (!HAS_CORPUS) console.warn(`html report: ${CORPUS} absent, corpus tests skipped`);

function options(over: Partial<ReportOptions> = {}): ReportOptions {
  return { showSecrets: false, color: false, minSeverity: 'info', onlyProblems: false, ruleInfo, version: '0.0.0-test', inputs: [], ...over };
}

function render(result: AnalysisResult, over: Partial<ReportOptions> = {}, conversations: Conversation[] = result.conversations): string {
  let html = '';
  const report = new HtmlReport((t) => { html += t; }, options({ inputs: result.inputs, ...over }));
  for (const c of conversations) report.conversation(c);
  report.finish(result.findings, result.stats);
  return html;
}

/** Every start tag's name, in order. */
function tagNames(html: string): string[] {
  return [...html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)[\s>/]/g)].map((m) => m[1]!.toLowerCase());
}

/** The elements the renderer itself writes; anything else would be markup from a capture. */
const OWN_TAGS = new Set([
  'html', 'head', 'meta', 'link', 'title', 'style', 'body', 'header', 'h1', 'h2', 'h3', 'h4', 'p', 'span', 'code', 'div', 'main', 'section',
  'ol', 'ul', 'li', 'dl', 'dt', 'dd', 'table', 'caption', 'thead', 'tbody', 'tr', 'th', 'td', 'a', 'details', 'summary', 'aside', 'form',
  'fieldset', 'legend', 'label', 'input', 'button', 'noscript', 'strong', 'small', 'br', 'footer', 'script', 'template',
]);

/** The embedded conversation index, read the way the page's script reads it. */
function index(html: string): { conversations: Array<{ id: number; severity: string; protocol: string; text: string }> } {
  const open = '<script type="application/json" id="mw-index">';
  const start = html.indexOf(open);
  expect(start).toBeGreaterThan(0);
  const end = html.indexOf('</script>', start);
  return JSON.parse(html.slice(start + open.length, end)) as ReturnType<typeof index>;
}

function expectSelfContained(html: string): void {
  // No attribute points anywhere on the network, no CSS import or url(), no external script or style.
  expect(html).not.toMatch(/\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:|\/\/|ftp:)/i);
  expect(html).not.toMatch(/@import/i);
  expect(html).not.toMatch(/url\s*\(/i);
  expect(html).not.toMatch(/<(?:iframe|img|object|embed|video|audio|source|base)\b/i);
  expect(html).not.toMatch(/<script[^>]*\ssrc\s*=/i);
  expect(html).not.toMatch(/<link(?![^>]*rel="icon" href="data:,")/i);
  expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;`);
  for (const t of tagNames(html)) expect(OWN_TAGS, `unexpected element <${t}>`).toContain(t);
}

describe('HTML report of a hostile server (capture built in the test)', () => {
  let dir: string;
  let result: AnalysisResult;
  let html: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mailwire-html-'));
    const path = join(dir, 'hostile.pcap');
    writeHostileCapture(path);
    result = await analyzeFiles([path]);
    html = render(result);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the capture into one IMAP conversation that carries the hostile lines', () => {
    expect(result.conversations).toHaveLength(1);
    const raws = result.conversations[0]!.events.map((e) => e.raw);
    expect(raws).toContain(HOSTILE_GREETING);
    expect(raws).toContain(HOSTILE_BYE);
  });

  it('writes a self-contained page: no network reference, only its own elements', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expectSelfContained(html);
  });

  it('escapes the greeting, the refusal and the goodbye wherever they appear', () => {
    for (const line of [HOSTILE_GREETING, HOSTILE_NO, HOSTILE_BYE]) expect(html).toContain(escapeHtml(line));
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b onmouseover');
    // Exactly the report's own two scripts: the captured </script> ended nothing.
    expect(html.match(/<script\b/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
  });

  it('embeds JSON that still parses and still holds the hostile text (lower-cased for search)', () => {
    const data = index(html);
    expect(data.conversations).toHaveLength(1);
    const greeting = result.conversations[0]!.greeting!.text;
    expect(greeting).toContain('</script>');
    expect(data.conversations[0]!.text).toContain(greeting.toLowerCase());
    expect(data.conversations[0]).toMatchObject({ id: 1, severity: 'error', protocol: 'imap' });
  });

  it('keeps the cleartext password out by default, and shows it with a banner when asked', () => {
    expect(html).not.toContain(HOSTILE_PASSWORD);
    expect(html).toContain(escapeHtml('a1 LOGIN alice "<redacted>"'));
    expect(html).not.toMatch(/Secrets are shown/);
    const shown = render(result, { showSecrets: true });
    expect(shown).toContain(HOSTILE_PASSWORD);
    expect(shown).toMatch(/<div class="secrets-banner" role="alert">Secrets are shown in this report/);
    expectSelfContained(shown);
  });

  it('draws a ladder row per event plus the TCP open and close, arrows in the event direction', () => {
    const conv = result.conversations[0]!;
    const rows = [...html.matchAll(/<tr class="ev ([^"]*)" id="c1-([^"]+)">/g)].map((m) => ({ cls: m[1]!.split(' '), id: m[2]! }));
    expect(rows.map((r) => r.id)).toEqual(['syn', ...conv.events.map((e) => `e${e.n}`), 'end']);
    for (const e of conv.events) {
      const row = rows.find((r) => r.id === `e${e.n}`)!;
      expect(row.cls).toContain(e.side === 'C' ? 'c2s' : 's2c');
    }
    expect(rows[0]!.cls).toContain('c2s'); // SYN from the client
    expect(rows.at(-1)!.cls).toContain('s2c'); // the server sent the first FIN
    // The pause before LOGIN reads down the ladder.
    expect(html).toMatch(/<tr class="pause">.*?2\.59 s later/);
  });

  it('tints the rows a finding concerns in its colour and links them both ways', () => {
    const conv = result.conversations[0]!;
    for (const [i, f] of conv.findings.entries()) {
      for (const n of f.events) {
        const row = html.match(new RegExp(`<tr class="([^"]*)" id="c1-e${n}">(.*?)</tr>`))!;
        expect(row[1]!.split(' ')).toContain(`sev-${worstSeverity(conv.findings.filter((x) => x.events.includes(n)))}`);
        expect(row[2]).toContain(`href="#c1-f${i}"`);
      }
      const card = html.match(new RegExp(`<li class="finding sev-${f.severity}" id="c1-f${i}">(.*?)</li>`))!;
      expect(card[1]).toContain(escapeHtml(f.message));
      const info = ruleInfo(f.id)!;
      expect(card[1]).toContain(escapeHtml(info.explanation));
      expect(card[1]).toContain(escapeHtml(info.fix));
      for (const n of f.events) expect(card[1]).toContain(`href="#c1-e${n}"`);
    }
  });

  it('drops findings below --min-severity from the conversations', () => {
    const conv = result.conversations[0]!;
    const low = conv.findings.filter((f) => f.severity !== 'error');
    expect(low.length).toBeGreaterThan(0);
    // The summary counts every finding; the conversations show only those at or above the level.
    const page = render(result, { minSeverity: 'error' });
    const errorsOnly = page.slice(page.indexOf('<section id="details"'));
    for (const f of low) expect(errorsOnly).not.toContain(`<code>${f.id}</code>`);
    for (const f of conv.findings.filter((x) => x.severity === 'error')) expect(errorsOnly).toContain(`<code>${f.id}</code>`);
  });

  it('names at most three inputs in the header and title, pointing to the summary for the rest', () => {
    const page = render(result, { inputs: ['a.pcap', 'b.pcap', '<c>.pcap', 'd.pcap', 'e.pcap'] });
    expect(page).toContain('<title>mailwire report — a.pcap, b.pcap, &lt;c&gt;.pcap and 2 more</title>');
    expect(page).toContain('<code>&lt;c&gt;.pcap</code> and <a href="#inputs-h">2 more</a>');
    expect(page).not.toContain('d.pcap');
  });

  it('shows at most MAX_HTML_LINE_CHARS of a line and counts the rest', () => {
    const base = result.conversations[0]!;
    const long = `* OK ${'x'.repeat(MAX_HTML_LINE_CHARS + 500)}`;
    const events = base.events.map((e, i) => (i === 0 ? { ...e, raw: long } : e));
    const page = render(result, {}, [{ ...base, events }]);
    const shown = `${long.slice(0, MAX_HTML_LINE_CHARS)} ‹… ${long.length - MAX_HTML_LINE_CHARS} more characters›`;
    expect(page).toContain(`<span class="side">S:</span> ${shown}</td>`);
    expect(page).not.toContain('x'.repeat(MAX_HTML_LINE_CHARS));
  });

  it('keeps at most MAX_HTML_CONVERSATIONS and says how many were left out', () => {
    const base = result.conversations[0]!;
    const many = Array.from({ length: MAX_HTML_CONVERSATIONS + 3 }, (_, i) => ({ ...base, id: i + 1 }));
    const page = render(result, {}, many);
    expect(index(page).conversations).toHaveLength(MAX_HTML_CONVERSATIONS);
    expect(page.match(/<section class="conv /g)).toHaveLength(MAX_HTML_CONVERSATIONS);
    expect(page).toContain(`3 more conversations are not in this report (at most ${MAX_HTML_CONVERSATIONS}): 3 with errors at worst.`);
  });
});

describe('HTML report of the founding samples and a TLS session', () => {
  const ROOT = fileURLToPath(new URL('../../', import.meta.url));
  let phone: AnalysisResult;
  let iphone: AnalysisResult;
  let tls: AnalysisResult;
  beforeAll(async () => {
    phone = await analyzeFiles([join(ROOT, 'captures/phone-vs-thunderbird.pcap')]);
    iphone = await analyzeFiles([join(ROOT, 'captures/iphone-exchange2007-plaintext.pcap')]);
    // The TLS sessions ran on ports 40001-40099 (captures/tls/README.md).
    tls = await analyzeFiles([join(ROOT, 'captures/tls/tls13-client-rejects.pcap')], { extraPorts: Array.from({ length: 99 }, (_, i) => 40001 + i) });
  });

  it('groups a finding that occurs more than once into one card with its count and the other occurrences', () => {
    const html = render(phone);
    const c1 = html.slice(html.indexOf('<section class="conv sev-error" id="c1"'), html.indexOf('</section>', html.indexOf('id="c1"')));
    expect(c1.match(/<code>imap\.unquoted-credentials<\/code>/g)).toHaveLength(1);
    expect(c1).toMatch(/<code>imap\.unquoted-credentials<\/code> <span class="times" title="2 occurrences">×2<\/span>/);
    expect(c1).toMatch(/<details class="also"><summary>1 more time<\/summary><ul><li>AUTH sent its arguments unquoted[^<]*— <a href="#c1-e\d+">frame 10<\/a><\/li>/);
    // Both rows link to the one card.
    const card = /<li class="finding sev-error" id="(c1-f\d+)"><p class="fhead"><span class="badge sev-error">error<\/span><code>imap\.unquoted-credentials/.exec(c1)![1];
    expect(c1.match(new RegExp(`href="#${card}"`, 'g'))!.length).toBe(2);
  });

  it('puts the verdicts on top and each conversation\'s verdict in its summary line', () => {
    const html = render(iphone);
    expect(html.indexOf('id="verdict-h"')).toBeLessThan(html.indexOf('id="logins-h"'));
    expect(html).toMatch(/<li class="sev-error"><span class="badge sev-error">error<\/span> <strong>3 conversations<\/strong> \(<a href="#c1">#1<\/a>, <a href="#c2">#2<\/a>, <a href="#c3">#3<\/a>\): Exchange refuses LOGIN without TLS/);
    expect(html).toMatch(/<span class="verdict">login failed: Exchange refuses LOGIN without TLS[^<]*— fix: Set the client to SSL\/TLS on 993 or STARTTLS on 143<\/span><\/summary>/);
  });

  it('lists the failed logins before the successful ones', () => {
    const html = render(iphone);
    const logins = html.slice(html.indexOf('id="logins-h"'), html.indexOf('</section>', html.indexOf('id="logins-h"')));
    expect(logins.indexOf('Not successful (3)')).toBeGreaterThan(0);
    expect(logins.indexOf('Not successful (3)')).toBeLessThan(logins.indexOf('Successful (1)'));
  });

  it('draws the TLS handshake in the ladder, with the client\'s cleartext alert on its own row', () => {
    const html = render(tls);
    expect(html).toMatch(/<tr class="ev c2s k-tls[^"]*" id="c1-tls\d+">.*?<span class="lbl">ClientHello<\/span>.*?\[TLS ClientHello: /);
    expect(html).toMatch(/<tr class="ev s2c k-tls[^"]*" id="c1-tls\d+">.*?<span class="lbl">ServerHello<\/span>.*?\[TLS ServerHello: TLS 1\.3, /);
    const rows = [...html.matchAll(/<tr class="ev [^"]*" id="(c1-[a-z0-9]+)">/g)].map((m) => m[1]!);
    expect(rows.indexOf('c1-syn')).toBe(0);
    expect(rows.findIndex((r) => r.startsWith('c1-tls'))).toBe(1);
  });

  it('keeps a collapsed conversation\'s details in a template and opens the failures first', () => {
    // 21 conversations: more than start expanded. The clean ones are collapsed, their body inert.
    const many = { ...phone, conversations: Array.from({ length: 21 }, (_, i) => ({ ...phone.conversations[i % 3]!, id: i + 1 })) };
    const html = render(many);
    const sections = [...html.matchAll(/<section class="conv sev-(\w+)" id="c(\d+)"[^>]*><details( open)?>/g)];
    expect(sections).toHaveLength(21);
    const open = sections.filter((m) => m[3]).map((m) => m[1]);
    expect(open.every((sev) => sev === 'error' || sev === 'warning')).toBe(true);
    const closed = sections.filter((m) => !m[3]).map((m) => Number(m[2]));
    expect(closed.length).toBeGreaterThan(0);
    for (const id of closed) expect(html).toMatch(new RegExp(`id="c${id}"[^>]*><details><summary>.*?</summary><template class="lazy"><div class="conv-inner">`));
  });
});

describe('jsonForScript', () => {
  it('escapes what could end or bend a script element, and U+2028/2029', () => {
    const text = '</script><!-- & \u2028\u2029 >';
    const out = jsonForScript({ text });
    expect(out).toBe('{"text":"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028\\u2029 \\u003e"}');
    expect(JSON.parse(out)).toEqual({ text });
  });

  it('never leaves <, >, &, U+2028 or U+2029 and always round-trips', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, s) => {
      for (const v of [value, s, { s }]) {
        const out = jsonForScript(v);
        expect(out).not.toMatch(/[<>&\u2028\u2029]/);
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(v)));
      }
    }));
  });
});

describe.skipIf(!HAS_CORPUS)('HTML report of corpus captures', () => {
  const BRUTESHARK = join(CORPUS, 'BruteShark/IMAP - Login (Plaintext) 3.pcap');
  const ZEEK_POP3 = join(CORPUS, 'zeek/pop3.pcap');
  let result: AnalysisResult;
  let html: string;

  beforeAll(async () => {
    result = await analyzeFiles([ZEEK_POP3, BRUTESHARK]);
    html = render(result);
  });

  it('is self-contained although the captures mention URLs', () => {
    expect(result.conversations.some((c) => c.events.some((e) => /https?:\/\//.test(e.raw)))).toBe(true);
    expectSelfContained(html);
  });

  it('summarises: conversations, logins, findings by id, inputs', () => {
    const s = result.stats;
    expect(html).toContain(`<div class="label">conversations</div><div class="value">${s.conversations}</div>`);
    expect(html).toContain(`<span class="ok">${s.logins.ok} ok</span>`);
    expect(html).toMatch(new RegExp(`${s.logins.failed} failed</span>`));
    for (const [id, n] of Object.entries(s.findings.byId)) {
      expect(html).toMatch(new RegExp(`<td class="nowrap"><code>${id.replace(/\./g, '\\.')}</code></td><td>[^<]*</td><td class="num">${n}</td>`));
    }
    for (const input of s.inputs) expect(html).toContain(`<code>${escapeHtml(input.name)}</code>`);
    expect(html).toContain('id="across"'); // auth.contrast-with-working-session in zeek/pop3.pcap
  });

  it('lists every conversation with its worst severity and protocol, in the list and in the index', () => {
    const data = index(html);
    // Failures first: errors, then warnings, info, none; each in start order.
    const rank = { error: 3, warning: 2, info: 1, none: 0 } as const;
    const order = [...result.conversations].sort((a, b) => rank[worstSeverity(b.findings) ?? 'none'] - rank[worstSeverity(a.findings) ?? 'none'] || a.id - b.id);
    expect(data.conversations.map((c) => c.id)).toEqual(order.map((c) => c.id));
    expect([...html.matchAll(/<section class="conv [^"]*" id="c(\d+)"/g)].map((m) => Number(m[1]))).toEqual(order.map((c) => c.id));
    for (const c of result.conversations) {
      const sev = worstSeverity(c.findings) ?? 'none';
      const proto = c.protocol === 'unknown' ? 'other' : c.protocol;
      expect(html).toContain(`<tr id="row-c${c.id}" data-severity="${sev}" data-protocol="${proto}">`);
      expect(html).toContain(`<section class="conv sev-${sev}" id="c${c.id}" data-severity="${sev}" data-protocol="${proto}"`);
    }
    expect(html).toContain(`error (${data.conversations.filter((c) => c.severity === 'error').length})`);
  });

  it('keeps the cleartext passwords out unless --show-secrets', () => {
    const passwords = result.conversations.flatMap((c) => c.auth.map((a) => a.secret?.value)).filter((v): v is string => !!v);
    expect(passwords).toEqual(expect.arrayContaining(['rangzen', 'napier123']));
    for (const p of passwords) expect(html).not.toContain(p);
    const shown = render(result, { showSecrets: true });
    for (const p of passwords) expect(shown).toContain(p);
    expect(shown).toContain('Secrets are shown in this report');
  });

  it('with --only-problems leaves out quiet conversations and says how many', () => {
    const quiet = result.conversations.filter((c) => !c.findings.some((f) => f.severity !== 'info'));
    expect(quiet.length).toBeGreaterThan(0);
    const page = render(result, { onlyProblems: true });
    for (const c of quiet) expect(page).not.toContain(`id="c${c.id}"`);
    expect(page).toContain(`${quiet.length === 1 ? '1 conversation' : `${quiet.length} conversations`} without warnings or errors`);
  });

  it('draws at most MAX_HTML_EVENTS_PER_CONVERSATION rows of one conversation and says how many more there are', () => {
    const base = result.conversations.find((c) => c.protocol === 'imap')!;
    const events = Array.from({ length: MAX_HTML_EVENTS_PER_CONVERSATION + 25 }, (_, n) => ({ ...base.events[n % base.events.length]!, n }));
    const page = render(result, {}, [{ ...base, events, findings: [] }]);
    expect(page.match(new RegExp(`<tr class="ev [^"]*" id="c${base.id}-e\\d+">`, 'g'))).toHaveLength(MAX_HTML_EVENTS_PER_CONVERSATION);
    expect(page).toContain(`… 25 more lines not shown here (at most ${MAX_HTML_EVENTS_PER_CONVERSATION} per conversation`);
  });

  it('spends at most MAX_HTML_TOTAL_EVENTS rows on the whole report, then says transcripts were cut', () => {
    const base = result.conversations.find((c) => c.protocol === 'imap')!;
    const copies = Math.ceil(MAX_HTML_TOTAL_EVENTS / base.events.length) + 2;
    const many = Array.from({ length: copies }, (_, i) => ({ ...base, id: i + 1 }));
    const page = render(result, {}, many);
    expect(page.match(/<tr class="ev [^"]*" id="c\d+-e\d+">/g)).toHaveLength(MAX_HTML_TOTAL_EVENTS);
    const cut = copies - Math.floor(MAX_HTML_TOTAL_EVENTS / base.events.length);
    expect(page).toContain(`Transcripts of ${cut} conversations are cut short`);
    expect(page).toContain(`… ${base.events.length} more lines not shown here (the lines this report may hold in all are spent;`);
    // Every conversation still has its section and its findings.
    expect(page.match(/<section class="conv /g)).toHaveLength(copies);
    expect(page.match(/<li class="finding /g)!.length).toBeGreaterThanOrEqual(copies * base.findings.length);
  });

  it('shows the refused connections as SYN and RST on the ladder, the SYN tinted by tcp.refused', () => {
    const refused = result.conversations.filter((c) => c.tcp?.refused);
    expect(refused.length).toBeGreaterThan(0);
    for (const c of refused) {
      expect(html).toMatch(new RegExp(`<tr class="ev c2s k-tcp sev-error" id="c${c.id}-syn">`));
      // The RST's frame number is not in the connection summary, so only the SYN row carries the finding.
      expect(html).toMatch(new RegExp(`<tr class="ev s2c k-tcp[^"]*" id="c${c.id}-end">.*?TCP RST: connection refused`));
    }
  });
});
