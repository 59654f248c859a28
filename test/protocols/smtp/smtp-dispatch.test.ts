import { describe, expect, it } from 'vitest';
import type { Conversation } from '../../../src/model/conversation.js';
import { Dispatcher, guessFromServerBytes } from '../../../src/protocols/dispatch.js';
import type { Direction } from '../../../src/tcp/stream.js';
import { closedSummary, testConnection } from '../../helpers/connection.js';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

describe('dispatch: SMTP', () => {
  it('recognises an SMTP greeting by its first line (220, then SMTP or ESMTP anywhere in it)', () => {
    expect(guessFromServerBytes(bytes('220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n'))).toBe('smtp');
    expect(guessFromServerBytes(bytes('220-mx.google.com ESMTP ready\r\n220 more\r\n'))).toBe('smtp');
    expect(guessFromServerBytes(bytes('220 AM0PR01CA0123.outlook.office365.com Microsoft ESMTP MAIL Service ready\r\n'))).toBe('smtp');
    // An FTP greeting is a 220 too, but does not say SMTP.
    expect(guessFromServerBytes(bytes('220 ProFTPD Server (Debian) [::ffff:10.0.0.1]\r\n'))).toBeUndefined();
    expect(guessFromServerBytes(bytes('220 mail ready\r\n221 ESMTP\r\n'))).toBeUndefined();
  });

  const run = (port: number, extraPorts: number[], server: string[], client: string[]): Conversation => {
    let out: Conversation | undefined;
    const d = new Dispatcher({ extraPorts, onConversation: (c) => (out = c) });
    const conn = testConnection({ client: { ip: '192.0.2.1', port: 40000 }, server: { ip: '192.0.2.2', port } });
    const h = d.open(conn)!;
    let frame = 3;
    const off: [number, number] = [0, 0];
    const send = (dir: Direction, s: string): void => {
      frame++;
      const b = bytes(s);
      h.data(dir, b, { streamOffset: off[dir], firstFrame: frame, lastFrame: frame, ts: 1000 + frame / 100 });
      off[dir] += b.length;
    };
    for (let i = 0; i < Math.max(server.length, client.length); i++) {
      if (server[i] !== undefined) send(1, server[i]!);
      if (client[i] !== undefined) send(0, client[i]!);
    }
    h.close(closedSummary({ lastFrame: frame + 1, endTs: 1000 + (frame + 1) / 100, bytes: off }));
    return out!;
  };

  it('25 and 587 are SMTP from the first packet', () => {
    for (const port of [25, 587]) {
      const c = run(port, [], ['220 mx ESMTP\r\n', '250 mx\r\n'], ['EHLO a\r\n']);
      expect(c.protocol).toBe('smtp');
      expect(c.exchanges.map((x) => x.status)).toEqual(['250']);
    }
  });

  it('on an extra port, a greeting split over segments is still read to its LF before deciding', () => {
    const c = run(2525, [2525], ['220 mail.example.org', ' ESMTP Postfix\r\n', '250 ok\r\n'], ['EHLO a\r\n']);
    expect(c.protocol).toBe('smtp');
    expect(c.greeting?.text).toBe('mail.example.org ESMTP Postfix');
  });
});
