#!/usr/bin/env node
/**
 * Writes test/fixtures/extract/expected.json: for each corpus capture used by the extract tests,
 * the SHA-256 and size of every message as the client or server sent it, found independently of
 * mailwire: tshark's `follow,tcp,raw` gives each direction's bytes, literals are cut by their
 * announced size, POP3 RETR/TOP bodies and SMTP DATA content are dot-unstuffed and their terminator
 * removed here.
 * Only hashes are committed (the corpus is third-party; never copy it into the repo).
 *
 *   node scripts/make-extract-fixtures.mjs [corpus-dir]   (default ../shared/corpus)
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const corpus = resolve(process.argv[2] ?? new URL('../../shared/corpus/', import.meta.url).pathname);
const CAPTURES = [
  'suricata-verify/tcp-async-01/input.pcap',
  'protolens/imap.pcap',
  'protolens/imap_append.pcap',
  'protolens/imap_fetch.pcap',
  'BruteShark/IMAP - Authenticate Plain (Base64).pcap',
  'zeek/pop3.pcap',
  'protolens/pop3.pcap',
];

const sha = (b) => createHash('sha256').update(b).digest('hex');

/** Both directions of every TCP stream: [{node0: Buffer, node1: Buffer, ports}] */
function streams(file) {
  const ids = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'tcp.stream'], { encoding: 'utf8', maxBuffer: 1 << 28 })
    .split('\n').filter(Boolean).map(Number);
  const out = [];
  for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
    const text = execFileSync('tshark', ['-r', file, '-q', '-z', `follow,tcp,raw,${id}`], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const parts = [[], []];
    let ports = [];
    for (const line of text.split('\n')) {
      const node = /^Node (\d): .*:(\d+)$/.exec(line);
      if (node) ports[Number(node[1])] = Number(node[2]);
      if (!/^\t?[0-9a-f]+$/.test(line)) continue;
      parts[line.startsWith('\t') ? 1 : 0].push(Buffer.from(line.trim(), 'hex'));
    }
    out.push({ id, node: [Buffer.concat(parts[0]), Buffer.concat(parts[1])], ports });
  }
  return out;
}

/** The FETCH item name right before a literal announcement at `brace` (handles `[...]` with spaces). */
function itemBefore(text, brace) {
  let i = brace - 1;
  while (i >= 0 && text[i] === ' ') i--;
  const end = i + 1;
  let depth = 0;
  for (; i >= 0; i--) {
    const c = text[i];
    if (c === ']') depth++;
    else if (c === '[') depth--;
    else if (depth === 0 && (c === ' ' || c === '(')) break;
  }
  return text.slice(i + 1, end);
}

/** Every literal of an IMAP direction: {lineStart text, item, content}. Literal contents are skipped when scanning. */
function imapLiterals(buf) {
  const text = buf.toString('latin1');
  const out = [];
  let line = '';
  let pos = 0;
  while (pos < buf.length) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) break;
    const part = text.slice(pos, nl + 1);
    const m = /~?\{(\d+)[+-]?\}\r?\n$/.exec(part);
    line += part.replace(/\r?\n$/, '');
    pos = nl + 1;
    if (!m) {
      line = '';
      continue;
    }
    const size = Number(m[1]);
    const brace = line.length - m[0].replace(/\r?\n$/, '').length;
    out.push({ line, item: itemBefore(line, brace), content: buf.subarray(pos, pos + size) });
    pos += size;
  }
  return out;
}

const WHOLE = new Set(['BODY[]', 'BINARY[]', 'RFC822']);

