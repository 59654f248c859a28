/**
 * A connection's facts as the TCP layer would hand them to a dissector, for tests that drive a
 * dissector or build a conversation without packets.
 */
import type { ConnectionInfo, ConnectionSummary } from '../../src/tcp/stream.js';
import { newSummary } from '../../src/tcp/connection.js';

/** ConnectionInfo of a connection whose SYN was seen (override any field). */
export function testConnection(over: Partial<ConnectionInfo> = {}): ConnectionInfo {
  return {
    id: 1,
    client: { ip: '10.0.0.1', port: 50000 },
    server: { ip: '10.0.0.2', port: 143 },
    roleSource: 'syn',
    firstFrame: 1,
    startTs: 1000,
    sawSyn: true,
    vlans: [],
    ...over,
  };
}

/** The summary of a connection the client closed normally with FIN (override any field). */
export function closedSummary(over: Partial<ConnectionSummary> = {}): ConnectionSummary {
  return { ...newSummary(), established: true, finBy: 'client', endReason: 'fin', synFrames: [1], ...over };
}
