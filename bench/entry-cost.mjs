// What one connection-table entry costs in JS heap, by what it holds (the ENTRY_BYTES estimates of
// src/tcp/limits.ts and the "Many connections" table of docs/performance.md).
//
//   npm run build && node --expose-gc bench/entry-cost.mjs [--n 20000]
//
// For each shape, N connections are fed through the real pipeline (CaptureParser → InputAnalyzer)
// with a table budget large enough to keep them all, and the heap after a full collection is
// compared with the heap before: the difference over N is the cost of one entry in that state.
import { CaptureParser } from '../dist/capture/capture-parser.js';
import { AnalysisSession } from '../dist/analyze.js';
import { TcpConnection, hostAddress, pcapHeader, pcapRecord } from '../scripts/adversarial-packets.mjs';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const n = Number(process.argv[process.argv.indexOf('--n') + 1] || 20_000) || 20_000;
const enc = (s) => Buffer.from(s, 'latin1');

const SHAPES = {
  'SYN only (an unanswered attempt)': (c) => [c.frame('c', 0x02, 0)],
  'handshake, no payload': (c) => c.handshake(),
  'greeting only': (c) => [...c.handshake(), ...c.send('s', enc('* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n'))],
  'idle IMAP session (login, SELECT, IDLE)': (c) => [...c.handshake(),
    ...c.send('s', enc('* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] Dovecot ready.\r\n')),
    ...c.send('c', enc('a1 LOGIN alice secret\r\n')), ...c.send('s', enc('a1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n')),
    ...c.send('c', enc('a2 SELECT INBOX\r\n')),
    ...c.send('s', enc('* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 12 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1700000000] UIDs valid\r\na2 OK [READ-WRITE] Select completed.\r\n')),
    ...c.send('c', enc('a3 IDLE\r\n')), ...c.send('s', enc('+ idling\r\n'))],
  'closed (FIN both ways), lingering': (c) => [...c.handshake(), ...c.send('s', enc('* OK ready\r\n')),
    ...c.send('c', enc('a1 LOGOUT\r\n')), ...c.send('s', enc('* BYE\r\na1 OK\r\n')), ...c.close()],
};

function heap() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
}

for (const [name, frames] of Object.entries(SHAPES)) {
  const session = new AnalysisSession({ onConversation: () => {}, tableBudgetBytes: 2 ** 40 });
  const input = session.input('entry-cost');
  const parser = new CaptureParser(input, { source: 'entry-cost' });
  parser.push(pcapHeader());
  const before = heap();
  let t = 1_700_000_000;
  for (let i = 0; i < n; i++) {
    const c = new TcpConnection({ client: hostAddress(100 + Math.floor(i / 50_000)), sport: 1024 + (i % 50_000) });
    parser.push(Buffer.concat(frames(c).map((f) => pcapRecord((t += 0.00001), f))));
  }
  const after = heap();
  console.log(`${name.padEnd(42)} ${Math.round((after - before) / n).toString().padStart(6)} bytes per connection (${n} open)`);
  parser.end();
  input.finish(parser.stats());
}
