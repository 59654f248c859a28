/**
 * `mailwire extract` as a library call: analyses the inputs with a MessageWriter as the content
 * sink, decodes each written message's header fields, and writes `index.json` next to them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeInputs, SCHEMA_VERSION, type SessionOptions } from '../analyze.js';
import { jsonText } from '../report/escape.js';
import { readHeaderFields } from './header-fields.js';
import { MessageWriter, type ExtractedMessage, type SkippedCounts } from './message-writer.js';

export const INDEX_FILE = 'index.json';

export interface ExtractOptions extends Pick<SessionOptions, 'extraPorts' | 'keyLogText' | 'onWarning' | 'onProgress'> {
  /** Output directory: must exist and be writable. */
  dir: string;
  /** Also write partial fetches and TOP bodies. */
  partial?: boolean;
  /** Generator version written into the index. */
  version?: string;
}

/** What index.json holds. */
export interface ExtractIndex {
  schemaVersion: number;
  generator: { name: 'mailwire'; version: string };
  inputs: string[];
  /** In the order the messages ended. */
  messages: ExtractedMessage[];
  skipped: SkippedCounts;
  /** File system errors (at most a few). */
  errors: string[];
}

export async function extractMessages(paths: string[], opts: ExtractOptions): Promise<ExtractIndex> {
  const writer = new MessageWriter({ dir: opts.dir, partial: opts.partial ?? false });
  const session: SessionOptions = { content: writer };
  if (opts.extraPorts) session.extraPorts = opts.extraPorts;
  if (opts.keyLogText !== undefined) session.keyLogText = opts.keyLogText;
  if (opts.onWarning) session.onWarning = opts.onWarning;
  if (opts.onProgress) session.onProgress = opts.onProgress;
  try {
    await analyzeInputs(paths, session);
  } finally {
    writer.finish();
  }
  for (const m of writer.messages) Object.assign(m, await readHeaderFields(join(opts.dir, m.file)));
  const index: ExtractIndex = {
    schemaVersion: SCHEMA_VERSION,
    generator: { name: 'mailwire', version: opts.version ?? '0.0.0' },
    inputs: paths,
    messages: writer.messages,
    skipped: writer.skipped,
    errors: writer.errors,
  };
  writeFileSync(join(opts.dir, INDEX_FILE), jsonText(index, 2) + '\n', { mode: 0o600 });
  return index;
}
