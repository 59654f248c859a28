/**
 * The logins inventory rendered: a text table (terminal and the text report's section), a
 * markdown table, CSV (RFC 4180) and JSON. Everything from the capture is escaped for its medium.
 */
import { escapeHtml, escapeTerminal, jsonText } from './escape.js';
import { outcomeWords, secretWords, type LoginRow } from './logins.js';

/** Characters of a table cell (text and markdown); a hostile 64 KiB user name must not widen every row. */
export const MAX_CELL_CHARS = 80;

function cell(s: string): string {
  return s.length > MAX_CELL_CHARS ? s.slice(0, MAX_CELL_CHARS - 1) + '…' : s;
}

// "transport" says TLS or cleartext: a column of yes/NO read like IMAP's NO beside the outcome.
const HEADERS = ['time', 'conv', 'protocol', 'client', 'server', 'method', 'user', 'transport', 'outcome', 'secret', 'frames'] as const;

function cells(r: LoginRow): string[] {
  const user = r.user === undefined ? '?' : JSON.stringify(r.user) + (r.authzid !== undefined ? ` (authzid ${JSON.stringify(r.authzid)})` : '');
  // The secret column is not cut: with --show-secrets the value is what the user asked for.
  return [r.time, `#${r.conversation}`, r.protocol.toUpperCase(), r.client, r.server, cell(r.method), cell(user), r.encrypted ? 'TLS' : 'cleartext', cell(outcomeWords(r)), secretWords(r), cell(r.frames.join(','))];
}

/**
 * Aligned columns; crack lines (only present with secrets shown) listed after the table. When the
 * table is wider than `width` columns, each login is one paragraph instead, wrapped by `wrap`.
 */
export function loginsText(rows: readonly LoginRow[], dropped: number, indent = '', width?: number, wrap: (line: string, hang: number) => string = (l) => l): string[] {
  if (rows.length === 0) return [`${indent}no authentication attempts`];
  const table = [HEADERS.map((h) => h), ...rows.map((r) => cells(r).map(escapeTerminal))];
  const widths = HEADERS.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const tableWidth = indent.length + widths.reduce((a, b) => a + b + 2, -2);
  const out = width && tableWidth > width
    ? table.slice(1).map((c) => wrap(`${indent}${c[1]} ${c[2]} ${c[3]} → ${c[4]}  ${c[5]} ${c[6]}, ${c[7]}: ${c[8]}; ${c[9]}  (frames ${c[10]}, ${c[0]})`, indent.length + 2))
    : table.map((row) => indent + row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
  if (dropped) out.push(`${indent}… ${dropped} more attempts not listed`);
  const crack = rows.filter((r) => r.crackLine !== undefined);
  if (crack.length) {
    out.push('', `${indent}offline-attackable exchanges (auditor format):`);
    for (const r of crack) out.push(`${indent}  #${r.conversation} ${r.offlineAttack ?? ''}  ${escapeTerminal(r.crackLine!)}`);
  }
  return out;
}

/** Markdown cell text: no HTML, no table or emphasis syntax from the capture. */
function mdCell(s: string): string {
  return escapeTerminal(s).replace(/[\\`*_{}[\]()#+!|<>]/g, (ch) => `\\${ch}`);
}

export function loginsMarkdown(rows: readonly LoginRow[], dropped: number): string[] {
  if (rows.length === 0) return ['No authentication attempts.'];
  const out = [`| ${HEADERS.join(' | ')} |`, `|${HEADERS.map(() => '---').join('|')}|`];
  for (const r of rows) out.push(`| ${cells(r).map(mdCell).join(' | ')} |`);
  if (dropped) out.push('', `${dropped} more attempts not listed.`);
  return out;
}

/**
 * An HTML table (the HTML report's Logins section). `linked` says which conversations have a
 * section on the page, so their number links to it.
 */
export function loginsHtml(rows: readonly LoginRow[], dropped: number, linked: (conversation: number) => boolean): string {
  if (rows.length === 0) return '<p class="note">No authentication attempts.</p>';
  const out = ['<table class="grid logins"><thead><tr>', ...HEADERS.map((h) => `<th scope="col">${h}</th>`), '</tr></thead><tbody>'];
  for (const r of rows) {
    const c = cells(r).map(escapeHtml);
    if (linked(r.conversation)) c[1] = `<a href="#c${r.conversation}">${c[1]}</a>`;
    const bad = r.outcome === 'failed' ? ' class="bad"' : '';
    out.push(`<tr${bad}>${c.map((x) => `<td>${x}</td>`).join('')}</tr>`);
  }
  out.push('</tbody></table>');
  if (dropped) out.push(`<p class="note">${dropped} more attempts not listed.</p>`);
  const crack = rows.filter((r) => r.crackLine !== undefined);
  if (crack.length) {
    out.push('<h3>Offline-attackable exchanges (auditor format)</h3><ul class="crack">');
    for (const r of crack) out.push(`<li>#${r.conversation} ${escapeHtml(r.offlineAttack ?? '')} <code class="secret">${escapeHtml(r.crackLine!)}</code></li>`);
    out.push('</ul>');
  }
  return out.join('');
}

/**
 * A field from the capture: terminal controls and bidi overrides shown as escapes (`\x1b`, as in
 * the text report: CSV is printed to terminals too), and what a spreadsheet would run as a formula
 * gets a leading quote (OWASP CSV injection).
 */
function csvText(s: string): string {
  const shown = escapeTerminal(s);
  return /^[=+\-@]/.test(shown) ? `'${shown}` : shown;
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const CSV_HEADERS = ['time', 'conversation', 'input', 'protocol', 'client', 'server', 'command', 'method', 'user', 'authzid', 'encrypted', 'outcome', 'server_text', 'secret_kind', 'secret_exposed', 'offline_attack', 'frames', 'secret', 'crack_line'] as const;

/** CSV with a header line; the secret columns are empty unless secrets are shown. */
export function loginsCsv(rows: readonly LoginRow[]): string {
  const lines = [CSV_HEADERS.join(',')];
  for (const r of rows) {
    const v = [r.time, String(r.conversation), csvText(r.input ?? ''), r.protocol, r.client, r.server, csvText(r.command), csvText(r.method), csvText(r.user ?? ''), csvText(r.authzid ?? ''), String(r.encrypted), r.outcome, csvText(r.serverText ?? ''), r.secretKind ?? '', String(r.secretExposed), r.offlineAttack ?? '', r.frames.join(' '), csvText(r.secret ?? ''), csvText(r.crackLine ?? '')];
    lines.push(v.map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

export function loginsJson(rows: readonly LoginRow[], dropped: number, secretsShown: boolean): string {
  return jsonText({ secretsShown, logins: rows, ...(dropped ? { dropped } : {}) }, 2) + '\n';
}
