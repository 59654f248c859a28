/**
 * Nothing from a capture is ever interpreted by the analyst's terminal or browser: a hostile server
 * could otherwise rewrite the screen (ESC sequences) or run script in the HTML report.
 */

/** Shows control characters, DEL, C1 controls and bidi overrides as visible escapes (`\x1b`, `\u202e`). */
export function escapeTerminal(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\t\n]/g, (ch) => {
    const code = ch.charCodeAt(0);
    if (ch === '\t') return '\\t';
    if (ch === '\n') return '\\n';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** HTML text and attribute escaping. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}
