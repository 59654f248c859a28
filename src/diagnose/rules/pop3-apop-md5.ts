import { defineRule } from '../rule.js';
import { exchangeEvents, exchangeFrames } from '../view.js';

export const pop3ApopMd5 = defineRule({
  id: 'pop3.apop-md5',
  severity: 'warning',
  title: 'APOP relies on MD5',
  explanation:
    'APOP proves the password with MD5(timestamp + password). The password is not sent, but the digest can be attacked offline from a capture like this one, and MD5 collisions allow recovering APOP passwords from an active attacker (Leurent 2007). The user name travels in the clear.',
  fix: 'Use TLS (995 or STLS) with USER/PASS or SASL, or a modern SASL mechanism (SCRAM-SHA-256); disable APOP on the server.',
  references: ['RFC 1939 §7 (APOP)', 'G. Leurent, "Message Freedom in MD4 and MD5 Collisions: Application to APOP" (FSE 2007)'],
  live: true,
  check(conv) {
    if (conv.protocol !== 'pop3') return [];
    return conv.auth.filter((a) => a.method === 'APOP').slice(0, 4).map((a) => {
      const ex = conv.exchanges[a.exchange];
      return {
        frames: ex ? exchangeFrames(ex) : a.frames,
        events: ex ? exchangeEvents(ex) : [],
        message: `APOP${a.user !== undefined ? ` for "${a.user}"` : ''}${a.encrypted ? '' : ' without TLS'}: the MD5 digest in this capture can be attacked offline.`,
        args: { user: a.user ?? '', encrypted: a.encrypted },
      };
    });
  },
});
