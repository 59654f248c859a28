/** `mailwire logins FILE...`: one row per authentication attempt, as a table, JSON or CSV. */
import { analyzeInputs } from '../analyze.js';
import { LoginTable } from '../report/logins.js';
import { loginsCsv, loginsJson, loginsText } from '../report/logins-format.js';
import { escapeTerminal } from '../report/escape.js';
import { analysisOptions, checkInputs, EXIT_OK } from './options.js';
import { openOutput } from './output.js';

export interface LoginsCommandOptions {
  format: 'text' | 'json' | 'csv';
  showSecrets: boolean;
  output?: string;
  keylog?: string;
  ports?: string;
}

export async function runLogins(files: string[], opts: LoginsCommandOptions): Promise<number> {
  const analysis = analysisOptions(opts);
  checkInputs(files);
  const table = new LoginTable(opts.showSecrets);
  await analyzeInputs(files, {
    ...analysis,
    onConversation: (c) => table.add(c),
    onWarning: (input, w) => process.stderr.write(`mailwire: warning: ${escapeTerminal(input)}: ${escapeTerminal(w.message)}\n`),
  });
  const rows = table.sorted();
  const output = openOutput(opts.output, { ownerOnly: opts.showSecrets });
  if (opts.format === 'json') output.write(loginsJson(rows, table.dropped, opts.showSecrets));
  else if (opts.format === 'csv') output.write(loginsCsv(rows));
  else {
    const head = opts.showSecrets ? ['Secrets are shown (--show-secrets).', ''] : [];
    output.write([...head, ...loginsText(rows, table.dropped)].join('\n') + '\n');
  }
  output.close();
  return EXIT_OK;
}
