import { describe, expect, it } from 'vitest';
import { softwareFromGreeting, softwareFromImplementation } from '../../../src/protocols/pop3/server-software.js';
import { codes, feed } from './feed.js';

describe('POP3 server software from the greeting', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['Microsoft Exchange Server 2003 POP3 server version 6.5.7638.1 (mail.example.com) ready.', 'Microsoft Exchange', '2003'],
    ['The Microsoft Exchange POP3 service is ready.', 'Microsoft Exchange', undefined],
    ['Dovecot (Ubuntu) ready.', 'Dovecot', undefined],
    ['Dovecot ready.', 'Dovecot', undefined],
    ['ladymacbeth.local Cyrus POP3 v2.3.16 server ready <1.2@x>', 'Cyrus', '2.3.16'],
    ['Hello there.', 'Courier', undefined],
    ['Qpopper (version 4.1.0) at mail.example.com starting.  <1.2@mail>', 'Qpopper', '4.1.0'],
    ['Gpop ready for requests from 198.51.100.7 k12mb123456', 'Gmail', undefined],
    ['POP server ready H migmxus005', 'GMX', undefined],
    ['POP server ready H mieueus020 1Mw7UO-1j88qA02mS-00sOH0', 'IONOS', undefined],
    ['Welcome to coremail Mail Pop3 Server (163coms[10774b260cc7a37d26d71b52404dcf5cs])', 'Coremail', undefined],
    ['\u00d3\u00ca CMailServer 5.2 POP3 Service Ready', 'CMailServer', '5.2'],
    ['ipvision.com.ar POP MDaemon 7.2.0 ready <MDAEMON-F2005@ipvision.com.ar>', 'MDaemon', '7.2.0'],
    ['hello from popgate(2.27.5)', 'Yahoo popgate', '2.27.5'],
    ['lavad', 'Lavabit', undefined],
  ];
  for (const [text, product, version] of cases) {
    it(`${product}: ${text}`, () => {
      const sw = softwareFromGreeting(text);
      expect(sw?.product).toBe(product);
      expect(sw?.version).toBe(version);
      expect(sw?.source).toBe('greeting');
    });
  }

  it('decodes the Exchange back-end FQDN (base64 UTF-16LE)', () => {
    const blob = Buffer.from('FR3P281CA0157.DEUP281.PROD.OUTLOOK.COM', 'utf16le').toString('base64');
    expect(softwareFromGreeting(`The Microsoft Exchange POP3 service is ready. [${blob}]`)?.details).toEqual({ backend: 'FR3P281CA0157.DEUP281.PROD.OUTLOOK.COM' });
  });

  it('knows nothing of a bare greeting', () => {
    expect(softwareFromGreeting('POP3 ready')).toBeUndefined();
  });

  it('reads a CAPA IMPLEMENTATION line', () => {
    expect(softwareFromImplementation('Cyrus POP3 v2.4.17-Invoca-RPM')).toMatchObject({ product: 'Cyrus', version: '2.4.17-Invoca-RPM', source: 'capability' });
    expect(softwareFromImplementation('ExampleMail 3.1.4 beta')).toEqual({ product: 'ExampleMail', version: '3.1.4', source: 'capability' });
  });
});

describe('POP3 RFC 6856 commands', () => {
  it('LANG without argument is multi-line, UTF8 single-line', () => {
    const c = feed([
      { s: '+OK\r\n' },
      { c: 'UTF8\r\n' }, { s: '+OK I can speak UTF-8 too\r\n' },
      { c: 'LANG\r\n' }, { s: '+OK Language listing follows:\r\nen English\r\nfr Francais\r\n.\r\n' },
      { c: 'LANG fr\r\n' }, { s: '+OK fr Bienvenue\r\n' },
    ]);
    expect(c.exchanges.map((x) => `${x.command} ${x.status} ${x.relatedEvents.length}`)).toEqual(['UTF8 +OK 0', 'LANG +OK 3', 'LANG +OK 0']);
    expect(c.events[c.exchanges[1]!.relatedEvents[0]!]!.parsed).toEqual({ type: 'list', of: 'LANG', name: 'en', params: ['English'] });
    expect(codes(c)).toEqual([]);
  });
});
