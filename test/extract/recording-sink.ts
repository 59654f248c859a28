/** Test helper: a ContentSink that records what the dissectors hand it (content concatenated per id). */
import type { ContentEnd, ContentSink, ContentStart } from '../../src/protocols/dissector.js';

export interface Recorded {
  start: ContentStart;
  chunks: number;
  largestChunk: number;
  bytes: Buffer[];
  end?: ContentEnd;
  text(): string;
}

export class RecordingSink implements ContentSink {
  readonly items: Recorded[] = [];

  constructor(private readonly accept: (s: ContentStart) => boolean = () => true) {}

  begin(start: ContentStart): number | undefined {
    if (!this.accept(start)) return undefined;
    const r: Recorded = { start, chunks: 0, largestChunk: 0, bytes: [], text: () => Buffer.concat(r.bytes).toString('latin1') };
    this.items.push(r);
    return this.items.length - 1;
  }

  chunk(id: number, bytes: Uint8Array): void {
    const r = this.items[id]!;
    r.chunks++;
    r.largestChunk = Math.max(r.largestChunk, bytes.length);
    r.bytes.push(Buffer.from(bytes)); // copied: only valid during the call
  }

  end(id: number, end: ContentEnd): void {
    const r = this.items[id]!;
    if (r.end) throw new Error(`end called twice for ${id}`);
    r.end = end;
  }
}
