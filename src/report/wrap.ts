/**
 * Wrapping for the terminal report: a line longer than the width is broken at spaces (a word longer
 * than the line is cut), and every continuation starts with the hanging indent, so wrapped text
 * stays under its field. Colour codes (SGR sequences from chalk) take no columns; text from the
 * capture reaches here already escaped (./escape.ts), so no other escape sequence can occur.
 */

// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/y;

/** Columns a string takes on the terminal (one per code point; SGR sequences none). */
export function visibleWidth(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; ) {
    if (s.charCodeAt(i) === 0x1b) {
      SGR.lastIndex = i;
      const m = SGR.exec(s);
      if (m) {
        i += m[0].length;
        continue;
      }
    }
    const cp = s.codePointAt(i)!;
    i += cp > 0xffff ? 2 : 1;
    n++;
  }
  return n;
}

/** Narrowest width wrapping honours: below it a hanging indent would leave no room for text. */
const MIN_WIDTH = 40;

/**
 * `line` wrapped to `width` columns, continuations indented by `hang` columns. A width of 0 (or
 * undefined) leaves the line as it is.
 */
export function wrapLine(line: string, width: number | undefined, hang: number): string {
  if (!width || visibleWidth(line) <= width) return line;
  const w = Math.max(width, MIN_WIDTH);
  const indent = ' '.repeat(Math.min(hang, w - 20));
  const room = w - indent.length;
  const out: string[] = [];
  let cur = '';
  let curWidth = 0;
  /** The current line holds a word (not only indentation). */
  let hasWord = false;
  const flush = (): void => {
    out.push(cur.replace(/ +$/, ''));
    cur = indent;
    curWidth = indent.length;
    hasWord = false;
  };
  // Tokens: runs of spaces, SGR sequences and words; a line break may only fall before a word.
  for (const token of line.match(/ +|\x1b\[[0-9;]*m|[^ \x1b]+|\x1b/g) ?? []) {
    if (token.charCodeAt(0) === 0x1b) {
      cur += token;
      continue;
    }
    const tw = visibleWidth(token);
    if (token[0] === ' ') {
      if (hasWord || out.length === 0) {
        cur += token;
        curWidth += tw;
      }
      continue;
    }
    if (curWidth + tw > w && hasWord) flush();
    let word = token;
    // A word longer than a whole line (base64, a long path) is cut at the line's end.
    while (curWidth + visibleWidth(word) > w && room > 0) {
      const chars = Array.from(word);
      const take = Math.max(1, w - curWidth);
      cur += chars.slice(0, take).join('');
      word = chars.slice(take).join('');
      flush();
    }
    cur += word;
    curWidth += visibleWidth(word);
    hasWord = true;
  }
  if (hasWord || out.length === 0) out.push(cur.replace(/ +$/, ''));
  return out.join('\n');
}
