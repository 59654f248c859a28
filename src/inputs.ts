/**
 * The inputs of one analysis and how each is read: a path ('-' for standard input), capture bytes
 * in memory, or a byte stream. The one place that turns "what the caller gave" into a name and a
 * reader, so the CLI, the library and any new kind of input (another file format detected by
 * content, a capture set) plug in here rather than in the pipeline.
 */
import { existsSync } from 'node:fs';
import { MailwireError } from './errors.js';
import { readCapture, readCaptureStream, type ProgressFn } from './capture/read-capture.js';
import type { CaptureStats, FrameSink } from './capture/frame.js';

/** What a caller may hand to the analysis: a file path, capture bytes, or a stream of capture bytes. */
export type CaptureInput = string | Uint8Array | AsyncIterable<Uint8Array | string>;

/** One input ready to read: the name reports give it and how to read it into a sink. */
export interface InputSource {
  readonly name: string;
  read(sink: FrameSink, opts: { onProgress?: ProgressFn | undefined }): Promise<CaptureStats>;
}

/** Longest string taken as a path: longer ones are data passed by mistake (PATH_MAX is 4096). */
const MAX_PATH_CHARS = 4096;

/** The reader of a path, as the command line names it ('-' is standard input). */
export function pathSource(path: string): InputSource {
  return {
    name: path === '-' ? '(stdin)' : path,
    read: (sink, opts) => readCapture(path, sink, opts),
  };
}

/**
 * Turns one caller-given input into an InputSource; `position` (1-based) names unnamed inputs
 * ("input 2 (buffer)"). Throws ERR_INVALID_INPUT for anything else, with a message that describes
 * the value's kind and size and never contains its bytes.
 */
export function toSource(input: CaptureInput | InputSource, position: number, name?: string): InputSource {
  if (typeof input === 'string') {
    // eslint-disable-next-line no-control-regex
    if (input.length === 0 || input.length > MAX_PATH_CHARS || /[\u0000-\u001f]/.test(input)) {
      throw new MailwireError('ERR_INVALID_INPUT',
        `input ${position} is not a file path (a string of ${input.length} characters${input.length ? ', with control characters or too long' : ''}); pass capture bytes as a Buffer or Uint8Array`);
    }
    const source = pathSource(input);
    return name === undefined ? source : { ...source, name };
  }
  if (input instanceof Uint8Array) {
    const bytes = input;
    return {
      name: name ?? `input ${position} (buffer)`,
      read(sink, opts) {
        return readCaptureStream(oneChunk(bytes), sink, { source: this.name, totalBytes: bytes.length, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
      },
    };
  }
  if (isInputSource(input)) return input;
  if (input !== null && typeof input === 'object' && Symbol.asyncIterator in input) {
    const stream = input;
    return {
      name: name ?? `input ${position} (stream)`,
      read(sink, opts) {
        return readCaptureStream(stream, sink, { source: this.name, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
      },
    };
  }
  const kind = input === null ? 'null' : Array.isArray(input) ? 'an array' : `a ${typeof input}`;
  throw new MailwireError('ERR_INVALID_INPUT', `input ${position} is ${kind}: pass a file path, a Buffer or Uint8Array, or a readable stream`);
}

function isInputSource(x: unknown): x is InputSource {
  return typeof x === 'object' && x !== null && typeof (x as InputSource).read === 'function' && typeof (x as InputSource).name === 'string';
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * `read`'s arguments as tcpdump takes them: with -r FILE (repeatable) every argument is the
 * capture filter; without, the leading arguments that name existing files (or '-') are the
 * inputs and the rest, from the first that names none, is the filter expression
 * (`mailwire read trace.pcap port 143 and host 10.1.2.3`). The first argument is always an input,
 * so a missing file is reported as such rather than taken for a filter.
 */
export function splitInputsAndFilter(args: readonly string[], readFiles: readonly string[]): { files: string[]; filter: string | undefined } {
  const joined = (words: readonly string[]): string | undefined => (words.length ? words.join(' ') : undefined);
  if (readFiles.length > 0) return { files: [...readFiles], filter: joined(args) };
  if (args.length === 0) throw new MailwireError('ERR_USAGE', 'no capture file given (mailwire read FILE... [FILTER], or -r FILE)');
  let n = 1;
  while (n < args.length && (args[n] === '-' || existsSync(args[n]!))) n++;
  return { files: args.slice(0, n), filter: joined(args.slice(n)) };
}
