/**
 * The package as a user's project gets it: `npm pack`, installed into a separate folder, imported
 * by name ('mailwire') from JavaScript and type-checked from TypeScript with the shipped .d.ts.
 * Proves that package.json's "main"/"types"/"files" carry what the README's library section uses.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('the packed package, imported by name from another project', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailwire-consumer-'));
    // dist/ is built by `npm test` before vitest runs; --ignore-scripts skips the rebuild and the native addon.
    execFileSync(NPM, ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: ROOT, stdio: 'pipe' });
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // Dependencies come from the npm cache `npm install` of this repository filled.
    execFileSync(NPM, ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--silent', `./${tgz}`],
      { cwd: dir, stdio: 'pipe', timeout: 120_000 });
  }, 180_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('analyze() is there, redacts by default and throws coded errors', () => {
    const sample = join(ROOT, 'captures/exchange2013-proxynotauthenticated.pcap');
    writeFileSync(join(dir, 'use.mjs'), `
import { analyze, isMailwireError } from 'mailwire';
const report = await analyze(${JSON.stringify(sample)});
let code;
try { await analyze(Buffer.from('not a capture at all')); } catch (err) { code = isMailwireError(err) && err.code; }
console.log(JSON.stringify({ ids: report.conversations[0].findings.map((f) => f.id), secret: report.conversations[0].auth[0].secret.value ?? null, code }));
`);
    const out = JSON.parse(execFileSync(process.execPath, ['use.mjs'], { cwd: dir, encoding: 'utf8' })) as { ids: string[]; secret: string | null; code: string };
    expect(out.ids).toContain('exchange.proxy-not-authenticated');
    expect(out.secret).toBeNull();
    expect(out.code).toBe('ERR_CAPTURE_BAD_MAGIC');
  });

  it('its types check a TypeScript user of the documented API (and catch a misuse)', () => {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const flags = ['--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types')];
    writeFileSync(join(dir, 'use.mts'), `
import { analyze, type Report, type AnalyzeOptions, MailwireError } from 'mailwire';
const options: AnalyzeOptions = { showSecrets: false, keyLog: 'CLIENT_RANDOM a b', ports: [1143] };
const report: Report = await analyze(['trace.pcap', new Uint8Array(0)], options);
const outcome: string = report.conversations[0]!.outcome;
const filter: string | undefined = report.conversations[0]!.displayFilter;
const stream: number | undefined = report.conversations[0]!.tcpStream;
const code: string = new MailwireError('ERR_USAGE', 'x').code;
console.log(outcome, filter, stream, code, report.summary.logins.attempts.length);
`);
    execFileSync(process.execPath, [tsc, ...flags, 'use.mts'], { cwd: dir, stdio: 'pipe' });
    writeFileSync(join(dir, 'misuse.mts'), `
import { analyze } from 'mailwire';
await analyze('trace.pcap', { showSecret: true });
`);
    let errors = '';
    try {
      execFileSync(process.execPath, [tsc, ...flags, 'misuse.mts'], { cwd: dir, stdio: 'pipe' });
    } catch (err) {
      errors = String((err as { stdout: Buffer }).stdout);
    }
    expect(errors).toMatch(/showSecret/);
  });
});
