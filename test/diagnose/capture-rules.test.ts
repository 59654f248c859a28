import { describe, expect, it } from 'vitest';
import { Diagnoser } from '../../src/diagnose/diagnose.js';
import { ConversationBuilder } from '../../src/protocols/conversation-builder.js';
import { imap, type Step } from './helpers.js';

const EX2003: Step = ['S', '* OK Microsoft Exchange Server 2003 IMAP4rev1 server version 6.5.7638.1 (mail.example.com) ready.'];

describe('IMAP capture-level rules: the founding story', () => {
  it('the phone failing 3 times beside Thunderbird succeeding: repeated failure and the contrast', () => {
    const d = new Diagnoser();
    for (let id = 1; id <= 3; id++) {
      d.conversation(imap([EX2003, ['C', 'A128 AUTH CORP\\jdoe Secr3t!pw'], ['S', 'A128 BAD Protocol Error: "Expected SPACE not found".']], { id, clientIp: '192.0.2.50' }));
    }
    d.conversation(imap([
      EX2003, ['C', '1 capability'], ['S', '* CAPABILITY IMAP4rev1 AUTH=NTLM'], ['S', '1 OK CAPABILITY completed.'],
      ['C', '2 login "CORP\\\\jdoe" "Secr3t!pw"'], ['S', '2 OK LOGIN completed.'], ['C', '3 logout'], ['S', '* BYE'], ['S', '3 OK'],
    ], { id: 4, clientIp: '192.0.2.60' }));
    const f = d.finish();
    expect(f.map((x) => x.id)).toEqual(['imap.repeated-login-failure', 'auth.contrast-with-working-session']);
    const rep = f[0]!;
    expect(rep.args.failures).toBe(3);
    expect(rep.message).toContain('192.0.2.50');
    const contrast = f[1]!;
    expect(contrast.args.failed).toBe(1);
    expect(contrast.args.worked).toBe(4);
    expect(contrast.message).toContain('the failing client used AUTH, the working one LOGIN');
    expect(contrast.message).toContain('never asked CAPABILITY');
    for (const x of f) expect(x.message).not.toContain('Secr3t');
  });

  it('a capture with only working logins has no capture-level finding', () => {
    const d = new Diagnoser();
    d.conversation(imap([EX2003, ['C', '1 login "jdoe" "pw12345"'], ['S', '1 OK'], ['C', '2 logout'], ['S', '* BYE'], ['S', '2 OK']]));
    expect(d.finish()).toEqual([]);
  });
});

describe('internal findings', () => {
  it('internal.dissector-exception from the dispatcher\'s anomaly', () => {
    const b = new ConversationBuilder({ id: 3, client: { ip: '192.0.2.1', port: 5000 }, server: { ip: '192.0.2.2', port: 143 }, roleSource: 'syn', firstFrame: 1, startTs: 0, sawSyn: false, vlans: [] }, 'imap');
    b.anomaly('dissector-exception', 42, undefined, 'TypeError: boom');
    const f = new Diagnoser().conversation(b.conv);
    expect(f.map((x) => x.id)).toEqual(['internal.dissector-exception']);
    expect(f[0]!.frames).toEqual([42]);
    expect(f[0]!.message).toContain('TypeError: boom');
  });
});
