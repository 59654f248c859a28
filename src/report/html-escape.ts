/**
 * Escaping for the parts of the HTML report that escapeHtml does not cover: JSON placed inside a
 * <script> element. Text and attribute values use escapeHtml from ./escape.js.
 */
import { escapeJsonControls } from './escape.js';

/**
 * JSON text that is safe inside `<script type="application/json">`: `<`, `>` and `&` become `\u003c`,
 * `\u003e`, `\u0026` (so `</script>` or `<!--` in captured text cannot end or bend the element), and
 * U+2028 / U+2029 become escapes (they end lines in older JavaScript parsers). The result is still
 * valid JSON with the same value: `JSON.parse(jsonForScript(v))` deep-equals `v`.
 */
export function jsonForScript(value: unknown): string {
  // Controls and bidi overrides too (escapeJsonControls): the page's scripts show this text.
  return escapeJsonControls(JSON.stringify(value) ?? 'null').replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