function imapMessages(stream) {
  const found = [];
  for (const dir of [0, 1]) {
    for (const l of imapLiterals(stream.node[dir])) {
      if (/^\* \d+ FETCH \(/i.test(l.line)) {
        const item = l.item.toUpperCase();
        const kind = WHOLE.has(item) ? 'message' : /^(BODY|BINARY)\[|^RFC822\.(HEADER|TEXT)$/.test(item) ? 'part' : undefined;
        if (kind) found.push({ command: 'FETCH', item: l.item, kind, size: l.content.length, sha256: sha(l.content) });
      } else if (/^\S+ APPEND ("[^"]*"|\S+)( \([^)]*\))?( "[^"]*")? ~?\{\d+[+-]?\}$/i.test(l.line)) {
        found.push({ command: 'APPEND', kind: 'message', size: l.content.length, sha256: sha(l.content) });
      }
    }
  }
  return found;
}

function lines(buf) {
  const out = [];
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    const end = nl < 0 ? buf.length : nl + 1;
    out.push(buf.subarray(pos, end));
    pos = end;
  }
  return out;
}

/** POP3: pairs client commands with server answers in order; RETR/TOP bodies unstuffed, terminator removed. */
function pop3Messages(stream) {
  const client = lines(stream.node[0]).map((l) => l.toString('latin1').trim());
  const server = lines(stream.node[1]);
  const found = [];
  let s = 0;
  if (server[0] && /^\+OK|^-ERR/.test(server[0].toString('latin1'))) s++; // greeting
  for (let c = 0; c < client.length && s < server.length; c++) {
    const cmd = client[c].split(' ');
    const name = cmd[0].toUpperCase();
    let status = server[s++].toString('latin1');
    while (status.startsWith('+ ') && c + 1 < client.length) {
      c++; // SASL continuation answered by the next client line
      status = server[s++]?.toString('latin1') ?? '';
    }
    const multi = status.startsWith('+OK') && (name === 'RETR' || name === 'TOP' || name === 'CAPA' || ((name === 'LIST' || name === 'UIDL') && cmd.length === 1));
    if (!multi) continue;
    const body = [];
    let stuffed = 0;
    while (s < server.length) {
      const l = server[s++];
      if (l.toString('latin1').replace(/\r?\n$/, '') === '.') break;
      if (l[0] === 0x2e) stuffed++;
      body.push(l[0] === 0x2e ? l.subarray(1) : l);
    }
    if (name === 'RETR' || name === 'TOP') {
      const content = Buffer.concat(body);
      found.push({ command: name, number: Number(cmd[1]), kind: name === 'RETR' ? 'message' : 'part', size: content.length, sha256: sha(content), dotStuffedLines: stuffed });
    }
  }
  return found;
}

/**
 * SMTP: the client's lines after a DATA command up to the line "." (the client sends them only after
 * the server's 354), unstuffed (RFC 5321 §4.5.2), the "." removed. Read from the client side alone.
 */
function smtpMessages(stream) {
  const found = [];
  const client = lines(stream.node[0]);
  for (let c = 0; c < client.length; c++) {
    if (client[c].toString('latin1').trim().toUpperCase() !== 'DATA') continue;
    const body = [];
    let stuffed = 0;
    for (c++; c < client.length; c++) {
      const l = client[c];
      if (l.toString('latin1').replace(/\r?\n$/, '') === '.') break;
      if (l[0] === 0x2e) stuffed++;
      body.push(l[0] === 0x2e ? l.subarray(1) : l);
    }
    const content = Buffer.concat(body);
    found.push({ command: 'DATA', kind: 'message', size: content.length, sha256: sha(content), dotStuffedLines: stuffed });
  }
  return found;
}

const expected = {};
for (const rel of CAPTURES) {
  const all = [];
  for (const st of streams(join(corpus, rel))) {
    const pop3 = st.ports.includes(110);
    const smtp = st.ports.includes(25) || st.ports.includes(587);
    all.push(...(pop3 ? pop3Messages(st) : smtp ? smtpMessages(st) : imapMessages(st)));
  }
  expected[rel] = all;
  console.log(rel, all.length, 'message(s)');
}
const out = new URL('../test/fixtures/extract/expected.json', import.meta.url);
writeFileSync(out, JSON.stringify(expected, null, 2) + '\n');
