/**
 * What crosses between the main thread and the shard workers of sharded reading (see
 * docs/architecture.md, "The threaded path"): the frame records of a batch, and the messages.
 *
 * A batch is an ArrayBuffer (transferred, then sent back for reuse) holding records, little-endian:
 *
 *   packet record (RECORD_PACKET): the decoded TCP header, not the frame. The main thread has
 *   decoded it already (its DecodeContext reassembles IP fragments and keeps the counters), so a
 *   datagram rebuilt from fragments travels like any other segment and the worker does not decode
 *   again.
 *     0 u8 type  1 u8 tcp flags  2 u8 address length (4/16)  3 u8 VLAN ids  4 u8 sweep first (0/1)
 *     8 f64 frame index  16 f64 tsSec  24 u32 tsNsec  28 u16 src port  30 u16 dst port
 *     32 f64 capture clock  40 u32 seq  44 u32 ack  48 u32 payload length  52 u32 payload wire length
 *     56 u32 Wireshark tcp.stream of the packet (the main thread numbers them: tcp/stream-index.ts)
 *     60 u16 × VLAN ids, then the source and destination addresses, then the payload.
 *   sweep record (RECORD_SWEEP): the capture's idle sweep ran at this frame (which went to another
 *   worker): 0 u8 type, 8 f64 frame index, 32 f64 capture clock. 40 bytes.
 *   ICMP record (RECORD_ICMP): an ICMP error that quoted a packet of a connection of this shard
 *   (the main thread reads it and sends it where the connection is, see docs/connectivity.md):
 *   0 u8 type, 8 f64 frame index, 32 f64 capture clock, 40 u32 n, then n bytes of JSON
 *   {key, note} (QuotedIcmp). Rare, so JSON.
 */
import type { Finding } from '../model/conversation.js';
import type { LedgerEntry } from '../diagnose/ledger.js';
import type { LoginRow } from '../report/logins.js';
import type { ConnectionView } from '../connectivity/path-tracker.js';
import type { UndissectedExport } from '../protocols/undissected.js';

export const RECORD_PACKET = 1;
export const RECORD_SWEEP = 2;
export const RECORD_ICMP = 3;
export const ICMP_RECORD_HEADER_BYTES = 44;
export const PACKET_HEADER_BYTES = 60;
export const SWEEP_RECORD_BYTES = 40;

/** Event kinds in an ack's flat event list (groups of EVENT_FIELDS numbers). */
export const EVENT_START = 0;
export const EVENT_FINISH = 1;
/** kind, local id, frame, phase, sub. */
export const EVENT_FIELDS = 5;
/** Phases within one frame: the sweep runs before the packet; the end-of-input flush is at frame +Infinity. */
export const PHASE_SWEEP = 0;
export const PHASE_PACKET = 1;
export const PHASE_END = 2;

/** The report options a worker renders with (the functions are the worker's own). */
export interface RenderSettings {
  format: 'json' | 'jsonl';
  showSecrets: boolean;
  minSeverity: 'info' | 'warning' | 'error';
  onlyProblems: boolean;
  bodies?: number;
  version: string;
  inputs: string[];
}

export interface WorkerSettings {
  shard: number;
  shards: number;
  extraPorts: number[];
  keyLogText?: string;
  slowResponseSec?: number;
  serverName?: string;
  /** The connection tables' memory budget (--table-budget), shared out among the shards. */
  tableBudgetBytes?: number;
  runKey: Uint8Array;
  render: RenderSettings;
  /** Tests only: milliseconds a worker sleeps before each batch (a slow worker, for backpressure). */
  testDelayMs?: number;
}

/** One conversation, finished and rendered by a worker once its global id was known. */
export interface RenderedConversation {
  /** The conversation id (global, as the single-threaded path numbers it). */
  id: number;
  protocol: string;
  /** Outcome of each authentication attempt. */
  outcomes: Array<'ok' | 'failed' | 'cancelled' | 'unknown'>;
  /** Every finding of the conversation (for the statistics, --fail-on, onFinding). */
  findings: Finding[];
  ledger: LedgerEntry | undefined;
  /** What the main thread's connectivity layer counts in the reachability summary. */
  view: ConnectionView;
  loginRows: LoginRow[];
  /**
   * renderJson / renderJsonLines text as UTF-8 (a view into the buffer its message carried: encoded
   * in the worker and transferred, which costs far less than cloning the string); undefined when
   * --only-problems hides it.
   */
  text: Uint8Array | undefined;
}

/** In a 'rendered' message: where each text lies in `texts` (start -1: hidden). */
export type RenderedFacts = Omit<RenderedConversation, 'text'> & { local: number; textStart: number; textLength: number };

export type ToWorker =
  | { type: 'input'; name: string }
  | { type: 'secrets'; text: string }
  | { type: 'batch'; seq: number; buffer: ArrayBuffer; length: number }
  /** Global ids for finished conversations: pairs of local id, global id. */
  | { type: 'ids'; pairs: number[] }
  | { type: 'end' };

export type FromWorker =
  /** A batch is processed: its buffer back, the frames at which connections were created, the events. */
  | { type: 'ack'; seq: number; buffer: ArrayBuffer; created: number[]; events: number[] }
  | { type: 'rendered'; results: RenderedFacts[]; texts: ArrayBuffer }
  /** The input's end flush is done (its events, at frame +Infinity) with the reassembly counters. */
  | { type: 'ended'; events: number[]; tcp: Record<string, number>; undissected: UndissectedExport | undefined }
  | { type: 'error'; message: string };
