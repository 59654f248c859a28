/**
 * Unknown commands that carry a password (would-be logins): redacted like LOGIN's password and
 * recorded as AuthAttempts, without touching unknown commands that are not logins.
 */
import { describe, expect, it } from 'vitest';
import type { Conversation } from '../../../src/model/conversation.js';
import type { ImapCommand } from '../../../src/protocols/imap/types.js';
import { diagnose, imap } from '../../diagnose/helpers.js';
import { C, S, codes, dissect } from './helpers.js';

const GREETING = S('* OK IMAP4rev1 server ready\r\n');

/** The secret characters of a client event, by its SecretSpans. */
const spans = (c: Conversation, n: number): string[] => (c.events[n]!.secrets ?? []).map((s) => c.events[n]!.raw.slice(s.start, s.end));
const cmdOf = (c: Conversation, n: number): ImapCommand => c.events[n]!.parsed as ImapCommand;

describe('would-be logins (unknown commands carrying a password)', () => {
  it('LOGON with a quoted password: the content is the secret, the attempt failed on BAD', () => {
    const c = dissect([GREETING, C('a1 LOGON bob "pa ss"\r\n'), S('a1 BAD Unknown command\r\n')]);
    expect(spans(c, 1)).toEqual(['pa ss']);
    expect(cmdOf(c, 1).args[1]).toEqual({ t: 'secret', length: 5, pos: 13 });
    expect(cmdOf(c, 1).rawArgs).toBe('bob "*****"');
    expect(c.auth).toHaveLength(1);
    expect(c.auth[0]).toMatchObject({ method: 'LOGON', user: 'bob', userForm: 'atom', outcome: 'failed', serverText: 'Unknown command' });
    expect(c.auth[0]!.secret).toMatchObject({ kind: 'password', value: 'pa ss', length: 5 });
    expect(codes(c)).toEqual([]);
  });

  it('several words after the user are one secret (a password with spaces sent bare)', () => {
    const c = dissect([GREETING, C('a1 AUTH bob my secret pw \r\n'), S('a1 BAD Protocol Error\r\n')]);
    expect(spans(c, 1)).toEqual(['my secret pw ']);
    expect(c.auth[0]!.secret).toMatchObject({ value: 'my secret pw ', trailingSpace: true });
    expect(cmdOf(c, 1).login!.password).toMatchObject({ form: 'invalid', value: '', raw: '' });
    expect(JSON.stringify(c.events[1]!.parsed)).not.toMatch(/secret pw/);
  });

  it('a password sent as a literal: the literal is marked secret', () => {
    const c = dissect([GREETING, C('a1 SIGNIN alice {4}\r\n'), S('+ go ahead\r\n'), C('hunt\r\n'), S('a1 BAD what?\r\n')]);
    const lit = c.events[1]!.literals![0]!;
    expect(lit.secret).toBe(true);
    expect(c.auth[0]).toMatchObject({ method: 'SIGNIN', user: 'alice', outcome: 'failed' });
    expect(c.auth[0]!.secret).toMatchObject({ value: 'hunt', length: 4 });
  });

  it('POP3 habits: USER then PASS is one attempt, with the user of USER and the secret of PASS', () => {
    const c = dissect([GREETING, C('a1 USER carol\r\n'), S('a1 BAD Unknown command\r\n'), C('a2 PASS s3cr3t\r\n'), S('a2 BAD Unknown command\r\n')]);
    expect(spans(c, 1)).toEqual([]);
    expect(spans(c, 3)).toEqual(['s3cr3t']);
    expect(c.auth.map((a) => [a.method, a.user, a.outcome, a.exchange])).toEqual([['PASS', 'carol', 'failed', 1]]);
  });

  it('AUTH PLAIN with an initial response is SASL: decoded, the response is the secret', () => {
    const ir = Buffer.from('\0dave\0Pw0rd!').toString('base64');
    const c = dissect([GREETING, C(`a1 AUTH PLAIN ${ir}\r\n`), S('a1 BAD Unknown command\r\n')]);
    expect(c.events[1]!.secrets).toEqual([{ start: 14, end: 14 + ir.length, kind: 'sasl' }]);
    expect(c.auth[0]).toMatchObject({ method: 'AUTH', mechanism: 'PLAIN', user: 'dave', userForm: 'sasl', outcome: 'failed' });
    expect(c.auth[0]!.secret).toMatchObject({ kind: 'password', value: 'Pw0rd!' });
  });

  it('any unknown command whose first argument is user@domain or DOMAIN\\user followed by more', () => {
    const c = dissect([GREETING, C('a1 XLOGINX erin@example.org hunter2\r\n'), S('a1 BAD Unknown command\r\n')]);
    expect(spans(c, 1)).toEqual(['hunter2']);
    expect(c.auth[0]).toMatchObject({ method: 'XLOGINX', user: 'erin@example.org', outcome: 'failed' });
    expect(c.auth[0]!.details!.notImapCommand).toContain('user name shape');
  });

  it('a doubtful `CMD word word`: redacted, but not counted as a login', () => {
    const c = dissect([GREETING, C('a1 FOO frank whatever\r\n'), S('a1 BAD Unknown command\r\n')]);
    expect(spans(c, 1)).toEqual(['whatever']);
    expect(c.auth).toEqual([]);
  });

  it('leaves other unknown commands alone: X extensions, mailbox names, one argument, lists', () => {
    const c = dissect([
      GREETING,
      C('a1 XAPPLEPUSHSERVICE aps-version 2 aps-account-id 0715A26B\r\n'),
      S('a1 BAD Unknown command\r\n'),
      C('a2 GETANNOTATION INBOX "/comment"\r\n'),
      S('a2 BAD Unknown command\r\n'),
      C('a3 FROB gizmo\r\n'),
      S('a3 BAD Unknown command\r\n'),
      C('a4 XYZZY (a b) c\r\n'),
      S('a4 BAD Unknown command\r\n'),
    ]);
    expect(c.events.flatMap((e) => e.secrets ?? [])).toEqual([]);
    expect(c.auth).toEqual([]);
    expect(cmdOf(c, 1).args.map((a) => a.t)).toEqual(['atom', 'atom', 'atom', 'atom']);
  });

  it('known commands are not affected: SELECT with two words keeps its arguments', () => {
    const c = dissect([GREETING, C('a1 LOGIN u p\r\n'), S('a1 OK done\r\n'), C('a2 STATUS INBOX (MESSAGES)\r\n'), S('a2 OK done\r\n')]);
    expect(c.auth.map((a) => a.method)).toEqual(['LOGIN']);
    expect(cmdOf(c, 3).args.map((a) => a.t)).toEqual(['atom', 'list']);
  });

  it('split invariance: byte-by-byte delivery gives the same secrets and attempts', () => {
    const segs = [GREETING, C('a1 AUTH DOMAIN\\g "x y"\r\n'), S('a1 BAD Protocol Error: "Expected SPACE not found".\r\n')];
    const whole = dissect(segs);
    const bytewise = dissect(segs, {}, (len) => Array.from({ length: len }, (_, i) => i));
    expect(bytewise.events.map((e) => e.secrets)).toEqual(whole.events.map((e) => e.secrets));
    expect(bytewise.auth.map((a) => [a.user, a.secret?.fingerprint, a.outcome])).toEqual(whole.auth.map((a) => [a.user, a.secret?.fingerprint, a.outcome]));
    expect(whole.auth[0]).toMatchObject({ user: 'DOMAIN\\g', outcome: 'failed' });
  });

  it('the diagnosis keeps treating it as a wrong command, and now sees its password (length, fingerprint)', () => {
    const c = imap([['S', '* OK Microsoft Exchange Server 2003 IMAP4rev1 server version 6.5.7638.1 (mail.example.com) ready.'], ['C', 'A128 AUTH DOMAIN\\user Secret1 '], ['S', 'A128 BAD Protocol Error: "Expected SPACE not found".']], { summary: { finBy: 'server' } });
    const f = diagnose(c);
    // No imap.login-failed: the wrong command is explained by imap.unknown-command.
    expect(f.map((x) => x.id).sort()).toEqual(['imap.cleartext-login', 'imap.credential-whitespace', 'imap.skipped-capability', 'imap.unknown-command', 'imap.unquoted-credentials']);
    const clear = f.find((x) => x.id === 'imap.cleartext-login')!;
    expect(clear.message).toContain('AUTH (not a login command) for user "DOMAIN\\user" with a 7-character password');
    expect(f.find((x) => x.id === 'imap.credential-whitespace')!.message).toContain('the line ends with a space');
    for (const x of f) expect(x.message).not.toContain('Secret1');
  });
});
