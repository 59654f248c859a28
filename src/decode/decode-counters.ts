import { Encapsulation, type Decoded, type DecodeLayer, type EncapsulationName } from './decoded.js';
import { DECODE_LIMITS } from './limits.js';

/** The encapsulations in a fixed order (their flag values), and their flags in that order. */
const ENCAPSULATION_NAMES = (Object.keys(Encapsulation) as EncapsulationName[]).sort((a, b) => Encapsulation[a] - Encapsulation[b]);
const ENCAPSULATION_FLAGS = ENCAPSULATION_NAMES.map((name) => Encapsulation[name]);

/** One kept example of a frame that did not decode. */
export interface DecodeErrorExample {
  frame: number;
  layer: DecodeLayer;
  error: string;
  truncated: boolean;
}

/** Plain snapshot of DecodeCounters, for the summary and JSON reports. */
export interface DecodeStats {
  frames: number;
  tcp: number;
  other: number;
  fragment: number;
  error: number;
  /** Frames the snaplen cut (capLen < wireLen), whatever their kind. */
  truncated: number;
  /** IP datagrams rebuilt from fragments (each counted once, on the frame that completed it). */
  reassembled: number;
  /**
   * Frames that came through each tunnel or encapsulation (a frame through several counts in each;
   * GRE carrying ERSPAN counts in both). Present only when some frame was wrapped, so reports of
   * plain captures are unchanged.
   */
  encapsulated?: Partial<Record<EncapsulationName, number>>;
  /** Error counts keyed "<layer>: <error>" with numbers replaced by N (stable keys). */
  errors: Record<string, number>;
  /** Caps hit and other remarkable but non-fatal events, keyed by a short stable text. */
  notices: Record<string, number>;
  /** The first few errors, with their frame numbers (MAX_ERROR_EXAMPLES). */
  errorExamples: DecodeErrorExample[];
}

/** Where the decoder reports caps hit and other notable, non-fatal events. */
export interface DecodeNoticeSink {
  notice(reason: string): void;
}

/**
 * Per-capture decode statistics: counts per kind, per error reason and per notice, plus the first
 * MAX_ERROR_EXAMPLES error frames. `record` is called once per decoded frame (decodeFrame does it
 * when given counters); it only allocates on the error path.
 */
export class DecodeCounters implements DecodeNoticeSink {
  frames = 0;
  tcp = 0;
  other = 0;
  fragment = 0;
  error = 0;
  truncated = 0;
  reassembled = 0;
  /** Frames per encapsulation, in ENCAPSULATION_NAMES order. */
  private readonly encapsulated = new Array<number>(ENCAPSULATION_NAMES.length).fill(0);
  readonly errors = new Map<string, number>();
  readonly notices = new Map<string, number>();
  readonly errorExamples: DecodeErrorExample[] = [];

  /** Counts one decoded frame. */
  record(frameIndex: number, d: Decoded): void {
    this.frames++;
    if (d.truncated) this.truncated++;
    if (d.encapsulations !== 0) this.countEncapsulations(d.encapsulations);
    switch (d.kind) {
      case 'tcp': this.tcp++; break;
      // UDP and ICMP are decoded for the connectivity layer but counted as before: not TCP.
      case 'udp':
      case 'icmp':
      case 'other': this.other++; break;
      case 'fragment': this.fragment++; break;
      case 'error': {
        this.error++;
        const stop = d.stop;
        if (stop === undefined) break;
        // Numbers vary per packet; the reason without them is the stable counter key. Only whole
        // numbers: 'ipv4' and 'sll2' are names, not values.
        const key = `${stop.layer}: ${stop.error.replace(/\b\d+\b/g, 'N')}`;
        this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
        if (this.errorExamples.length < DECODE_LIMITS.MAX_ERROR_EXAMPLES) {
          this.errorExamples.push({ frame: frameIndex, layer: stop.layer, error: stop.error, truncated: d.truncated });
        }
        break;
      }
    }
  }

  private countEncapsulations(bits: number): void {
    for (let i = 0; i < ENCAPSULATION_FLAGS.length; i++) if ((bits & ENCAPSULATION_FLAGS[i]!) !== 0) this.encapsulated[i]!++;
  }

  /** Counts a non-fatal event (a cap hit, a dropped datagram...). */
  notice(reason: string): void {
    this.notices.set(reason, (this.notices.get(reason) ?? 0) + 1);
  }

  /** A plain copy of the counters. */
  snapshot(): DecodeStats {
    return {
      frames: this.frames,
      tcp: this.tcp,
      other: this.other,
      fragment: this.fragment,
      error: this.error,
      truncated: this.truncated,
      reassembled: this.reassembled,
      ...(this.encapsulated.some((n) => n > 0) ? { encapsulated: this.encapsulatedSnapshot() } : {}),
      errors: Object.fromEntries(this.errors),
      notices: Object.fromEntries(this.notices),
      errorExamples: this.errorExamples.map((e) => ({ ...e })),
    };
  }

  private encapsulatedSnapshot(): Partial<Record<EncapsulationName, number>> {
    const counts: Partial<Record<EncapsulationName, number>> = {};
    ENCAPSULATION_NAMES.forEach((name, i) => { if (this.encapsulated[i]! > 0) counts[name] = this.encapsulated[i]!; });
    return counts;
  }
}
