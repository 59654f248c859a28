/**
 * The extractor's ContentSink: each message content streams straight into a temp file in the
 * output directory (with its SHA-256 computed on the way), and is renamed when it ends: `.eml`
 * when whole, `.eml.partial` when a gap, a reset or the end of the capture cut it. Memory stays
 * bounded whatever the message size: nothing of the content is held.
 */
import { systemErrorWords } from '../errors.js';
import { createHash, type Hash } from 'node:crypto';
import { closeSync, existsSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ContentEnd, ContentSink, ContentStart } from '../protocols/dissector.js';
import { messageBaseName, NameRegistry } from './file-name.js';
import { EXTRACT_LIMITS } from './limits.js';
import { fetchUid, imapIdentity, pop3Identity, smtpIdentity, type MessageIdentity } from './message-identity.js';

/** One extracted message, as listed in index.json. */
export interface ExtractedMessage {
  /** File name inside the output directory. */
  file: string;
  conversation: number;
  input?: string;
  client: string;
  server: string;
  protocol: 'imap' | 'pop3' | 'smtp';
  direction: 'client-to-server' | 'server-to-client';
  /** 'message' (a whole message) or 'part' (a partial fetch or TOP, written only with --partial). */
  kind: 'message' | 'part';
  /** 'FETCH' | 'APPEND' | 'RETR' | 'TOP' | 'DATA' | 'BDAT'. */
  command: string;
  item?: string;
  sequence?: number;
  uid?: number;
  pop3Number?: number;
  append?: number;
  /** SMTP: 1-based count of messages the client sent in the conversation. */
  submission?: number;
  /** SMTP: the envelope (MAIL FROM, the RCPT TO not refused when the content started). */
  envelope?: { from?: string; to: string[]; toDropped?: number };
  firstFrame: number;
  lastFrame: number;
  /** Bytes written. */
  size: number;
  /** IMAP: the size the literal announced. */
  announcedSize?: number;
  sha256: string;
  complete: boolean;
  decrypted: boolean;
  inflated: boolean;
  /** Why the message is not whole, or what went wrong writing it. */
  note?: string;
  subject?: string;
  from?: string;
  to?: string;
  date?: string;
}

/** Content seen but not written, by reason. */
export interface SkippedCounts {
  /** Partial fetches and TOP bodies (written with --partial). */
  parts: number;
  /** More messages than EXTRACT_LIMITS.MAX_MESSAGES. */
  overMessageCap: number;
  /** More messages in progress at once than EXTRACT_LIMITS.MAX_OPEN_MESSAGES. */
  overOpenCap: number;
  /** File system errors (each also listed in `errors`). */
  writeErrors: number;
}

interface Open {
  start: ContentStart;
  identity: MessageIdentity;
  append?: number;
  submission?: number;
  tmp: string;
  fd: number;
  hash: Hash;
  size: number;
  error?: string;
}

export interface MessageWriterOptions {
  /** Output directory (exists, writable). */
  dir: string;
  /** Write partial fetches (BODY[HEADER], <0.1024> partials, RFC822.HEADER/TEXT, POP3 TOP). */
  partial: boolean;
}

const MAX_ERRORS_KEPT = 20;

export class MessageWriter implements ContentSink {
  readonly messages: ExtractedMessage[] = [];
  readonly skipped: SkippedCounts = { parts: 0, overMessageCap: 0, overOpenCap: 0, writeErrors: 0 };
  readonly errors: string[] = [];
  private readonly open = new Map<number, Open>();
  private readonly names = new NameRegistry();
  /** APPEND message literals seen per conversation (numbering of `appendN` names). */
  private readonly appends = new Map<number, number>();
  /** SMTP messages seen per conversation (numbering of `submitN` names). */
  private readonly submissions = new Map<number, number>();
  private nextId = 1;
  private started = 0;

  constructor(private readonly opts: MessageWriterOptions) {}

  begin(start: ContentStart): number | undefined {
    const identity = start.protocol === 'imap' ? imapIdentity(start) : start.protocol === 'smtp' ? smtpIdentity(start.context) : pop3Identity(start.context);
    if (!identity) return undefined;
    const append = identity.command === 'APPEND' ? nextOrdinal(this.appends, start.conversation) : undefined;
    const submission = start.protocol === 'smtp' ? nextOrdinal(this.submissions, start.conversation) : undefined;
    if (identity.kind === 'part' && !this.opts.partial) {
      this.skipped.parts++;
      return undefined;
    }
    if (this.started >= EXTRACT_LIMITS.MAX_MESSAGES) {
      this.skipped.overMessageCap++;
      return undefined;
    }
    if (this.open.size >= EXTRACT_LIMITS.MAX_OPEN_MESSAGES) {
      this.skipped.overOpenCap++;
      return undefined;
    }
    const id = this.nextId++;
    const tmp = join(this.opts.dir, `.mailwire-${process.pid}-${id}.tmp`);
    let fd: number;
    try {
      // Mail is private: owner-only, like the pcap files `live -w` writes.
      fd = openSync(tmp, 'wx', 0o600);
    } catch (err) {
      this.fail(`cannot create ${tmp}: ${errorText(err)}`);
      return undefined;
    }
    this.started++;
    const o: Open = { start: { ...start }, identity, tmp, fd, hash: createHash('sha256'), size: 0 };
    if (append !== undefined) o.append = append;
    if (submission !== undefined) o.submission = submission;
    this.open.set(id, o);
    return id;
  }

