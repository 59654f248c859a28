/**
 * One line of comma-separated values as Exchange's protocol logs write them: fields separated by
 * commas, a field in double quotes may hold commas, and a double quote inside it is written twice.
 */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          v += line.slice(i); // unterminated: the rest of the line
          i = line.length;
          break;
        }
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(v);
      const comma = line.indexOf(',', i);
      if (comma < 0) return out;
      i = comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

/**
 * The `key=value` items of an Exchange log's context field, separated by ';'. A value may be in
 * double quotes (R="a1 NO ... failed.") and then hold ';'. Items without '=' keep an empty value.
 */
export function parseContext(context: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let i = 0;
  while (i < context.length) {
    const eq = context.indexOf('=', i);
    const semi = context.indexOf(';', i);
    if (eq < 0 || (semi >= 0 && semi < eq)) {
      const end = semi < 0 ? context.length : semi;
      const key = context.slice(i, end).trim();
      if (key) out.push([key, '']);
      i = end + 1;
      continue;
    }
    const key = context.slice(i, eq).trim();
    let j = eq + 1;
    let value: string;
    if (context[j] === '"') {
      const q = context.indexOf('"', j + 1);
      const end = q < 0 ? context.length : q;
      value = context.slice(j + 1, end);
      j = end + 1;
      const next = context.indexOf(';', j);
      i = next < 0 ? context.length : next + 1;
    } else {
      const end = semi < 0 ? context.length : semi;
      value = context.slice(j, end);
      i = end + 1;
    }
    out.push([key, value]);
  }
  return out;
}
