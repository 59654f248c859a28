import { describe, expect, it } from 'vitest';
import { astringAtomProblem, isTag, parseRespText, parseValues, trailingLiteral } from '../../../src/protocols/imap/grammar.js';
import { parseCommand } from '../../../src/protocols/imap/commands.js';
import { parseServerLine } from '../../../src/protocols/imap/response-parser.js';

describe('IMAP grammar predicates', () => {
  it('accepts the tags real clients send and rejects atom-specials and +', () => {
    for (const t of ['A128', '1', '?', 'blah', 'aYKG', '.', 'a0001', 'x]']) expect(isTag(t)).toBe(true);
    for (const t of ['', '*', '+', 'a+', 'a(b', 'a"b', 'a\\b', 'a%', 'a{1']) expect(isTag(t)).toBe(false);
  });

  it('says why a word is not an astring atom', () => {
    expect(astringAtomProblem('user@example.com')).toBeUndefined();
    expect(astringAtomProblem('DOMAIN\\user')).toEqual({ offset: 6, reason: "'\\' at offset 6 is an atom-special: it must be quoted (or sent as a literal)" });
    expect(astringAtomProblem('p%ss')?.offset).toBe(1);
    expect(astringAtomProblem('a*')?.offset).toBe(1);
  });

  it('finds literal announcements at the end of a line: sync, LITERAL+, LITERAL-, literal8, huge', () => {
    expect(trailingLiteral('A1 LOGIN {5}')).toEqual({ start: 9, end: 12, size: 5, form: 'sync', huge: false });
    expect(trailingLiteral('A1 APPEND x {452+}')).toMatchObject({ size: 452, form: 'nonsync-plus' });
    expect(trailingLiteral('A1 APPEND x {10-}')).toMatchObject({ size: 10, form: 'nonsync-minus' });
    expect(trailingLiteral('* 1 FETCH (BINARY[] ~{7}')).toMatchObject({ start: 20, size: 7, form: 'literal8' });
    expect(trailingLiteral('x {99999999999999999999}')).toMatchObject({ huge: true, size: Infinity });
    expect(trailingLiteral('x {}')).toBeUndefined();
    expect(trailingLiteral('x ~{5+}')).toBeUndefined();
    expect(trailingLiteral('x 5}')).toBeUndefined();
  });
});

describe('IMAP value parser', () => {
  it('parses atoms, quoted strings with escapes, NIL, nested lists and sections', () => {
    const raw = 'a "q\\"x\\\\" NIL (b (c "")) BODY[HEADER.FIELDS (FROM TO)]<0.10> \\Seen';
    const r = parseValues(raw, 0, []);
    expect(r.error).toBeUndefined();
    expect(r.values.map((v) => v.t)).toEqual(['atom', 'quoted', 'nil', 'list', 'atom', 'atom']);
    expect(r.values[1]).toMatchObject({ v: 'q"x\\', raw: '"q\\"x\\\\"' });
    expect(r.values[4]).toMatchObject({ v: 'BODY[HEADER.FIELDS (FROM TO)]<0.10>' });
    expect(r.values[5]).toMatchObject({ v: '\\Seen' });
  });

  it('links a literal to its announcement and rejects one in the middle of a line', () => {
    const ok = parseValues('x {3} y', 0, [{ at: 5, size: 3, form: 'sync', text: 'abc' }]);
    expect(ok.values[1]).toEqual({ t: 'literal', i: 0, size: 3, form: 'sync', v: 'abc', pos: 2 });
    expect(parseValues('x {3} y', 0, []).error).toEqual({ reason: 'literal announcement not at the end of a line', position: 2 });
  });

  it('reports structural errors with positions, spacing as notes', () => {
    expect(parseValues('(a (b)', 0, []).error).toEqual({ reason: "'(' not closed", position: 0 });
    // A word with an unclosed section, or a control character (inside or outside a section).
    expect(parseValues('a BODY[HEADER (x', 0, []).error).toEqual({ reason: "'[' not closed", position: 2 });
    expect(parseValues('a b\x00c', 0, []).error).toEqual({ reason: 'control character 0x00 in an atom', position: 3 });
    expect(parseValues('a BODY[x\ry]', 0, []).error).toEqual({ reason: 'control character 0x0d in an atom', position: 8 });
    expect(parseValues('a)', 0, []).error).toEqual({ reason: "')' without '('", position: 1 });
    expect(parseValues('"abc', 0, []).error).toEqual({ reason: 'quoted string not terminated', position: 0 });
    expect(parseValues('"a""b"', 0, []).error).toEqual({ reason: 'expected SP between arguments', position: 3 });
    expect(parseValues('a  b ', 0, []).notes.map((n) => n.code)).toEqual(['double-space', 'trailing-space']);
    expect(parseValues('"a\\b"', 0, []).notes[0]).toMatchObject({ code: 'bad-escape', pos: 2 });
  });

  it('parses response codes including vendor ones verbatim', () => {
    expect(parseRespText('[UIDVALIDITY 3857529045] UIDs valid', 0)).toEqual({ code: { name: 'UIDVALIDITY', args: '3857529045', raw: 'UIDVALIDITY 3857529045' }, text: 'UIDs valid' });
    expect(parseRespText('[ALERT] Go away', 0).code).toEqual({ name: 'ALERT', raw: 'ALERT' });
    expect(parseRespText('no code', 0)).toEqual({ text: 'no code' });
  });
});

