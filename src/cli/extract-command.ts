/** `mailwire extract FILE... -d DIR`: the messages that crossed the wire, as .eml files plus index.json. */
import { systemErrorWords } from '../errors.js';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { extractMessages, INDEX_FILE, type ExtractIndex } from '../extract/extract.js';
import { escapeTerminal } from '../report/escape.js';
import { analysisOptions, checkInputs, EXIT_OK, UsageError } from './options.js';

export interface ExtractCommandOptions {
  dir: string;
  partial: boolean;
  keylog?: string;
  ports?: string;
}

/**
 * `mkdir -p`, owner-only, without Node's recursive mode: that loops forever where mkdir answers
 * ENOENT for a parent that exists (`/proc/x`). Each level is tried at most twice; the second
 * failure is the answer.
 */
function makeDirectories(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw err;
  }
  makeDirectories(dirname(dir));
  mkdirSync(dir, { mode: 0o700 });
}

function prepareDir(dir: string): void {
  try {
    makeDirectories(resolve(dir));
    if (!statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a directory`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot use ${dir} as the output directory: ${systemErrorWords(err)}`);
  }
}

/** The stdout summary: one line per file, then totals and what was skipped. */
export function extractSummary(index: ExtractIndex, dir: string): string {
  const lines: string[] = [];
  for (const m of index.messages) {
    const what = m.item ? `${m.command} ${m.item}` : m.command;
    const subject = m.subject !== undefined ? `  ${JSON.stringify(m.subject)}` : '';
    lines.push(`${m.file}  #${m.conversation} frames ${m.firstFrame}-${m.lastFrame}  ${what}  ${m.size} bytes${m.complete ? '' : '  INCOMPLETE'}${subject}`);
  }
  const whole = index.messages.filter((m) => m.complete).length;
  const cut = index.messages.length - whole;
  lines.push(`${index.messages.length} file(s) written to ${dir} (${whole} complete${cut ? `, ${cut} incomplete (.partial)` : ''}); index in ${INDEX_FILE}`);
  const s = index.skipped;
  if (s.parts) lines.push(`${s.parts} partial fetch(es) or TOP bodies not written (use --partial)`);
  if (s.overMessageCap) lines.push(`${s.overMessageCap} message(s) not written: too many messages`);
  if (s.overOpenCap) lines.push(`${s.overOpenCap} message(s) not written: too many in progress at once`);
  for (const e of index.errors) lines.push(`error: ${e}`);
  return lines.map(escapeTerminal).join('\n') + '\n';
}

export async function runExtract(files: string[], opts: ExtractCommandOptions, version: string): Promise<number> {
  const analysis = analysisOptions(opts);
  checkInputs(files);
  prepareDir(opts.dir);
  const index = await extractMessages(files, {
    dir: opts.dir,
    partial: opts.partial,
    ...analysis,
    version,
    onWarning: (input, w) => process.stderr.write(`mailwire: warning: ${escapeTerminal(input)}: ${escapeTerminal(w.message)}\n`),
  });
  process.stdout.write(extractSummary(index, opts.dir));
  return EXIT_OK;
}