  chunk(id: number, bytes: Uint8Array): void {
    const o = this.open.get(id);
    if (!o || o.error) return;
    o.hash.update(bytes);
    o.size += bytes.length;
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(o.fd, bytes, off, bytes.length - off);
    } catch (err) {
      o.error = `writing ${o.tmp}: ${errorText(err)}`;
    }
  }

  end(id: number, end: ContentEnd): void {
    const o = this.open.get(id);
    if (!o) return;
    this.open.delete(id);
    try {
      closeSync(o.fd);
    } catch (err) {
      o.error ??= `closing ${o.tmp}: ${errorText(err)}`;
    }
    if (o.error) {
      this.fail(o.error);
      safeUnlink(o.tmp);
      return;
    }
    const { start, identity } = o;
    const uid = identity.command === 'FETCH' && end.line !== undefined ? fetchUid(end.line) : undefined;
    const base = messageBaseName({ conversation: start.conversation, side: start.side, identity, ...(uid !== undefined ? { uid } : {}), ...(o.append !== undefined ? { append: o.append } : {}), ...(o.submission !== undefined ? { submission: o.submission } : {}) });
    const file = this.names.take(base, end.complete, (n) => existsSync(join(this.opts.dir, n)));
    try {
      renameSync(o.tmp, join(this.opts.dir, file));
    } catch (err) {
      this.fail(`cannot rename ${o.tmp} to ${file}: ${errorText(err)}`);
      safeUnlink(o.tmp);
      return;
    }
    const m: ExtractedMessage = {
      file,
      conversation: start.conversation,
      client: `${start.client.ip}:${start.client.port}`,
      server: `${start.server.ip}:${start.server.port}`,
      protocol: start.protocol,
      direction: start.side === 'C' ? 'client-to-server' : 'server-to-client',
      kind: identity.kind,
      command: identity.command,
      firstFrame: end.firstFrame,
      lastFrame: Math.max(end.firstFrame, end.lastFrame),
      size: o.size,
      sha256: o.hash.digest('hex'),
      complete: end.complete,
      decrypted: start.decrypted,
      inflated: start.inflated,
    };
    if (start.input !== undefined) m.input = start.input;
    if (identity.item !== undefined) m.item = identity.item;
    if (identity.sequence !== undefined) m.sequence = identity.sequence;
    if (uid !== undefined) m.uid = uid;
    if (identity.pop3Number !== undefined) m.pop3Number = identity.pop3Number;
    if (o.append !== undefined) m.append = o.append;
    if (o.submission !== undefined) m.submission = o.submission;
    if (start.envelope !== undefined) m.envelope = { ...start.envelope, to: [...start.envelope.to] };
    if (start.size !== undefined) m.announcedSize = start.size;
    if (!end.complete) m.note = incompleteNote(end, o.size, start.size);
    this.messages.push(m);
  }

  /** Content still open when the analysis ended without ending it (should not happen): closed as cut. */
  finish(): void {
    for (const [id, o] of [...this.open]) this.end(id, { complete: false, received: o.size, firstFrame: o.start.firstFrame, lastFrame: o.start.firstFrame, cut: 'end' });
  }

  private fail(message: string): void {
    this.skipped.writeErrors++;
    if (this.errors.length < MAX_ERRORS_KEPT) this.errors.push(message);
  }
}

function incompleteNote(end: ContentEnd, got: number, announced: number | undefined): string {
  const why =
    end.cut === 'gap' ? 'bytes missing from the capture (gap)'
    : end.cut === 'refused' ? 'the server refused the literal before it was sent'
    : end.cut === 'damaged' ? 'bytes missing from the capture inside the body (gap or overlong line)'
    : 'the connection or the capture ended inside it';
  return announced !== undefined ? `incomplete: ${got} of ${announced} bytes; ${why}` : `incomplete: ${got} bytes; ${why}`;
}

function errorText(err: unknown): string {
  return systemErrorWords(err);
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing to clean.
  }
}

/** The next 1-based number in a per-conversation count (APPEND literals, SMTP messages). */
function nextOrdinal(counts: Map<number, number>, conversation: number): number {
  const n = (counts.get(conversation) ?? 0) + 1;
  counts.set(conversation, n);
  return n;
}
