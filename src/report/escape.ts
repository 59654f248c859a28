/**
 * Nothing from a capture is ever interpreted by the analyst's terminal or browser: a hostile server
 * could otherwise rewrite the screen (ESC sequences) or run script in the HTML report.
 */

/** A control character, DEL, C1 control or bidi control as a visible escape (`\x1b`, `\u202e`, `\t`, `\n`). */
function visibleEscape(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch === '\t') return '\\t';
  if (ch === '\n') return '\\n';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Shows control characters, DEL, C1 controls and bidi overrides as visible escapes (`\x1b`, `\u202e`). */
export function escapeTerminal(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\t\n]/g, visibleEscape);
}

/**
 * HTML text and attribute escaping. Controls and bidi overrides become visible escapes as in the
 * text report (tab and newline stay: transcripts are preformatted): U+202E would flip the page's
 * text, and an ESC sequence acts on a terminal the report is printed to.
 */
export function escapeHtml(s: string): string {
  return s
    .replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!)
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, visibleEscape);
}

/**
 * Characters JSON.stringify writes raw that a terminal or a viewer acts on: DEL, the C1 controls
 * (0x9b is CSI on some terminals), bidi controls, and the line/paragraph separators (which also end
 * a line in JavaScript before ES2019). C0 controls are escaped by JSON.stringify itself.
 */
// eslint-disable-next-line no-control-regex
const JSON_UNSAFE = /[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * Makes JSON text safe to print: every character of JSON_UNSAFE becomes a `\uXXXX` escape. Such
 * characters can only stand inside JSON strings, where the escape means the same character, so the
 * document is unchanged for any JSON reader. The one place for this: every JSON and JSONL writer
 * (reports, `logins --format json`, extract's index.json, event streams) goes through it or jsonText.
 */
export function escapeJsonControls(json: string): string {
  JSON_UNSAFE.lastIndex = 0;
  if (!JSON_UNSAFE.test(json)) return json;
  return json.replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** JSON.stringify whose output is safe to print (escapeJsonControls). */
export function jsonText(value: unknown, indent?: number): string {
  return escapeJsonControls(JSON.stringify(value, null, indent));
}
