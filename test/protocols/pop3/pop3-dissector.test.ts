import { describe, expect, it } from 'vitest';
import type { Pop3Command, Pop3End, Pop3ListLine, Pop3Status } from '../../../src/protocols/pop3/types.js';
import type { PlaintextSink, TlsLayerFactory } from '../../../src/protocols/dissector.js';
import { codes, feed, transcript, type Step } from './feed.js';

const GREETING = '+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n';

describe('POP3 dissector: RFC 1939 session', () => {
  const steps: Step[] = [
    { s: GREETING },
    { c: 'USER mrose\r\n' },
    { s: '+OK mrose is a real hoopy frood\r\n' },
    { c: 'PASS secret with spaces \r\n' },
    { s: "+OK mrose's maildrop has 2 messages (320 octets)\r\n" },
    { c: 'STAT\r\n' },
    { s: '+OK 2 320\r\n' },
    { c: 'LIST\r\n' },
    { s: '+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n' },
    { c: 'LIST 2\r\n' },
    { s: '+OK 2 200\r\n' },
    { c: 'UIDL\r\n' },
    { s: '+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n' },
    { c: 'UIDL 1\r\n' },
    { s: '+OK 1 whqtswO00WBw418f9t5JxYwZ\r\n' },
    { c: 'RETR 1\r\n' },
    { s: '+OK 120 octets\r\nSubject: hi\r\n\r\n..leading dot\r\n...\r\nend\r\n.\r\n' },
    { c: 'TOP 2 0\r\n' },
    { s: '+OK\r\nSubject: two\r\n.\r\n' },
    { c: 'DELE 1\r\n' },
    { s: '+OK message 1 deleted\r\n' },
    { c: 'NOOP\r\n' },
    { s: '+OK\r\n' },
    { c: 'RSET\r\n' },
    { s: '+OK maildrop has 2 messages (320 octets)\r\n' },
    { c: 'RETR 9\r\n' },
    { s: '-ERR no such message\r\n' },
    { c: 'QUIT\r\n' },
    { s: '+OK dewey POP3 server signing off (maildrop empty)\r\n' },
  ];
  const c = feed(steps);

  it('pairs every command with its answer, in order', () => {
    expect(c.exchanges.map((x) => `${x.command} ${x.status} ${x.state}`)).toEqual([
      'USER +OK AUTHORIZATION', 'PASS +OK AUTHORIZATION', 'STAT +OK TRANSACTION', 'LIST +OK TRANSACTION',
      'LIST +OK TRANSACTION', 'UIDL +OK TRANSACTION', 'UIDL +OK TRANSACTION', 'RETR +OK TRANSACTION',
      'TOP +OK TRANSACTION', 'DELE +OK TRANSACTION', 'NOOP +OK TRANSACTION', 'RSET +OK TRANSACTION',
      'RETR -ERR TRANSACTION', 'QUIT +OK TRANSACTION',
    ]);
    expect(c.exchanges.every((x) => x.known && x.responseTime !== undefined && x.responseTime >= 0)).toBe(true);
    expect(c.state).toBe('UPDATE');
    expect(c.anomalies).toEqual([]);
    expect(c.protocol).toBe('pop3');
  });

  it('records the greeting and its APOP timestamp', () => {
    expect(c.greeting).toEqual({ event: 0, status: '+OK', text: 'POP3 server ready <1896.697170952@dbc.mtview.ca.us>' });
    expect((c.events[0]!.parsed as Pop3Status).timestamp).toBe('<1896.697170952@dbc.mtview.ca.us>');
  });

  it('takes the rest of the PASS line as the password and marks it secret', () => {
    expect(c.auth).toHaveLength(1);
    const a = c.auth[0]!;
    expect(a).toMatchObject({ method: 'USER/PASS', user: 'mrose', userForm: 'line', outcome: 'ok', encrypted: false, exchange: 1 });
    expect(a.secret).toMatchObject({ kind: 'password', value: 'secret with spaces ', length: 19, trailingSpace: true, leadingSpace: false });
    expect(a.frames).toEqual([5, 7, 8]);
    const pass = c.events[c.exchanges[1]!.commandEvent]!;
    expect(pass.raw).toBe('PASS secret with spaces ');
    expect(pass.secrets).toEqual([{ start: 5, end: 24, kind: 'password' }]);
    expect((pass.parsed as Pop3Command).args).toEqual(['<password>']);
  });

  it('reads STAT, LIST n and UIDL n facts', () => {
    const st = (i: number) => c.events[c.exchanges[i]!.completionEvent!]!.parsed as Pop3Status;
    expect(st(2)).toMatchObject({ messages: 2, octets: 320, answers: 'STAT' });
    expect(st(4)).toMatchObject({ msg: 2, octets: 200 });
    expect(st(6)).toMatchObject({ msg: 1, uid: 'whqtswO00WBw418f9t5JxYwZ' });
  });

  it('keeps list lines as events related to their exchange, ended by "."', () => {
    const list = c.exchanges[3]!;
    const related = list.relatedEvents.map((n) => c.events[n]!.parsed);
    expect(related).toEqual([
      { type: 'list', of: 'LIST', msg: 1, size: 120 },
      { type: 'list', of: 'LIST', msg: 2, size: 200 },
      { type: 'end', of: 'LIST', lines: 2, notKept: 0 },
    ]);
    const uidl = c.exchanges[5]!.relatedEvents.map((n) => (c.events[n]!.parsed as Pop3ListLine).uid);
    expect(uidl).toEqual(['whqtswO00WBw418f9t5JxYwZ', 'QhdPYR:00WBw1Ph7x7', undefined]);
  });

  it('streams RETR bodies into a LiteralInfo, dot-unstuffed', () => {
    const retr = c.exchanges[7]!;
    const ok = c.events[retr.completionEvent!]!;
    const body = 'Subject: hi\r\n\r\n.leading dot\r\n..\r\nend\r\n';
    expect(ok.literals).toEqual([{
      size: body.length, received: body.length, at: ok.raw.length, head: body, text: body, complete: true,
      firstFrame: 20, lastFrame: 20, streamOffset: ok.streamOffset + ok.raw.length + 2, form: 'body',
    }]);
    expect((ok.parsed as Pop3Status).body).toEqual({ lines: 5, complete: true });
    // Body lines are not events: only the terminator is related.
    expect(retr.relatedEvents.map((n) => (c.events[n]!.parsed as Pop3End).type)).toEqual(['end']);
    const top = c.events[c.exchanges[8]!.completionEvent!]!;
    expect(top.literals![0]!.text).toBe('Subject: two\r\n');
  });

  it('treats -ERR to RETR as single-line', () => {
    const x = c.exchanges[12]!;
    expect(x).toMatchObject({ command: 'RETR', status: '-ERR', responseText: 'no such message', relatedEvents: [] });
  });
});

