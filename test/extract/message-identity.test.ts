/** Which literal is which message, and how its file is named. */
import { describe, expect, it } from 'vitest';
import { fetchUid, imapIdentity, pop3Identity } from '../../src/extract/message-identity.js';
import { itemSlug, messageBaseName, NameRegistry } from '../../src/extract/file-name.js';

const S = (context: string) => ({ side: 'S' as const, context });
const C = (context: string) => ({ side: 'C' as const, context });

describe('imapIdentity', () => {
  it.each([
    ['* 12 FETCH (UID 7 BODY[] {2345}', { kind: 'message', command: 'FETCH', item: 'BODY[]', sequence: 12 }],
    ['* 1 FETCH (FLAGS (\\Seen) RFC822 {10}', { kind: 'message', command: 'FETCH', item: 'RFC822', sequence: 1 }],
    ['* 4 fetch (BINARY[] ~{10}', { kind: 'message', command: 'FETCH', item: 'BINARY[]', sequence: 4 }],
    ['* 4 FETCH (BODY[]<0> {1024}', { kind: 'part', command: 'FETCH', item: 'BODY[]<0>', sequence: 4 }],
    ['* 4 FETCH (BODY[HEADER.FIELDS (FROM TO)] {80}', { kind: 'part', command: 'FETCH', item: 'BODY[HEADER.FIELDS (FROM TO)]', sequence: 4 }],
    ['* 4 FETCH (BODY[HEADER] {10} BODY[TEXT] {20}', { kind: 'part', command: 'FETCH', item: 'BODY[TEXT]', sequence: 4 }],
    ['* 4 FETCH (RFC822.HEADER {20}', { kind: 'part', command: 'FETCH', item: 'RFC822.HEADER', sequence: 4 }],
  ])('%s', (context, expected) => {
    expect(imapIdentity(S(context))).toEqual(expected);
  });

  it.each([
    ['a string inside ENVELOPE', '* 4 FETCH (ENVELOPE ("date" {12}'],
    ['a string inside BODYSTRUCTURE', '* 4 FETCH (BODYSTRUCTURE ("text" "plain" ("name" {5}'],
    ['not a FETCH response', '* LIST () "/" {5}'],
    ['a FETCH line from the client', '* 4 FETCH (BODY[] {5}'],
  ])('ignores %s', (_, context) => {
    const side = context.startsWith('* 4 FETCH (BODY[] {5}') ? 'C' : 'S';
    expect(imapIdentity({ side, context })).toBeUndefined();
  });

  it('APPEND: the message literal, not the mailbox literal nor a LOGIN password', () => {
    expect(imapIdentity(C('a1 APPEND INBOX (\\Seen) "01-Jan-2024 10:00:00 +0000" {310}'))).toEqual({ kind: 'message', command: 'APPEND' });
    expect(imapIdentity(C('a1 APPEND "Sent Items" {310+}'))).toEqual({ kind: 'message', command: 'APPEND' });
    expect(imapIdentity(C('a1 APPEND {5}'))).toBeUndefined();
    expect(imapIdentity(C('a1 APPEND {5} {300}'))).toEqual({ kind: 'message', command: 'APPEND' });
    expect(imapIdentity(C('a1 APPEND INBOX {300} (\\Seen) {200}'))).toEqual({ kind: 'message', command: 'APPEND' });
    expect(imapIdentity(C('a1 APPEND INBOX UTF8 (~{300}'))).toEqual({ kind: 'message', command: 'APPEND' });
    expect(imapIdentity(C('a1 APPEND INBOX CATENATE (TEXT {30}'))).toBeUndefined();
    expect(imapIdentity(C('a0 LOGIN bob {6}'))).toBeUndefined();
  });
});

describe('fetchUid', () => {
  it('finds UID before or after the literal, or in a cut line', () => {
    expect(fetchUid('* 3 FETCH (UID 55 BODY[] {10})')).toBe(55);
    expect(fetchUid('* 3 FETCH (BODY[] {10} UID 56)')).toBe(56);
    expect(fetchUid('* 3 FETCH (BODY[] {10} FLAGS (\\Seen) UID 57')).toBe(57);
    expect(fetchUid('* 3 FETCH (BODY[] {10})')).toBeUndefined();
    expect(fetchUid('a1 OK done')).toBeUndefined();
  });
});

describe('pop3Identity', () => {
  it('RETR is a message, TOP a part', () => {
    expect(pop3Identity('RETR 3')).toEqual({ kind: 'message', command: 'RETR', pop3Number: 3 });
    expect(pop3Identity('top 3 10')).toEqual({ kind: 'part', command: 'TOP', pop3Number: 3 });
    expect(pop3Identity('LIST')).toBeUndefined();
  });
});

describe('file names', () => {
  it('say the conversation, the direction and the message; only safe characters', () => {
    expect(messageBaseName({ conversation: 3, side: 'S', identity: { kind: 'message', command: 'FETCH', item: 'BODY[]', sequence: 12 }, uid: 55 })).toBe('c3-server-seq12-uid55');
    expect(messageBaseName({ conversation: 4, side: 'C', identity: { kind: 'message', command: 'APPEND' }, append: 2 })).toBe('c4-client-append2');
    expect(messageBaseName({ conversation: 5, side: 'S', identity: { kind: 'message', command: 'RETR', pop3Number: 2 } })).toBe('c5-server-msg2');
    expect(messageBaseName({ conversation: 5, side: 'S', identity: { kind: 'part', command: 'TOP', pop3Number: 2 } })).toBe('c5-server-msg2-top');
    expect(messageBaseName({ conversation: 3, side: 'S', identity: { kind: 'part', command: 'FETCH', item: 'BODY[HEADER.FIELDS (FROM TO)]<0>', sequence: 1 } })).toBe('c3-server-seq1-part-body-header.fields-0');
    expect(itemSlug('BODY[../../etc/passwd]')).toBe('body-..-..-etc-passwd');
    expect(itemSlug('BODY[../../etc/passwd]')).not.toContain('/');
  });

  it('are unique, and incomplete ones end in .eml.partial', () => {
    const r = new NameRegistry();
    expect(r.take('c1-server-seq1', true)).toBe('c1-server-seq1.eml');
    expect(r.take('c1-server-seq1', true)).toBe('c1-server-seq1-2.eml');
    expect(r.take('c1-server-seq1', false)).toBe('c1-server-seq1.eml.partial');
    expect(r.take('c1-server-seq2', true, (n) => n === 'c1-server-seq2.eml')).toBe('c1-server-seq2-2.eml');
  });
});
