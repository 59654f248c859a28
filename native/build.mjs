// Builds the optional live-capture addon (native/mailwire_pcap.c) with the node-gyp that npm ships.
// Run by `npm install` (the package's install script) and by `npm run build:native`.
//
// It never fails the install: without libpcap's headers (Debian: apt-get install libpcap-dev) or a
// C compiler it prints one note and exits 0, and `mailwire live` then says what is missing.
// The compiler's output goes to native/build.log.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const log = join(here, 'build.log');

/** npm puts its own node-gyp in npm_config_node_gyp for install scripts; otherwise look beside npm. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((p) => p && existsSync(p));
}

function skip(why) {
  process.stderr.write(`mailwire: live capture addon not built (${why}); 'mailwire live' will be unavailable. ` +
    `To enable it: apt-get install libpcap-dev (with make, g++, python3), then npm run build:native\n`);
  process.exit(0);
}

if (process.env.MAILWIRE_SKIP_NATIVE) skip('MAILWIRE_SKIP_NATIVE is set');
const gyp = nodeGyp();
if (!gyp) skip('node-gyp not found');
// Build against the headers of the running Node when they are installed beside it (npm passes its own
// nodedir setting as npm_config_nodedir; without either, node-gyp would try to download them).
const prefix = join(dirname(process.execPath), '..');
const args = [gyp, 'rebuild'];
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8', env: process.env });
writeFileSync(log, `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`);
if (r.status !== 0) {
  const pcapMissing = /pcap\/pcap\.h|pcap\.h: No such file|cannot find -lpcap/.test(`${r.stdout}${r.stderr}`);
  skip(pcapMissing ? 'libpcap headers not found' : `node-gyp failed, see ${log}`);
}
process.stderr.write('mailwire: live capture addon built (native/build/Release/mailwire_pcap.node)\n');
