/** Types of scripts/fuzz-harness.mjs for the TypeScript tests. */
import type { Arbitrary } from 'fast-check';

export interface Seed {
  name: string;
  bytes: Uint8Array;
  keyLogText: string | undefined;
  extraPorts: number[];
}

export type Operation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'byte'; at: number; value: number }
  | { op: 'u32'; at: number; value: number; le: boolean }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number; to: number }
  | { op: 'truncate'; at: number };

/** The modules the pipeline run needs (src/ in tests, dist/ in the campaign). */
export interface PipelineLib {
  CaptureParser: unknown;
  AnalysisSession: unknown;
  makeReport: unknown;
  ruleInfo: unknown;
  LIMITS: { MAX_EVENTS_PER_CONVERSATION: number };
  TCP_LIMITS: { TABLE_BUDGET_BYTES: number };
  ENTRY_BYTES: { retired: number };
}

export interface PipelineRun {
  frames: number;
  conversations: number;
  events: number;
  warnings: number;
  fatal: string | undefined;
  outputBytes: number;
}

export const MAX_SEED_BYTES: number;
export const FORMATS: readonly string[];
export function loadSeeds(root: string, corpus?: string): Seed[];
export function operationArb(): Arbitrary<Operation>;
export function applyOperations(bytes: Uint8Array, ops: readonly Operation[]): Buffer;
export function chunkingArb(): Arbitrary<number[]>;
export function runPipeline(lib: PipelineLib, name: string, bytes: Uint8Array, chunks: readonly number[], opts?: { keyLogText?: string | undefined; extraPorts?: readonly number[]; formats?: readonly string[] }): PipelineRun;
