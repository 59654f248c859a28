/**
 * The IMAP corpus goldens: the IMAP conversations of a capture through the real pipeline
 * (capture → decode → tcp → dispatcher → IMAP dissector, TLS layer with an optional key log),
 * rendered in the shared golden-transcript format with IMAP's details (exchange numbers, inflated
 * lines, literal forms, how the user name was written).
 */
import type { Conversation } from '../../../src/model/conversation.js';
import { dissectFile, renderGolden as render, show, type GoldenStyle } from '../../helpers/golden-transcript.js';

export { show };

const IMAP_STYLE: GoldenStyle = {
  tags: (e) => [...(e.inflated ? ['inflated'] : []), ...(e.exchange !== undefined ? [`x${e.exchange}`] : [])],
  suffix: () => '',
  literal: (_e, l) =>
    `literal ${l.form} ${l.size} bytes at ${l.at}, received ${l.received}${l.complete ? '' : ' INCOMPLETE'}${l.secret ? ' SECRET' : ''}, frames ${l.firstFrame}-${l.lastFrame}: "${show(l.head.slice(0, 60))}"`,
  loginExtra: (a) => ` (${a.userForm ?? '-'})`,
  capabilitySeparator: ' ',
  numberSpoken: false,
};

/** The IMAP conversations of one capture file, in connection order. */
export function dissectImapFile(path: string, keyLogText?: string): Promise<Conversation[]> {
  return dissectFile(path, (c) => c.protocol === 'imap', keyLogText);
}

export function renderGolden(convs: readonly Conversation[]): string {
  return render(convs, IMAP_STYLE);
}
