import { describe, expect, it } from 'vitest';
import type { ImapCommand, ImapCompletion } from '../../../src/protocols/imap/types.js';
import { C, S, codes, dissect, transcript } from './helpers.js';

describe('IMAP founding cases', () => {
  it('phone: `A128 AUTH DOMAIN\\user pass` without CAPABILITY, answered BAD "Expected SPACE not found"', () => {
    const c = dissect([
      S('* OK Microsoft Exchange Server 2003 IMAP4rev1 server version 6.5.7638.1 (mail.example.com) ready.\r\n'),
      C('A128 AUTH DOMAIN\\user Secret1\r\n'),
      S('A128 BAD Protocol Error: "Expected SPACE not found".\r\n'),
    ]);
    expect(transcript(c)).toEqual([
      'S line * OK Microsoft Exchange Server 2003 IMAP4rev1 server version 6.5.7638.1 (mail.example.com) ready.',
      'C line#0 A128 AUTH DOMAIN\\user Secret1',
      'S line#0 A128 BAD Protocol Error: "Expected SPACE not found".',
    ]);
    const cmd = c.events[1]!.parsed as ImapCommand;
    // AUTH is no IMAP command, but its second argument is the password: masked like LOGIN's.
    expect(cmd).toMatchObject({ type: 'command', tag: 'A128', name: 'AUTH', known: false, rawArgs: 'DOMAIN\\user *******' });
    expect(cmd.args).toEqual([{ t: 'atom', v: 'DOMAIN\\user', pos: 10 }, { t: 'secret', length: 7, pos: 22 }]);
    expect(c.events[1]!.secrets).toEqual([{ start: 22, end: 29, kind: 'password' }]);
    expect(JSON.stringify(cmd)).not.toContain('Secret1');
    expect(c.auth).toEqual([
      expect.objectContaining({ method: 'AUTH', user: 'DOMAIN\\user', userForm: 'atom', userRaw: 'DOMAIN\\user', outcome: 'failed', encrypted: false, exchange: 0, frames: [12, 13] }),
    ]);
    expect(c.auth[0]!.secret).toMatchObject({ kind: 'password', value: 'Secret1', length: 7 });
    expect(c.auth[0]!.details!.notImapCommand).toMatch(/^AUTH is not an IMAP command/);
    expect(c.exchanges[0]).toMatchObject({ tag: 'A128', command: 'AUTH', known: false, status: 'BAD', responseText: 'Protocol Error: "Expected SPACE not found".' });
    expect(c.serverSoftware).toMatchObject({ product: 'Microsoft Exchange', version: '6.5.7638.1', details: { generation: '2003', host: 'mail.example.com' } });
    expect(c.capabilities).toEqual([]);
    expect(codes(c)).toEqual([]);
  });

  it('LOGIN with an unquoted DOMAIN\\user: the raw argument, what an atom parser reads and why it stops', () => {
    const c = dissect([S('* OK IMAP4rev1 ready\r\n'), C('A1 LOGIN DOMAIN\\user pass\r\n'), S('A1 BAD Protocol Error: "Expected SPACE not found".\r\n')]);
    const cmd = c.events[1]!.parsed as ImapCommand;
    expect(cmd.args[0]).toMatchObject({ t: 'invalid', raw: 'DOMAIN\\user', atom: 'DOMAIN' });
    expect(cmd.login!.user).toMatchObject({ value: 'DOMAIN\\user', form: 'invalid', raw: 'DOMAIN\\user' });
    expect(cmd.notes).toEqual([expect.objectContaining({ arg: 0, pos: 15, code: 'invalid-astring' })]);
    expect(c.auth[0]).toMatchObject({ method: 'LOGIN', user: 'DOMAIN\\user', userForm: 'atom', userRaw: 'DOMAIN\\user', outcome: 'failed', encrypted: false });
    expect(c.auth[0]!.details!.userInvalid).toMatch(/'\\' at offset 6/);
    expect(c.auth[0]!.secret).toMatchObject({ kind: 'password', value: 'pass', length: 4 });
    expect(c.events[1]!.secrets).toEqual([{ start: 21, end: 25, kind: 'password' }]);
    expect(c.events[1]!.raw.slice(21, 25)).toBe('pass');
    expect(codes(c)).toEqual(['invalid-astring']);
  });

  it("Thunderbird: `1 capability` / `2 login \"xxx\\\\xx\" \"xxx\"` succeeds", () => {
    const c = dissect([
      S('* OK IMAP4rev1 server ready\r\n'),
      C('1 capability\r\n'),
      S('* CAPABILITY IMAP4rev1 IDLE NAMESPACE AUTH=PLAIN\r\n1 OK CAPABILITY completed.\r\n'),
      C('2 login "xxx\\\\xx" "y\\"z"\r\n'),
      S('2 OK LOGIN completed.\r\n'),
    ]);
    expect(c.exchanges.map((x) => [x.tag, x.command, x.status, x.state])).toEqual([
      ['1', 'CAPABILITY', 'OK', 'not-authenticated'],
      ['2', 'LOGIN', 'OK', 'not-authenticated'],
    ]);
    expect(c.auth[0]).toMatchObject({ user: 'xxx\\xx', userForm: 'quoted', userRaw: '"xxx\\\\xx"', outcome: 'ok' });
    expect(c.auth[0]!.secret!.value).toBe('y"z');
    const ev = c.events[4]!;
    expect(ev.secrets).toEqual([{ start: 19, end: 23, kind: 'password' }]);
    expect(ev.raw.slice(19, 23)).toBe('y\\"z');
    expect(JSON.stringify(ev.parsed)).not.toContain('y\\\\"z');
    expect(c.capabilities).toEqual([{ phase: 'pre-tls', frame: 13, list: ['IMAP4rev1', 'IDLE', 'NAMESPACE', 'AUTH=PLAIN'] }]);
    expect(c.state).toBe('authenticated');
    expect(codes(c)).toEqual([]);
  });

  it('Exchange 5.5 telnet session with tag `?`: LOGIN, LIST, SELECT, FETCH, LOGOUT', () => {
    const c = dissect([
      S('* OK Microsoft Exchange IMAP4rev1 server version 5.5.2650.23 (umr-mail02) ready\r\n'),
      C('? LOGIN user secret\r\n'),
      S('? OK LOGIN completed\r\n'),
      C('? LIST "" *\r\n'),
      S('* LIST (\\Marked) "/" INBOX\r\n* LIST () "/" "Sent Items"\r\n? OK LIST completed\r\n'),
      C('? SELECT INBOX\r\n'),
      S('* 3 EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)\r\n* OK [UNSEEN 1] Is the first unseen message\r\n* OK [UIDVALIDITY 5] UIDVALIDITY value.\r\n? OK [READ-WRITE] SELECT completed\r\n'),
      C('? FETCH 1 (FLAGS RFC822.SIZE BODY[HEADER.FIELDS (FROM SUBJECT)])\r\n'),
      S('* 1 FETCH (FLAGS (\\Seen) RFC822.SIZE 1203 BODY[HEADER.FIELDS (FROM SUBJECT)] {32}\r\nFrom: a@b\r\nSubject: hi there\r\n\r\n)\r\n? OK FETCH completed\r\n'),
      C('? LOGOUT\r\n'),
      S('* BYE Microsoft Exchange IMAP4rev1 server version 5.5.2650.23 signing off\r\n? OK LOGOUT completed\r\n'),
    ]);
    expect(c.exchanges.map((x) => `${x.tag} ${x.command} ${x.status} ${x.state} ${x.relatedEvents.length}`)).toEqual([
      '? LOGIN OK not-authenticated 0',
      '? LIST OK authenticated 2',
      '? SELECT OK authenticated 5',
      '? FETCH OK selected 1',
      '? LOGOUT OK selected 1',
    ]);
    const fetch = c.events.find((e) => e.raw.startsWith('* 1 FETCH'))!;
    expect(fetch.raw).toBe('* 1 FETCH (FLAGS (\\Seen) RFC822.SIZE 1203 BODY[HEADER.FIELDS (FROM SUBJECT)] {32})');
    expect(fetch.literals).toEqual([
      expect.objectContaining({ size: 32, received: 32, complete: true, form: 'sync', at: 81, text: 'From: a@b\r\nSubject: hi there\r\n\r\n' }),
    ]);
    expect(c.exchanges[2]!.responseCode).toBe('READ-WRITE');
    expect(c.serverSoftware).toMatchObject({ product: 'Microsoft Exchange', version: '5.5.2650.23', details: { generation: '5.5', host: 'umr-mail02' } });
    expect(c.state).toBe('logout');
    expect(codes(c)).toEqual([]);
  });

  it('Exchange 2013: `NO [Error=ProxyNotAuthenticated Proxy=host:1993:SSL] LOGIN failed.`', () => {
    const c = dissect([
      S('* OK The Microsoft Exchange IMAP4 service is ready. [RgBSADMAUAAyADgAMQBDAEEAMAAxADUANwAuAEQARQBVAFAAMgA4ADEALgBQAFIATwBEAC4ATwBVAFQATABPAE8ASwAuAEMATwBNAA==]\r\n'),
      C('a1 LOGIN "user@example.com" "pw"\r\n'),
      S('a1 NO [Error=ProxyNotAuthenticated Proxy=host:1993:SSL] LOGIN failed.\r\n'),
    ]);
    const done = c.events[2]!.parsed as ImapCompletion;
    expect(done.code).toEqual({ name: 'ERROR=PROXYNOTAUTHENTICATED', args: 'Proxy=host:1993:SSL', raw: 'Error=ProxyNotAuthenticated Proxy=host:1993:SSL' });
    expect(c.exchanges[0]).toMatchObject({ status: 'NO', responseCode: 'Error=ProxyNotAuthenticated Proxy=host:1993:SSL', responseText: 'LOGIN failed.' });
    expect(c.auth[0]).toMatchObject({ outcome: 'failed', responseCode: 'Error=ProxyNotAuthenticated Proxy=host:1993:SSL', serverText: 'LOGIN failed.', user: 'user@example.com' });
    expect(c.serverSoftware).toEqual({
      product: 'Microsoft Exchange',
      source: 'greeting',
      details: { generation: 'Microsoft 365', backend: 'FR3P281CA0157.DEUP281.PROD.OUTLOOK.COM' },
    });
    expect(c.state).toBe('not-authenticated');
  });
});
