/** Types of scripts/adversarial-packets.mjs for the TypeScript tests. */
export const TCP_FLAGS: { FIN: number; SYN: number; RST: number; PSH: number; ACK: number };
export const FRAME_OVERHEAD_BYTES: number;
export function hostAddress(index: number): number;
export function tcpFrame(o: { src: number; dst: number; sport: number; dport: number; seq: number; ack?: number; flags: number; payload?: Uint8Array | number; window?: number; fill?: number }): Buffer;
export function pcapHeader(snaplen?: number): Buffer;
export function pcapRecord(t: number, frame: Uint8Array): Buffer;
export function pcapOf(frames: readonly Uint8Array[], t0?: number): Buffer;
export class TcpConnection {
  constructor(o?: { client?: number; server?: number; sport?: number; dport?: number; clientIsn?: number; serverIsn?: number });
  client: number;
  server: number;
  sport: number;
  dport: number;
  cseq: number;
  sseq: number;
  handshake(): Buffer[];
  send(side: 'c' | 's', payload: Uint8Array | number, opts?: { seq?: number; fill?: number }): Buffer[];
  close(): Buffer[];
  frame(side: 'c' | 's', flags: number, payload: Uint8Array | number, seq?: number, ack?: number, fill?: number): Buffer;
}
