#!/usr/bin/env node
// The README's sample outputs are generated, not typed: each block after a marker
//
//   <!-- sample: read captures/x.pcap --no-color | first 22 | then from "━━ Across" | cut 130 -->
//   ```text
//   ...
//   ```
//
// is what `mailwire <args>` prints (run from the repository root, on dist/), shortened by the
// steps after the command: `first N` keeps the first N lines, `then from "TEXT"` appends a `...`
// line and the lines from the first one containing TEXT to the end, `cut N` ends longer lines
// with `...` at N characters. `npm run docs:readme` rewrites the blocks; test/docs/readme-samples.test.ts
// checks that README.md equals what this produces, so a sample cannot drift from what mailwire says.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MARKER = /^<!-- sample: (.+?) -->\n```(\w*)\n[\s\S]*?\n```$/gm;

/** Splits `a "b c" d` into words, keeping quoted words whole. */
function words(s) {
  return [...s.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

/** The block's text for one marker's spec. */
export function sampleText(spec) {
  const [command, ...steps] = spec.split(' | ');
  const out = execFileSync(process.execPath, [fileURLToPath(new URL('../bin/mailwire', import.meta.url)), ...words(command)], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, COLUMNS: '80' },
  });
  const all = out.replace(/\n+$/, '').split('\n');
  let lines = all;
  for (const step of steps) {
    const [verb, ...args] = words(step);
    if (verb === 'first') lines = lines.slice(0, Number(args[0]));
    else if (verb === 'then' && args[0] === 'from') {
      const at = all.findIndex((l) => l.includes(args[1]));
      if (at < 0) throw new Error(`sample "${command}": no line contains "${args[1]}"`);
      lines = [...lines, '...', ...all.slice(at)];
    } else if (verb === 'cut') {
      const n = Number(args[0]);
      lines = lines.map((l) => ([...l].length > n ? [...l].slice(0, n - 3).join('') + '...' : l));
    } else throw new Error(`sample "${command}": unknown step "${step}"`);
  }
  return lines.join('\n');
}

/** README text with every sample block regenerated. */
export function renderReadme(text) {
  return text.replace(MARKER, (_block, spec, lang) => `<!-- sample: ${spec} -->\n\`\`\`${lang}\n${sampleText(spec)}\n\`\`\``);
}

export const README = new URL('../README.md', import.meta.url);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const before = readFileSync(README, 'utf8');
  const after = renderReadme(before);
  if (process.argv.includes('--check')) {
    if (after !== before) {
      console.error('README.md sample outputs are out of date: run npm run docs:readme');
      process.exitCode = 1;
    }
  } else {
    writeFileSync(README, after);
    console.log(`wrote ${fileURLToPath(README)}`);
  }
}