describe('POP3 dissector: authentication', () => {
  it('reports a failed USER/PASS login with its response code', () => {
    const c = feed([
      { s: '+OK ready\r\n' },
      { c: 'USER bob\r\n' },
      { s: '+OK\r\n' },
      { c: 'PASS wrong\r\n' },
      { s: '-ERR [AUTH] Authentication failed.\r\n' },
      { c: 'QUIT\r\n' },
      { s: '+OK bye\r\n' },
    ]);
    expect(c.auth[0]).toMatchObject({ method: 'USER/PASS', user: 'bob', outcome: 'failed', responseCode: 'AUTH', serverText: 'Authentication failed.' });
    expect(c.exchanges[1]).toMatchObject({ status: '-ERR', responseCode: 'AUTH', responseText: 'Authentication failed.' });
    expect(c.state).toBe('AUTHORIZATION');
  });

  it('reads APOP: user, digest as a hash secret, the greeting timestamp', () => {
    const c = feed([
      { s: GREETING },
      { c: 'APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n' },
      { s: '+OK maildrop has 1 message (369 octets)\r\n' },
    ]);
    expect(c.auth[0]).toMatchObject({ method: 'APOP', user: 'mrose', outcome: 'ok', details: { timestamp: '<1896.697170952@dbc.mtview.ca.us>' } });
    expect(c.auth[0]!.secret).toMatchObject({ kind: 'hash', value: 'c4c9334bac560ecc979e58001b3e22fb', length: 32 });
    expect(c.events[1]!.secrets).toEqual([{ start: 11, end: 43, kind: 'hash' }]);
    expect(c.state).toBe('TRANSACTION');
    expect(codes(c)).toEqual([]);
  });

  it('flags APOP when the greeting has no timestamp, and a malformed digest', () => {
    const c = feed([{ s: '+OK ready\r\n' }, { c: 'APOP mrose xyz\r\n' }, { s: '-ERR no\r\n' }]);
    expect(codes(c)).toEqual(['apop-without-timestamp', 'apop-bad-digest']);
    expect(c.auth[0]!.outcome).toBe('failed');
  });

  it('AUTH PLAIN with an initial response: the response is a SASL secret', () => {
    const ir = Buffer.from('\0alice\0pw').toString('base64');
    const c = feed([{ s: '+OK ready\r\n' }, { c: `AUTH PLAIN ${ir}\r\n` }, { s: '+OK logged in\r\n' }]);
    expect(c.auth[0]).toMatchObject({ method: 'AUTH', mechanism: 'PLAIN', outcome: 'ok', userForm: 'sasl', exchange: 0 });
    expect(c.events[1]!.secrets).toEqual([{ start: 11, end: 11 + ir.length, kind: 'sasl' }]);
    expect((c.events[1]!.parsed as Pop3Command).args).toEqual(['PLAIN', '<initial-response>']);
    expect(c.state).toBe('TRANSACTION');
  });

  it('AUTH PLAIN without an initial response: challenge, client line, answer', () => {
    const resp = Buffer.from('\0alice\0pw').toString('base64');
    const c = feed([
      { s: '+OK ready\r\n' },
      { c: 'AUTH PLAIN\r\n' },
      { s: '+ \r\n' },
      { c: `${resp}\r\n` },
      { s: '-ERR authentication failed\r\n' },
      { c: 'QUIT\r\n' },
      { s: '+OK bye\r\n' },
    ]);
    expect(transcript(c)).toEqual(['S: +OK ready', 'C: AUTH PLAIN', 'S: + ', `C: ${resp}`, 'S: -ERR authentication failed', 'C: QUIT', 'S: +OK bye']);
    expect(c.events[2]!.parsed).toEqual({ type: 'challenge', mechanism: 'PLAIN', text: '' });
    expect(c.events[3]!.parsed).toEqual({ type: 'sasl', mechanism: 'PLAIN', cancel: false, length: resp.length });
    expect(c.events[3]!.secrets).toEqual([{ start: 0, end: resp.length, kind: 'sasl' }]);
    expect(c.exchanges[0]!.relatedEvents).toEqual([2, 3]);
    expect(c.auth[0]).toMatchObject({ mechanism: 'PLAIN', outcome: 'failed', frames: [5, 6, 7, 8] });
    expect(c.exchanges.map((x) => x.command)).toEqual(['AUTH', 'QUIT']);
  });

  it('AUTH cancelled with "*"', () => {
    const c = feed([{ s: '+OK\r\n' }, { c: 'AUTH LOGIN\r\n' }, { s: '+ VXNlcm5hbWU6\r\n' }, { c: '*\r\n' }, { s: '-ERR Authentication aborted.\r\n' }]);
    expect(c.auth[0]!.outcome).toBe('cancelled');
    expect(c.events[3]!.parsed).toMatchObject({ type: 'sasl', cancel: true });
    expect(c.events[3]!.secrets).toBeUndefined();
  });

  it('AUTH with no argument: the mechanism list is multi-line; -ERR is single-line', () => {
    const c = feed([
      { s: '+OK\r\n' },
      { c: 'AUTH\r\n' },
      { s: '+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n' },
      { c: 'AUTH\r\n' },
      { s: '-ERR 1 argument required\r\n' },
    ]);
    const list = c.exchanges[0]!.relatedEvents.map((n) => c.events[n]!.parsed);
    expect(list).toEqual([{ type: 'list', of: 'AUTH', name: 'PLAIN' }, { type: 'list', of: 'AUTH', name: 'LOGIN' }, { type: 'end', of: 'AUTH', lines: 2, notKept: 0 }]);
    expect(c.exchanges[1]).toMatchObject({ status: '-ERR', relatedEvents: [] });
    expect(c.auth).toEqual([]);
  });
});