describe('IMAP responses', () => {
  it('parses each response type', () => {
    expect(parseServerLine('+ idling', [])).toEqual({ type: 'continuation', text: 'idling' });
    expect(parseServerLine('+', [])).toEqual({ type: 'continuation', text: '' });
    expect(parseServerLine('* PREAUTH [CAPABILITY IMAP4rev2] hi', [])).toMatchObject({ type: 'untagged', name: 'PREAUTH', code: { name: 'CAPABILITY', args: 'IMAP4rev2' } });
    expect(parseServerLine('* 23 EXISTS', [])).toEqual({ type: 'untagged', name: 'EXISTS', number: 23 });
    expect(parseServerLine('* CAPABILITY IMAP4rev1 IDLE', [])).toEqual({ type: 'untagged', name: 'CAPABILITY', capabilities: ['IMAP4rev1', 'IDLE'] });
    expect(parseServerLine('* ENABLED CONDSTORE', [])).toMatchObject({ name: 'ENABLED', capabilities: ['CONDSTORE'] });
    expect(parseServerLine('* ID ("name" "Dovecot" "version" NIL)', [])).toMatchObject({ name: 'ID', id: { name: 'Dovecot', version: null } });
    expect(parseServerLine('* VANISHED (EARLIER) 41,43:116', [])).toMatchObject({ name: 'VANISHED' });
    expect(parseServerLine('A1 NO [AUTHENTICATIONFAILED] Authentication failed.', [])).toEqual({ type: 'completion', tag: 'A1', status: 'NO', code: { name: 'AUTHENTICATIONFAILED', raw: 'AUTHENTICATIONFAILED' }, text: 'Authentication failed.' });
    expect(parseServerLine('a1 ok done', [])).toMatchObject({ status: 'OK' });
  });

  it('returns malformed with a reason and position instead of throwing', () => {
    expect(parseServerLine('', [])).toEqual({ type: 'malformed', reason: 'empty line', position: 0 });
    expect(parseServerLine('A1 MAYBE x', [])).toEqual({ type: 'malformed', reason: "unknown completion status 'MAYBE'", position: 3 });
    expect(parseServerLine('* 3 FETCH (FLAGS (\\Seen)', [])).toEqual({ type: 'malformed', reason: "'(' not closed", position: 10 });
    expect(parseServerLine('*', [])).toMatchObject({ type: 'malformed' });
  });
});

describe('IMAP commands', () => {
  it('recognises commands of RFC 9051 and extensions, UID forms, unknown ones as sent', () => {
    const names = ['CAPABILITY', 'IDLE', 'ID NIL', 'NAMESPACE', 'ENABLE CONDSTORE', 'UID EXPUNGE 1:3', 'MOVE 1 Trash', 'COMPRESS DEFLATE', 'STARTTLS', 'XLIST "" *', 'UNSELECT', 'GETQUOTAROOT INBOX', 'UID FETCH 1:* (X-GM-LABELS)'];
    for (const n of names) expect(parseCommand(`t ${n}`, []).parsed).toMatchObject({ type: 'command', known: true });
    expect(parseCommand('t uid fetch 1 FLAGS', []).parsed).toMatchObject({ name: 'UID FETCH', nameRaw: 'uid fetch' });
    expect(parseCommand('A128 AUTH x y', []).parsed).toMatchObject({ name: 'AUTH', known: false });
    expect(parseCommand('t ENABLE CONDSTORE QRESYNC', []).parsed).toMatchObject({ enable: ['CONDSTORE', 'QRESYNC'] });
    expect(parseCommand('t ID ("name" "Thunderbird" "version" "17.0.8")', []).parsed).toMatchObject({ id: { name: 'Thunderbird', version: '17.0.8' } });
    expect(parseCommand('t SELECT "Sent Items"', []).parsed).toMatchObject({ mailbox: 'Sent Items' });
  });

  it('keeps AUTHENTICATE initial responses out of parsed and returns them as a secret', () => {
    const r = parseCommand('a AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==', []);
    expect(r.parsed).toMatchObject({ authenticate: { mechanism: 'PLAIN', initialResponse: { length: 20, empty: false } } });
    expect(JSON.stringify(r.parsed)).not.toContain('AGFsaWNl');
    expect(r.secret).toEqual({ kind: 'sasl', value: 'AGFsaWNlAHNlY3JldA==', start: 21, end: 41 });
    expect((r.parsed as { rawArgs: string }).rawArgs).toBe('PLAIN ' + '*'.repeat(20));
    expect(parseCommand('a AUTHENTICATE PLAIN =', []).parsed).toMatchObject({ authenticate: { initialResponse: { empty: true } } });
  });

  it('a LOGIN password given as a literal is a secret literal', () => {
    const r = parseCommand('a LOGIN {4} {6}', [{ at: 11, size: 4, form: 'sync', text: 'fred' }, { at: 15, size: 6, form: 'sync', text: 's3cr3t' }]);
    expect(r.parsed).toMatchObject({ login: { user: { value: 'fred', form: 'literal', raw: '{4}' }, password: { value: '', form: 'literal' } } });
    expect(r.secret).toMatchObject({ kind: 'password', value: 's3cr3t', literal: 1 });
  });

  it('malformed command lines', () => {
    expect(parseCommand('', []).parsed).toMatchObject({ type: 'malformed' });
    expect(parseCommand('A1', []).parsed).toMatchObject({ type: 'malformed', reason: 'command without a tag or name' });
    expect(parseCommand('A1 (x)', []).parsed).toMatchObject({ type: 'malformed', position: 3 });
  });
});
