import { closeSync, fstatSync, openSync, readSync, createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { MailwireError, systemErrorWords } from '../errors.js';
import { CaptureParser } from './capture-parser.js';
import type { CaptureStats, FrameSink } from './frame.js';
import { CAPTURE_LIMITS } from './limits.js';
import { isGzipMagic } from './magic.js';

/** Progress callback: raw input bytes read so far (compressed bytes for gzip) and the input size when known. */
export type ProgressFn = (bytesRead: number, totalBytes: number | undefined) => void;

/** Reads between two yields to the event loop on the fast path (so timers and signals run). */
const READS_PER_YIELD = 16;

/**
 * Reads a capture file (`input` is a path, or '-' for stdin) into `sink`.
 *
 * The format is found by magic: gzip (1f 8b, inflated on the fly, for stdin too), then classic pcap
 * or pcapng. Regular uncompressed files take the fast path: fs.readSync into ONE reused
 * READ_BUFFER_BYTES buffer, so frames usually point straight into that buffer.
 *
 * Throws MailwireError only when nothing can be read: input missing or unreadable, empty, not a
 * capture, truncated file header, gzip data that inflates to nothing. Any other problem (damaged
 * record, truncated end, corrupt gzip tail) is a sink.warning and the frames read so far stand.
 * The returned stats count decompressed bytes in `bytesRead`.
 */
export async function readCapture(input: string, sink: FrameSink, opts: { onProgress?: ProgressFn | undefined } = {}): Promise<CaptureStats> {
  if (input === '-') {
    if (process.stdin.isTTY) throw new MailwireError('ERR_USAGE', 'stdin: refusing to read a capture from a terminal (pipe a file into it)');
    return readCaptureStream(process.stdin, sink, { source: 'stdin', onProgress: opts.onProgress });
  }
  let fd: number;
  try {
    fd = openSync(input, 'r');
  } catch (err) {
    throw openError(input, err);
  }
  let closed = false;
  const close = (): void => {
    if (!closed) closeSync(fd);
    closed = true;
  };
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new MailwireError('ERR_INPUT_UNREADABLE', `${input}: is a directory, not a capture file`);
    if (!st.isFile()) {
      // FIFOs, character devices, /dev/stdin: no size and no random access, so stream them. The
      // stream takes over this fd (reopening a FIFO would wait for a writer that may be gone).
      closed = true;
      return await readCaptureStream(createReadStream('', { fd, autoClose: true }), sink, { source: input, onProgress: opts.onProgress });
    }
    const total = st.size;
    const buf = new Uint8Array(CAPTURE_LIMITS.READ_BUFFER_BYTES);
    let n = readChunk(fd, buf, input);
    if (isGzipMagic(buf.subarray(0, n))) {
      close();
      return await readCaptureStream(createReadStream(input), sink, { source: input, onProgress: opts.onProgress, totalBytes: total });
    }
    const parser = new CaptureParser(sink, { source: input });
    let read = 0;
    let reads = 0;
    while (n > 0) {
      read += n;
      parser.push(buf.subarray(0, n));
      if (parser.error) throw parser.error;
      opts.onProgress?.(read, total);
      const drained = sink.drain?.();
      if (drained) await drained;
      else if (++reads % READS_PER_YIELD === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      // The sink has all it wants (-c): stop without end(), whose cut-record check would be wrong here.
      if (sink.done?.()) return parser.stats();
      n = readChunk(fd, buf, input);
    }
    parser.end();
    if (parser.error) throw parser.error;
    return parser.stats();
  } finally {
    close();
  }
}

/**
 * Reads a capture from a byte stream (stdin, a socket, a test's Readable): gzip is detected by
 * magic and inflated. Same error/warning contract as readCapture; `source` names the input in
 * messages and `totalBytes` (when known) is passed to onProgress.
 */
export async function readCaptureStream(stream: AsyncIterable<Uint8Array | string>, sink: FrameSink,
  opts: { source?: string; onProgress?: ProgressFn; totalBytes?: number } = {}): Promise<CaptureStats> {
  const source = opts.source ?? 'stream';
  const parser = new CaptureParser(sink, { source });
  const iterator = stream[Symbol.asyncIterator]();
  let rawBytes = 0;
  const next = async (): Promise<Uint8Array | undefined> => {
    const r = await iterator.next();
    if (r.done) return undefined;
    const chunk = typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : r.value;
    rawBytes += chunk.length;
    opts.onProgress?.(rawBytes, opts.totalBytes);
    return chunk;
  };
  try {
    // Collect at least the 2 magic bytes before choosing between gzip and a plain capture.
    const head: Uint8Array[] = [];
    let headLen = 0;
    while (headLen < 2) {
      const c = await next();
      if (!c) break;
      head.push(c);
      headLen += c.length;
    }
    const first = head.length === 1 ? head[0]! : Buffer.concat(head);
    if (isGzipMagic(first)) {
      await inflateInto(parser, first, next, source, sink);
    } else {
      let c: Uint8Array | undefined = first;
      while (c) {
        parser.push(c);
        if (parser.error) throw parser.error;
        await sink.drain?.();
        if (sink.done?.()) return { ...parser.stats(), compressed: false };
        c = await next();
      }
    }
    parser.end();
    if (parser.error) throw parser.error;
    return { ...parser.stats(), compressed: isGzipMagic(first) };
  } finally {
    await iterator.return?.();
  }
}

/** Inflates gzip data into the parser; a corrupt or cut gzip stream after some output is a warning. */
async function inflateInto(parser: CaptureParser, first: Uint8Array, next: () => Promise<Uint8Array | undefined>,
  source: string, sink: FrameSink): Promise<void> {
  const gunzip = createGunzip();
  // Compressed bytes handed to zlib: where a stream that cannot be inflated at all went wrong.
  let compressedBytes = 0;
  async function* compressed(): AsyncGenerator<Uint8Array> {
    let c: Uint8Array | undefined = first;
    while (c) {
      compressedBytes += c.length;
      yield c;
      c = await next();
    }
  }
  const input = Readable.from(compressed(), { objectMode: false });
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  let inflated = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Uint8Array>) {
      inflated += chunk.length;
      parser.push(chunk);
      if (parser.error) throw parser.error;
      await sink.drain?.();
    }
  } catch (err) {
    if (err instanceof MailwireError) throw err;
    const why = (err as Error).message;
    if (inflated === 0) {
      throw new MailwireError('ERR_GZIP_CORRUPT', `${source}: gzip data cannot be inflated: ${why} (in the first ${compressedBytes} compressed bytes)`, compressedBytes);
    }
    parser.warnExternal('capture.gzip-corrupt', `gzip stream damaged after ${inflated} decompressed bytes (${why}); the frames before it are kept`, inflated);
  } finally {
    input.unpipe(gunzip);
    input.destroy();
  }
}

function readChunk(fd: number, buf: Uint8Array, input: string): number {
  try {
    return readSync(fd, buf, 0, buf.length, null);
  } catch (err) {
    throw new MailwireError('ERR_INPUT_UNREADABLE', `${input}: cannot read: ${systemErrorWords(err)}`);
  }
}

function openError(input: string, err: unknown): MailwireError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new MailwireError('ERR_INPUT_NOT_FOUND', `${input}: no such file`);
  return new MailwireError('ERR_INPUT_UNREADABLE', `${input}: cannot open: ${systemErrorWords(err)}`);
}