describe('POP3 dissector: CAPA and extensions', () => {
  it('records capabilities per phase and the IMPLEMENTATION', () => {
    const c = feed([
      { s: '+OK lavad\r\n' },
      { c: 'CAPA\r\n' },
      { s: '+OK Capabilities follow.\r\nTOP\r\nUSER\r\nSASL PLAIN LOGIN\r\nPIPELINING\r\nRESP-CODES\r\nIMPLEMENTATION lavad 4.3.0\r\n.\r\n' },
      { c: 'USER a\r\n' },
      { s: '+OK\r\n' },
      { c: 'PASS b\r\n' },
      { s: '+OK\r\n' },
      { c: 'CAPA\r\n' },
      { s: '+OK\r\nTOP\r\n.\r\n' },
    ]);
    expect(c.capabilities).toEqual([
      { phase: 'pre-tls', frame: 6, list: ['TOP', 'USER', 'SASL PLAIN LOGIN', 'PIPELINING', 'RESP-CODES', 'IMPLEMENTATION lavad 4.3.0'] },
      { phase: 'post-auth', frame: 12, list: ['TOP'] },
    ]);
    expect(c.events[5]!.parsed).toEqual({ type: 'list', of: 'CAPA', name: 'SASL', params: ['PLAIN', 'LOGIN'] });
    expect(c.serverSoftware).toEqual({ product: 'Lavabit', source: 'greeting', version: '4.3.0', details: { implementation: 'lavad 4.3.0' } });
  });

  it('an old server without CAPA answers -ERR on one line', () => {
    const c = feed([
      { s: '+OK POP3 server ready\r\n' },
      { c: 'CAPA\r\n' },
      { s: '-ERR Unknown command\r\n' },
      { c: 'USER u\r\n' },
      { s: '+OK\r\n' },
    ]);
    expect(c.exchanges.map((x) => `${x.command} ${x.status}`)).toEqual(['CAPA -ERR', 'USER +OK']);
    expect(c.capabilities).toEqual([]);
  });

  it('parses extended response codes', () => {
    const lines = ['-ERR [IN-USE] locked', '-ERR [LOGIN-DELAY] wait', '-ERR [SYS/TEMP] later', '-ERR [SYS/PERM] never', '-ERR [UTF8] need utf8', '-ERR [AUTH] bad'];
    const steps: Step[] = [{ s: '+OK\r\n' }];
    for (const l of lines) steps.push({ c: 'USER x\r\n' }, { s: `${l}\r\n` });
    const c = feed(steps);
    expect(c.exchanges.map((x) => [x.responseCode, x.responseText])).toEqual([
      ['IN-USE', 'locked'], ['LOGIN-DELAY', 'wait'], ['SYS/TEMP', 'later'], ['SYS/PERM', 'never'], ['UTF8', 'need utf8'], ['AUTH', 'bad'],
    ]);
  });

  it('accepts lower-case commands, knows the non-standard ones, keeps unknown ones', () => {
    const c = feed([
      { s: '+OK\r\n' },
      { c: 'user a\r\n' }, { s: '+OK\r\n' },
      { c: 'pass b\r\n' }, { s: '+OK\r\n' },
      { c: 'retr 1\r\n' }, { s: '+OK\r\nx\r\n.\r\n' },
      { c: 'XSENDER 1\r\n' }, { s: '+OK a@b\r\n' },
      { c: 'LAST\r\n' }, { s: '+OK 0\r\n' },
      { c: 'XTND XMIT\r\n' }, { s: '-ERR unknown\r\n' },
    ]);
    expect(c.exchanges.map((x) => `${x.command}:${x.known}`)).toEqual(['USER:true', 'PASS:true', 'RETR:true', 'XSENDER:true', 'LAST:true', 'XTND:false']);
    expect(codes(c)).toEqual(['unknown-command']);
    expect(c.auth[0]!.user).toBe('a');
  });

  it('flags commands in the wrong state', () => {
    const c = feed([{ s: '+OK\r\n' }, { c: 'STAT\r\n' }, { s: '-ERR not authenticated\r\n' }]);
    expect(codes(c)).toEqual(['command-in-wrong-state']);
  });

  it('pairs pipelined commands in order and flags pipelining not advertised', () => {
    const c = feed([
      { s: '+OK POP server ready H mimap4 0MHoUr\r\n' },
      { c: 'CAPA\r\nQUIT\r\n' },
      { s: '+OK Capability list follows\r\nTOP\r\nUSER\r\nIMPLEMENTATION trinity\r\n.\r\n+OK POP server signing off\r\n' },
    ]);
    expect(c.exchanges.map((x) => `${x.command} ${x.status} ${x.completionEvent}`)).toEqual(['CAPA +OK 3', 'QUIT +OK 8']);
    expect((c.events[2]!.parsed as Pop3Command).pipelined).toBe(true);
    expect(codes(c)).toEqual(['pipelining-without-capability']);
    expect(c.serverSoftware).toMatchObject({ product: 'IONOS', details: { host: 'mimap4', platform: 'trinity', implementation: 'trinity' } });
  });

  it('does not flag pipelining after CAPA advertised PIPELINING', () => {
    const c = feed([
      { s: '+OK\r\n' },
      { c: 'CAPA\r\n' },
      { s: '+OK\r\nPIPELINING\r\n.\r\n' },
      { c: 'USER a\r\nPASS b\r\n' },
      { s: '+OK\r\n+OK\r\n' },
    ]);
    expect(codes(c)).toEqual([]);
    expect(c.auth[0]).toMatchObject({ user: 'a', outcome: 'ok' });
  });

  it('caps kept list lines and counts the rest', () => {
    const lines = Array.from({ length: 600 }, (_, i) => `${i + 1} ${1000 + i}\r\n`).join('');
    const c = feed([{ s: '+OK\r\n' }, { c: 'USER a\r\n' }, { s: '+OK\r\n' }, { c: 'PASS b\r\n' }, { s: '+OK\r\n' }, { c: 'LIST\r\n' }, { s: `+OK\r\n${lines}.\r\n` }]);
    const list = c.exchanges[2]!;
    expect(list.relatedEvents).toHaveLength(501);
    expect(c.events[list.relatedEvents[500]!]!.parsed).toEqual({ type: 'end', of: 'LIST', lines: 600, notKept: 100 });
    expect(c.droppedEvents).toBe(100);
  });
});

