/** Types of bench/generate.mjs (for the tests, which are TypeScript). */
export const GENERATOR_VERSION: number;
export const DATA_DIR: string;

export interface CaptureSpec {
  generator: number;
  kind: 'mail' | 'mixed';
  size: number;
  format: 'pcap' | 'pcapng';
  small: boolean;
  seed: number;
  mailShare: number;
  reorder: number;
  retransmit: number;
  overlap: number;
  midStream: number;
  popShare: number;
}

export interface CaptureSummary {
  packets: number;
  bytes: number;
  mailBytes: number;
  otherBytes: number;
  sessions: { imap: number; pop3: number; midStream: number };
  logins: { ok: number; failed: number };
  httpFlows: number;
  udpPackets: number;
  reordered: number;
  retransmitted: number;
  overlapping: number;
  dotStuffedLines: number;
}

export function parseSize(s: string | number): number;
export function makeRng(seed: number): {
  next(): number;
  int(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(arr: readonly T[]): T;
  logUniform(lo: number, hi: number): number;
};
export function captureSpec(o?: { kind?: 'mail' | 'mixed'; size?: number; format?: 'pcap' | 'pcapng'; small?: boolean; seed?: number; mailShare?: number }): CaptureSpec;
export function captureName(spec: CaptureSpec): string;
export function generateCapture(path: string, spec: CaptureSpec): CaptureSummary;
export function ensureCapture(spec: CaptureSpec, path?: string): { path: string; spec: CaptureSpec; summary: CaptureSummary; generated: boolean; seconds?: number };
