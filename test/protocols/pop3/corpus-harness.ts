/**
 * The POP3 corpus goldens: the POP3 connections (server port 110) of a capture through the real
 * pipeline, rendered in the shared golden-transcript format with POP3's details (end of multi-line
 * answers, message bodies). Connections that carried no POP3 bytes are left out and the others
 * numbered from 1, since how SYN retries are grouped is the TCP layer's business.
 */
import type { Conversation } from '../../../src/model/conversation.js';
import type { Pop3Parsed, Pop3Status } from '../../../src/protocols/pop3/types.js';
import { dissectFile, renderGolden as render, show, type GoldenStyle } from '../../helpers/golden-transcript.js';

const POP3_STYLE: GoldenStyle = {
  tags: () => [],
  suffix: (e) => {
    const parsed = e.parsed as Pop3Parsed | undefined;
    return parsed?.type === 'end' ? `  <end of ${parsed.of}: ${parsed.lines} lines${parsed.notKept ? `, ${parsed.notKept} not kept` : ''}>` : '';
  },
  literal: (e, l) => {
    const st = e.parsed as Pop3Status | undefined;
    const firstLine = l.head.split(/\r?\n/)[0] ?? '';
    return `body: ${l.size} bytes, ${st?.body?.lines ?? '?'} lines, frames ${l.firstFrame}-${l.lastFrame}, ${l.complete ? 'complete' : 'INCOMPLETE'}, first line "${show(firstLine)}"`;
  },
  loginExtra: () => '',
  capabilitySeparator: ' | ',
  numberSpoken: true,
};

/** Reads a capture and returns its POP3 conversations on port 110 in connection order. */
export function dissectPop3File(path: string): Promise<Conversation[]> {
  return dissectFile(path, (c) => c.protocol === 'pop3' && c.server.port === 110);
}

export function renderGolden(convs: readonly Conversation[]): string {
  return render(convs, POP3_STYLE);
}
