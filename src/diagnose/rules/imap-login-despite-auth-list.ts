import { defineRule, type FindingDraft } from '../rule.js';
import { capabilitiesAt, exchangeEvents, exchangeFrames } from '../view.js';

const PASSWORD_MECHANISMS = new Set(['PLAIN', 'LOGIN']);

export const imapLoginDespiteAuthList = defineRule({
  id: 'imap.login-despite-auth-list',
  severity: 'info',
  title: 'LOGIN accepted although only other mechanisms were listed',
  explanation:
    'The server listed only mechanisms such as AUTH=NTLM or AUTH=GSSAPI, yet accepted LOGIN. That is correct: LOGIN is always allowed unless the server advertises LOGINDISABLED; the AUTH= list only concerns AUTHENTICATE. A client that refuses to try LOGIN because PLAIN is not listed is wrong.',
  fix: 'Nothing to fix; useful to know when one client logs in and another does not.',
  references: ['RFC 9051 §6.2.3 (LOGIN, LOGINDISABLED)', 'RFC 3501 §6.2.3'],
  live: true,
  check(conv) {
    if (conv.protocol !== 'imap') return [];
    const out: FindingDraft[] = [];
    for (const a of conv.auth) {
      if (a.method !== 'LOGIN' || a.outcome !== 'ok') continue;
      const ex = conv.exchanges[a.exchange];
      if (!ex) continue;
      const caps = capabilitiesAt(conv, ex.commandFrame);
      if (!caps || caps.list.has('LOGINDISABLED')) continue;
      const mechs = [...caps.list].filter((c) => c.startsWith('AUTH=')).map((c) => c.slice(5));
      if (mechs.length === 0 || mechs.some((m) => PASSWORD_MECHANISMS.has(m))) continue;
      out.push({
        frames: exchangeFrames(ex),
        events: exchangeEvents(ex),
        message: `The server listed only ${mechs.map((m) => `AUTH=${m}`).join(', ')} but accepted LOGIN, as it may: LOGIN is allowed unless LOGINDISABLED is advertised.`,
        args: { mechanisms: mechs.join(' ') },
      });
    }
    return out;
  },
});