describe('POP3 dissector: STLS', () => {
  const hello = new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]);

  it('without a TLS layer: one tls event, encrypted bytes counted', () => {
    const c = feed([
      { s: '+OK Dovecot (Ubuntu) ready.\r\n' },
      { c: 'STLS\r\n' },
      { s: '+OK Begin TLS negotiation now.\r\n' },
      { c: hello },
      { s: new Uint8Array(20) },
    ]);
    expect(transcript(c)).toEqual(['S: +OK Dovecot (Ubuntu) ready.', 'C: STLS', 'S: +OK Begin TLS negotiation now.', 'S[tls]: STLS accepted: the rest of the connection is TLS (not decrypted)']);
    expect(c.transport).toEqual({ security: 'starttls', decrypted: false, compressed: false, encryptedBytes: [10, 20] });
    expect(c.serverSoftware).toEqual({ product: 'Dovecot', source: 'greeting', details: { distribution: 'Ubuntu' } });
    expect(codes(c)).toEqual([]);
  });

  it('flags cleartext after +OK in the same segment and client commands pipelined after STLS', () => {
    const c = feed([
      { s: '+OK\r\n' },
      { c: 'STLS\r\nUSER evil\r\n' },
      { s: '+OK Begin TLS\r\n-ERR injected\r\n' },
    ]);
    expect(codes(c)).toEqual(['starttls-injection', 'starttls-injection']);
    expect(c.anomalies[1]!.detail).toBe('server sent 15 byte(s) after its STLS +OK in the same segment');
    expect(c.transport.encryptedBytes).toEqual([0, 15]);
  });

  it('with a TLS layer: decrypted plaintext is dissected and marked', () => {
    // A stand-in TLS layer whose "decryption" is the identity, after a 10-byte handshake each way.
    const factory: TlsLayerFactory = (_info, sink: PlaintextSink) => {
      const seen: [number, number] = [0, 0];
      const off: [number, number] = [0, 0];
      return {
        data(dir, bytes, meta) {
          const skip = Math.max(0, Math.min(bytes.length, 10 - seen[dir]));
          seen[dir] += bytes.length;
          const plain = bytes.subarray(skip);
          if (plain.length > 0) {
            sink.data(dir, plain, { ...meta, streamOffset: off[dir] });
            off[dir] += plain.length;
          }
        },
        gap() {},
        end() {},
        facts: () => ({ version: 'test' }),
        encryptedBytes: () => [0, 0],
        decrypted: () => true,
      };
    };
    const c = feed([
      { s: '+OK Cyrus POP3 v2.3.16 server ready <1.2@host>\r\n' },
      { c: 'STLS\r\n' },
      { s: '+OK Begin TLS negotiation now\r\n' },
      { c: hello },
      { s: hello },
      { c: 'CAPA\r\n' },
      { s: '+OK\r\nUSER\r\n.\r\n' },
      { c: 'USER u\r\nPASS p\r\n' },
      { s: '+OK\r\n+OK\r\n' },
    ], { tls: factory });
    expect(c.transport).toEqual({ security: 'starttls', decrypted: true, compressed: false, encryptedBytes: [0, 0] });
    expect(c.tls).toEqual({ version: 'test' });
    expect(c.capabilities).toEqual([{ phase: 'post-tls', frame: 10, list: ['USER'] }]);
    expect(c.auth[0]).toMatchObject({ user: 'u', outcome: 'ok', encrypted: true });
    const after = c.events.filter((e) => e.n > 3);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((e) => e.decrypted === true)).toBe(true);
    expect(c.events[0]!.decrypted).toBeUndefined();
    expect(c.serverSoftware).toMatchObject({ product: 'Cyrus', version: '2.3.16' });
  });

  it('implicit TLS: events are marked decrypted and auth encrypted', () => {
    const c = feed([{ s: '+OK\r\n' }, { c: 'USER a\r\n' }, { s: '+OK\r\n' }, { c: 'PASS b\r\n' }, { s: '+OK\r\n' }], { security: 'implicit-tls' });
    expect(c.transport.security).toBe('implicit-tls');
    expect(c.events.every((e) => e.decrypted)).toBe(true);
    expect(c.auth[0]!.encrypted).toBe(true);
  });
});

