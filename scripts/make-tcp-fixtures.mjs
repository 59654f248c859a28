#!/usr/bin/env node
/**
 * Regenerates test/fixtures/tcp/*.json from the shared corpus with tshark's "Follow TCP stream":
 * for every TCP connection on a mail port (MAIL_PORTS of src/tcp/limits.ts: IMAP, POP3, SMTP) of every capture, the endpoints and,
 * per direction, the byte count, SHA-256 and first 64 bytes (hex) of the followed bytes, plus the
 * gaps tshark marked with "[N bytes missing in capture file]" (stripped from the bytes, recorded as
 * {at: data bytes before the gap, length}).
 *
 * Usage: node scripts/make-tcp-fixtures.mjs [corpus-dir]   (default: ../shared/corpus)
 * Needs tshark on PATH and the build (dist/). Tests never run this: they read the committed JSON.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAIL_PORTS } from '../dist/tcp/limits.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = process.argv[2] ?? join(repo, '..', 'shared', 'corpus');
const outDir = join(repo, 'test', 'fixtures', 'tcp');
const MARKER = /^\[(\d+) bytes missing in capture file\]\0$/;

function tshark(args) {
  return execFileSync('tshark', args, { encoding: 'latin1', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
}

function captures(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...captures(p));
    else if (!/\.(md|keylog)$/.test(name)) out.push(p);
  }
  return out;
}

/** "1.2.3.4:143" or "[2001:db8::1]:143" -> {ip, port} */
function endpoint(text) {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text.trim());
  return { ip: m[1], port: Number(m[2]) };
}

const sameEp = (a, b) => a.ip === b.ip && a.port === b.port;

/** Per stream: the first packet's endpoints and the sender of the first SYN / SYN-ACK. */
function listStreams(file) {
  const filter = `tcp.port in {${MAIL_PORTS.join(',')}}`;
  const text = tshark(['-r', file, '-Y', filter, '-T', 'fields', '-E', 'separator=\t',
    '-e', 'tcp.stream', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'tcp.srcport', '-e', 'ip.dst', '-e', 'ipv6.dst', '-e', 'tcp.dstport',
    '-e', 'tcp.flags.syn', '-e', 'tcp.flags.ack']);
  const streams = new Map();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [id, s4, s6, sp, d4, d6, dp, syn, ack] = line.split('\t');
    const src = { ip: s4 || s6, port: Number(sp) };
    const dst = { ip: d4 || d6, port: Number(dp) };
    let st = streams.get(id);
    if (!st) streams.set(id, (st = { stream: Number(id), first: { src, dst }, client: undefined, roleSource: undefined }));
    const isSyn = syn === '1' || syn === 'True';
    const isAck = ack === '1' || ack === 'True';
    if (isSyn && !isAck && st.roleSource !== 'syn') Object.assign(st, { client: src, server: dst, roleSource: 'syn' });
    else if (isSyn && isAck && st.roleSource !== 'syn') Object.assign(st, { client: dst, server: src, roleSource: 'syn' });
  }
  for (const st of streams.values()) {
    if (st.roleSource) continue;
    const { src, dst } = st.first;
    const srcMail = MAIL_PORTS.includes(src.port) && !MAIL_PORTS.includes(dst.port);
    Object.assign(st, { client: srcMail ? dst : src, server: srcMail ? src : dst, roleSource: 'port' });
  }
  return [...streams.values()].sort((a, b) => a.stream - b.stream);
}

/** Parses `-z follow,tcp,raw,N` blocks: per stream, its nodes and their records in order. */
function follow(file, ids) {
  const args = ['-r', file, '-q'];
  for (const id of ids) args.push('-z', `follow,tcp,raw,${id}`);
  const text = tshark(args);
  const out = new Map();
  let cur;
  for (const line of text.split('\n')) {
    let m;
    if ((m = /^Filter: tcp\.stream eq (\d+)/.exec(line))) {
      cur = { nodes: [], data: [[], []] };
      out.set(Number(m[1]), cur);
    } else if (cur && (m = /^Node ([01]): (.*)$/.exec(line))) {
      cur.nodes[Number(m[1])] = endpoint(m[2]);
    } else if (cur && /^\t?[0-9a-f]+$/.test(line)) {
      const node = line.startsWith('\t') ? 1 : 0;
      cur.data[node].push(Buffer.from(line.trim(), 'hex'));
    }
  }
  return out;
}

function describeDir(records) {
  const parts = [];
  const gaps = [];
  let at = 0;
  for (const r of records) {
    const m = MARKER.exec(r.toString('latin1'));
    if (m) {
      gaps.push({ at, length: Number(m[1]) });
      continue;
    }
    parts.push(r);
    at += r.length;
  }
  const bytes = Buffer.concat(parts);
  return {
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    head: bytes.subarray(0, 64).toString('hex'),
    gaps,
  };
}

const version = /TShark \(Wireshark\) (\S+)/.exec(tshark(['--version']))?.[1] ?? 'unknown';
mkdirSync(outDir, { recursive: true });
const differencesFile = join(outDir, 'differences.json');
const differences = existsSync(differencesFile) ? JSON.parse(readFileSync(differencesFile, 'utf8')) : {};
let total = 0;
for (const file of captures(corpus)) {
  const rel = relative(corpus, file).split('\\').join('/');
  const streams = listStreams(file);
  const followed = streams.length > 0 ? follow(file, streams.map((s) => s.stream)) : new Map();
  const connections = streams.map((st) => {
    const f = followed.get(st.stream) ?? { nodes: [], data: [[], []] };
    // tshark's Node 0 is whoever sent the stream's first packet; map nodes to our client/server.
    const clientNode = f.nodes[1] && sameEp(f.nodes[1], st.client) ? 1 : 0;
    return {
      stream: st.stream,
      client: st.client,
      server: st.server,
      roleSource: st.roleSource,
      client_to_server: describeDir(f.data[clientNode]),
      server_to_client: describeDir(f.data[1 - clientNode]),
    };
  });
  total += connections.length;
  const fixture = { capture: rel, tshark: version, connections };
  if (differences[rel]) fixture.differences = differences[rel];
  const name = rel.replace(/[^A-Za-z0-9._-]+/g, '_') + '.json';
  writeFileSync(join(outDir, name), JSON.stringify(fixture, null, 1) + '\n');
  console.log(`${rel}: ${connections.length} mail connection(s)`);
}
console.log(`${total} connections, tshark ${version}`);
