import { describe, expect, it } from 'vitest';
import type { SmtpCommand, SmtpReply } from '../../../src/protocols/smtp/types.js';
import { codes, feedSmtp, memorySink, transcript } from './feed.js';

const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');

const EHLO_REPLY = '250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 CHUNKING\r\n';

describe('SMTP dissector', () => {
  it('a submission: greeting, EHLO extensions, AUTH PLAIN with an initial response, the envelope, DATA with dot-stuffing, QUIT', () => {
    const sink = memorySink();
    const c = feedSmtp([
      { s: '220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n' },
      { c: 'EHLO laptop\r\n' },
      { s: EHLO_REPLY },
      { c: `AUTH PLAIN ${b64('\0alice\0s3cret')}\r\n` },
      { s: '235 2.7.0 Authentication successful\r\n' },
      { c: 'MAIL FROM:<alice@example.org> SIZE=70 BODY=8BITMIME\r\n' },
      { s: '250 2.1.0 Ok\r\n' },
      { c: 'RCPT TO:<bob@example.net> NOTIFY=SUCCESS,FAILURE\r\n' },
      { s: '250 2.1.5 Ok\r\n' },
      { c: 'DATA\r\n' },
      { s: '354 End data with <CR><LF>.<CR><LF>\r\n' },
      { c: 'Subject: hi\r\n\r\n..leading dot\r\nbye\r\n.\r\n' },
      { s: '250 2.0.0 Ok: queued as 4ABC\r\n' },
      { c: 'QUIT\r\n' },
      { s: '221 2.0.0 Bye\r\n' },
    ], { content: sink });
    expect(c.protocol).toBe('smtp');
    expect(c.greeting).toEqual({ event: 0, status: '220', text: 'mail.example.org ESMTP Postfix (Debian/GNU)' });
    expect(c.serverSoftware?.product).toBe('Postfix');
    expect(c.capabilities).toEqual([{ phase: 'pre-tls', frame: 6, list: ['PIPELINING', 'SIZE 1000', 'AUTH PLAIN LOGIN', 'ENHANCEDSTATUSCODES', '8BITMIME', 'CHUNKING'] }]);
    expect(c.exchanges.map((x) => [x.command, x.status, x.responseCode ?? ''])).toEqual([
      ['EHLO', '250', ''], ['AUTH', '235', '2.7.0'], ['MAIL', '250', '2.1.0'], ['RCPT', '250', '2.1.5'], ['DATA', '250', '2.0.0'], ['QUIT', '221', '2.0.0'],
    ]);
    expect(c.exchanges[4]!.responseText).toBe('Ok: queued as 4ABC');
    expect(c.auth).toHaveLength(1);
    expect(c.auth[0]).toMatchObject({ method: 'AUTH', mechanism: 'PLAIN', user: 'alice', outcome: 'ok', encrypted: false, responseCode: '2.7.0' });
    expect(c.auth[0]!.secret).toMatchObject({ kind: 'password', length: 6 });
    // The initial response is marked secret on the command line.
    const auth = c.events[c.exchanges[1]!.commandEvent]!;
    expect(auth.secrets).toEqual([{ start: 11, end: auth.raw.length, kind: 'sasl' }]);
    expect((auth.parsed as SmtpCommand).args).toBe('PLAIN <initial-response>');
    const mail = c.events[c.exchanges[2]!.commandEvent]!.parsed as SmtpCommand;
    expect(mail.path).toEqual({ address: 'alice@example.org', params: { SIZE: '70', BODY: '8BITMIME' } });
    // The content: dot-unstuffed, streamed with its envelope; its size on the DATA event.
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.bytes).toBe('Subject: hi\r\n\r\n.leading dot\r\nbye\r\n');
    expect(sink.messages[0]!.start).toMatchObject({ protocol: 'smtp', side: 'C', context: 'DATA', envelope: { from: 'alice@example.org', to: ['bob@example.net'] } });
    expect(sink.messages[0]!.end).toMatchObject({ complete: true, received: 34 });
    const data = c.events[c.exchanges[4]!.commandEvent]!;
    expect(data.literals).toMatchObject([{ form: 'body', size: 34, complete: true }]);
    expect(transcript(c).filter((l) => l.startsWith('C:'))).toEqual([
      'C: EHLO laptop', `C: AUTH PLAIN ${b64('\0alice\0s3cret')}`, 'C: MAIL FROM:<alice@example.org> SIZE=70 BODY=8BITMIME', 'C: RCPT TO:<bob@example.net> NOTIFY=SUCCESS,FAILURE', 'C: DATA', 'C: .', 'C: QUIT',
    ]);
    expect(c.state).toBe('QUIT');
    expect(c.anomalies).toEqual([]);
  });

  it('AUTH LOGIN refused: the 334 challenges belong to the AUTH exchange, the user and password are decoded, the multi-line 535 is one reply', () => {
    const c = feedSmtp([
      { s: '220 smtp.gmail.com ESMTP a1sm1234567wrx.12 - gsmtp\r\n' },
      { c: 'EHLO [192.168.1.5]\r\n' },
      { s: '250-smtp.gmail.com at your service\r\n250-AUTH LOGIN PLAIN XOAUTH2\r\n250 ENHANCEDSTATUSCODES\r\n' },
      { c: 'AUTH LOGIN\r\n' },
      { s: `334 ${b64('Username:')}\r\n` },
      { c: `${b64('alice@gmail.com')}\r\n` },
      { s: `334 ${b64('Password:')}\r\n` },
      { c: `${b64('wrong')}\r\n` },
      { s: '535-5.7.8 Username and Password not accepted. For more information, go to\r\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials a1sm1234567wrx.12 - gsmtp\r\n' },
    ]);
    expect(c.serverSoftware?.product).toBe('Gmail');
    const ex = c.exchanges[1]!;
    expect(ex).toMatchObject({ command: 'AUTH', status: '535', responseCode: '5.7.8' });
    expect(ex.responseText).toBe('Username and Password not accepted. For more information, go to https://support.google.com/mail/?p=BadCredentials a1sm1234567wrx.12 - gsmtp');
    expect(ex.relatedEvents).toHaveLength(6);
    expect(c.auth[0]).toMatchObject({ mechanism: 'LOGIN', user: 'alice@gmail.com', outcome: 'failed', responseCode: '5.7.8' });
    expect(c.auth[0]!.secret).toMatchObject({ kind: 'password', length: 5 });
    const sasl = c.events.filter((e) => (e.parsed as { type?: string }).type === 'sasl');
    expect(sasl.map((e) => e.secrets)).toEqual([[{ start: 0, end: 20, kind: 'sasl' }], [{ start: 0, end: 8, kind: 'sasl' }]]);
    expect(c.events.filter((e) => (e.parsed as SmtpReply).challenge).length).toBe(2);
  });

  it('PIPELINING: replies to a group of commands are paired in order; none is flagged when the server advertised it', () => {
    const sink = memorySink();
    const c = feedSmtp([
      { s: '220 mx ESMTP\r\n' },
      { c: 'EHLO a\r\n' },
      { s: EHLO_REPLY },
      { c: 'MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@z>\r\nDATA\r\n' },
      { s: '250 2.1.0 Ok\r\n554 5.7.1 <c@z>: Relay access denied\r\n250 2.1.5 Ok\r\n' },
      { s: '354 go\r\n' },
      { c: 'x\r\n.\r\n' },
      { s: '250 ok\r\n' },
    ], { content: sink });
    expect(c.exchanges.map((x) => `${x.command}:${x.status}`)).toEqual(['EHLO:250', 'MAIL:250', 'RCPT:554', 'RCPT:250', 'DATA:250']);
    expect(c.exchanges[2]!.responseText).toBe('<c@z>: Relay access denied');
    expect(c.events.filter((e) => (e.parsed as SmtpCommand).pipelined).map((e) => e.raw)).toEqual(['RCPT TO:<b@y>', 'RCPT TO:<c@z>', 'DATA']);
    expect(codes(c)).toEqual([]);
    // The refused recipient is not in the envelope.
    expect(sink.messages[0]!.start.envelope).toEqual({ from: 'a@x', to: ['c@z'] });
  });

  it('pipelining without the extension, and a client talking before the greeting, are anomalies', () => {
    const c = feedSmtp([
      { c: 'EHLO early\r\n' },
      { s: '220 mx ESMTP\r\n' },
      { s: '250 mx\r\n' },
      { c: 'MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n' },
      { s: '250 ok\r\n250 ok\r\n' },
    ]);
    expect(codes(c)).toEqual(['early-talker', 'pipelining-without-capability']);
    expect(c.exchanges.map((x) => `${x.command}:${x.status}`)).toEqual(['EHLO:250', 'MAIL:250', 'RCPT:250']);
    expect(c.greeting?.status).toBe('220');
  });

  it('DATA refused (no valid recipients): the next client lines are commands again', () => {
    const c = feedSmtp([
      { s: '220 mx ESMTP\r\n' },
      { c: 'HELO a\r\n' },
      { s: '250 mx\r\n' },
      { c: 'MAIL FROM:<a@x>\r\n' },
      { s: '250 ok\r\n' },
      { c: 'DATA\r\n' },
      { s: '554 5.5.1 Error: no valid recipients\r\n' },
      { c: 'QUIT\r\n' },
      { s: '221 bye\r\n' },
    ]);
    expect(c.exchanges.map((x) => `${x.command}:${x.status}`)).toEqual(['HELO:250', 'MAIL:250', 'DATA:554', 'QUIT:221']);
  });

  it('BDAT chunks (CHUNKING) make one message; the bytes are not parsed as commands', () => {
    const sink = memorySink();
    const c = feedSmtp([
      { s: '220 mx ESMTP\r\n' },
      { c: 'EHLO a\r\n' },
      { s: EHLO_REPLY },
      { c: 'MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT 11\r\nQUIT\r\n.\r\nab' },
      { c: 'BDAT 3 LAST\r\nxyz' },
      { s: '250 ok\r\n250 ok\r\n250 2.0.0 11 octets received\r\n250 2.0.0 Message accepted\r\n' },
      { c: 'QUIT\r\n' },
      { s: '221 bye\r\n' },
    ], { content: sink });
    expect(c.exchanges.map((x) => `${x.command}:${x.status}`)).toEqual(['EHLO:250', 'MAIL:250', 'RCPT:250', 'BDAT:250', 'BDAT:250', 'QUIT:221']);
    expect(sink.messages.map((m) => [m.bytes, m.end?.complete, m.start.context])).toEqual([['QUIT\r\n.\r\nabxyz', true, 'BDAT']]);
    expect((c.events[c.exchanges[3]!.commandEvent]!.parsed as SmtpCommand).chunk).toEqual({ size: 11, last: false });
    expect(c.state).toBe('QUIT');
  });

  it('STARTTLS: the rest is TLS; cleartext commands sent after STARTTLS before the reply are injection', () => {
    const c = feedSmtp([
      { s: '220 mx ESMTP\r\n' },
      { c: 'EHLO a\r\n' },
      { s: '250-mx\r\n250 STARTTLS\r\n' },
      { c: 'STARTTLS\r\nMAIL FROM:<evil@x>\r\n' },
      { s: '220 2.0.0 Ready to start TLS\r\n\x16\x03\x01\x00\x02ab' },
      { c: '\x16\x03\x01\x00\x02cd' },
    ]);
    expect(c.transport.security).toBe('starttls');
    expect(c.events.some((e) => e.kind === 'tls')).toBe(true);
    expect(codes(c)).toEqual(['starttls-injection', 'starttls-injection']);
    expect(c.transport.encryptedBytes).toEqual([7, 7]);
  });

  it('a message larger than the advertised SIZE, refused with 552', () => {
    const big = 'x'.repeat(1200);
    const c = feedSmtp([
      { s: '220 mx ESMTP\r\n' },
      { c: 'EHLO a\r\n' },
      { s: EHLO_REPLY },
      { c: 'MAIL FROM:<a@x> SIZE=1300\r\n' },
      { s: '552 5.3.4 Message size exceeds fixed limit\r\n' },
      { c: 'MAIL FROM:<a@x>\r\n' },
      { s: '250 ok\r\n' },
      { c: 'RCPT TO:<b@y>\r\n' },
      { s: '250 ok\r\n' },
      { c: 'DATA\r\n' },
      { s: '354 go\r\n' },
      { c: `${big}\r\n.\r\n` },
      { s: '552 5.3.4 Error: message file too big\r\n' },
    ]);
    expect(c.anomalies.filter((a) => a.code === 'size-exceeded').map((a) => a.detail)).toEqual([
      'MAIL FROM declared SIZE=1300; the server advertised SIZE 1000',
      'the message has 1202 octets; the server advertised SIZE 1000',
    ]);
    expect(c.exchanges.map((x) => `${x.command}:${x.status}`)).toEqual(['EHLO:250', 'MAIL:552', 'MAIL:250', 'RCPT:250', 'DATA:552']);
  });

  it('a gap inside DATA content leaves the message incomplete and the dialogue in step', () => {
    const sink = memorySink();
    const c = feedSmtp([
      { s: '220 mx ESMTP\r\n' },
      { c: 'HELO a\r\n' },
      { s: '250 mx\r\n' },
      { c: 'MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n' },
      { s: '250 ok\r\n250 ok\r\n354 go\r\n' },
      { c: 'line one\r\nli' },
      { gap: 0, length: 100 },
      { c: 'ne three\r\n.\r\nQUIT\r\n' },
      { s: '250 ok\r\n221 bye\r\n' },
    ], { content: sink });
    expect(c.exchanges.map((x) => `${x.command}:${x.status}`)).toEqual(['HELO:250', 'MAIL:250', 'RCPT:250', 'DATA:250', 'QUIT:221']);
    expect(sink.messages[0]!.end).toMatchObject({ complete: false, cut: 'damaged' });
  });

  it('a 421 without a command is unsolicited; garbage from the server is malformed', () => {
    const c = feedSmtp([
      { s: '220 mx ESMTP\r\n' },
      { s: 'hello?\r\n421 4.4.2 mx Error: timeout exceeded\r\n' },
    ]);
    expect(codes(c)).toEqual(['malformed-reply', 'unsolicited-reply']);
  });
});