describe('POP3 dissector: damaged streams', () => {
  it('a gap inside a RETR body: keeps reading to the terminator, body incomplete', () => {
    const c = feed([
      { s: '+OK\r\n' },
      { c: 'RETR 1\r\n' },
      { s: '+OK\r\nline one\r\nli' },
      { gap: 1, length: 100 },
      { s: 'ne after\r\n.\r\n' },
      { c: 'QUIT\r\n' },
      { s: '+OK\r\n' },
    ]);
    const ok = c.events[c.exchanges[0]!.completionEvent!]!;
    expect(ok.literals![0]).toMatchObject({ complete: false, size: 'line one\r\nli\r\nne after\r\n'.length });
    expect((ok.parsed as Pop3Status).body).toEqual({ lines: 3, complete: false });
    expect(c.exchanges[1]).toMatchObject({ command: 'QUIT', status: '+OK' });
    expect(codes(c)).toEqual(['command-in-wrong-state', 'gap']);
    expect(c.events.some((e) => e.kind === 'gap' && e.note === '100 byte(s) missing from the capture')).toBe(true);
  });

  it('a server gap outside a body: resynchronises on the next status line', () => {
    const c = feed([
      { s: '+OK\r\n' },
      { c: 'USER a\r\n' },
      { s: '+OK pass' },
      { gap: 1, length: 30 },
      { s: 'word please\r\n' },
      { c: 'PASS b\r\n' },
      { s: '+OK in\r\n' },
    ]);
    expect(transcript(c)).toEqual(['S: +OK', 'C: USER a', 'S[malformed]: +OK pass', 'S[gap]: 30 byte(s) missing from the capture', 'C: PASS b', 'S[note]: 1 line(s) skipped while resynchronising after the gap', 'S: +OK in']);
    expect(codes(c)).toEqual(['unterminated-line', 'gap', 'pipelining-without-capability']);
  });

  it('the terminator of an answer lost in a gap is recognised', () => {
    const c = feed([
      { s: '+OK\r\n' },
      { c: 'LIST\r\n' },
      { gap: 1, length: 50 },
      { s: '2 200\r\n.\r\n' },
      { c: 'QUIT\r\n' },
      { s: '+OK bye\r\n' },
    ]);
    expect(c.exchanges.map((x) => `${x.command} ${x.status}`)).toEqual(['LIST undefined', 'QUIT +OK']);
    expect(codes(c)).toContain('answer-lost-in-gap');
  });

  it('bare LF line ends are parsed and flagged once per direction', () => {
    const c = feed([{ s: '+OK hi\n' }, { c: 'USER a\n' }, { s: '+OK\n' }]);
    expect(c.exchanges[0]).toMatchObject({ command: 'USER', status: '+OK' });
    expect(codes(c)).toEqual(['bare-lf', 'bare-lf']);
    expect(c.anomalies.map((a) => a.detail)).toEqual(['2 server line(s) ended with a bare LF instead of CRLF', '1 client line(s) ended with a bare LF instead of CRLF']);
    expect(c.events.every((e) => e.bareLf)).toBe(true);
  });

  it('garbled replies are malformed and the next status line still pairs', () => {
    const c = feed([
      { s: '+OK\r\n' },
      { c: 'STAT\r\n' },
      { s: new Uint8Array([0x2b, 0x03, 0x00, 0xfe, 0x78, 0x0a, 0x00, 0x27, 0x0a]) },
      { s: '+OK 1 236\r\n' },
    ]);
    expect(c.events.map((e) => e.kind)).toEqual(['line', 'line', 'malformed', 'malformed', 'line']);
    expect(c.exchanges[0]).toMatchObject({ status: '+OK', responseText: '1 236' });
    expect(codes(c)).toContain('malformed-response');
  });

  it('a list without its terminator ends at the next status line (truncated-response)', () => {
    const c = feed([
      { s: '+OK example.com POP3-Server\r\n' },
      { c: 'LIST\r\n' },
      { s: 'GARBAGE (and LIST response missing .)\r\n' },
      { s: '+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n' },
      { c: 'RETR 1\r\n' },
      { s: '+OK message follows\r\nSubject: x\r\n.\r\n' },
      { c: 'QUIT\r\n' },
      { s: '+OK bye\r\n' },
    ]);
    expect(c.exchanges.map((x) => `${x.command} ${x.status}`)).toEqual(['LIST +OK', 'RETR +OK', 'QUIT +OK']);
    // RETR was not pipelined: the client rightly took the list as ended.
    expect(codes(c)).toEqual(['command-in-wrong-state', 'malformed-response', 'command-in-wrong-state', 'truncated-response']);
    expect((c.events[c.exchanges[1]!.commandEvent]!.parsed as Pop3Command).pipelined).toBeUndefined();
    expect(c.events[c.exchanges[1]!.completionEvent!]!.literals![0]!.complete).toBe(true);
  });

  it('a body cut by the end of the connection is truncated', () => {
    const c = feed([{ s: '+OK\r\n' }, { c: 'RETR 1\r\n' }, { s: '+OK\r\nabc\r\nde' }]);
    const ok = c.events[c.exchanges[0]!.completionEvent!]!;
    expect(ok.literals![0]).toMatchObject({ complete: false, size: 9, head: 'abc\r\nde\r\n' });
    expect(codes(c)).toEqual(['command-in-wrong-state', 'truncated-response']);
  });

  it('an empty or binary client line is malformed, and parsing goes on', () => {
    const c = feed([{ s: '+OK\r\n' }, { c: '\r\n\x01\x02\r\nUSER a\r\n' }, { s: '+OK\r\n' }]);
    expect(c.events.map((e) => e.kind)).toEqual(['line', 'malformed', 'malformed', 'line', 'line']);
    expect(c.exchanges).toHaveLength(1);
  });

  it('a missing greeting (no-greeting) and the first answer pair correctly', () => {
    const c = feed([{ c: 'CAPA\r\n' }, { s: '+OK\r\nUSER\r\n.\r\n' }]);
    expect(c.greeting).toBeUndefined();
    expect(c.exchanges[0]!.status).toBe('+OK');
    expect(codes(c)).toEqual(['no-greeting']);
  });
});
