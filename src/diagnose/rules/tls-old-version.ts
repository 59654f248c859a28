import { defineRule } from '../rule.js';
import { tlsOf } from './tls-view.js';

/** TLS 1.2 (RFC 5246); anything below it is deprecated (RFC 8996). */
const TLS_1_2 = 0x0303;
/** SSL 3.0; the range [SSL_3_0, TLS_1_2) is what this rule reports (TLS 1.3 drafts are 0x7fXX). */
const SSL_3_0 = 0x0300;

/** The session negotiated SSL 3.0, TLS 1.0 or TLS 1.1. */
export const tlsOldVersion = defineRule({
  id: 'tls.old-version',
  severity: 'warning',
  title: 'Obsolete TLS version',
  explanation:
    'The connection negotiated SSL 3.0, TLS 1.0 or TLS 1.1. SSL 3.0 is broken (POODLE, RFC 7568) and TLS 1.0 and 1.1 were deprecated in 2021 (RFC 8996): they rely on SHA-1 and MD5 and lack the modern AEAD ciphers. Current clients and servers refuse them by default, so a mail server or client that only speaks them stops working after an update, and where they still connect the session is weaker than it should be. Whether the client or the server held the version back shows in what the client offered.',
  fix: 'Enable TLS 1.2 and TLS 1.3 on the server (Dovecot ssl_min_protocol = TLSv1.2; Exchange/Windows: enable TLS 1.2 in SCHANNEL and .NET) and disable SSL 3.0, TLS 1.0 and 1.1. If the client offered nothing newer, update the client (or its operating system); very old devices may need replacing.',
  references: ['RFC 8996 (deprecating TLS 1.0 and TLS 1.1)', 'RFC 7568 (deprecating SSL 3.0)', 'RFC 9325 §3.1.1 (protocol versions)', 'RFC 8314 §4.1 (mail: TLS 1.2 or later)'],
  check(conv) {
    const t = tlsOf(conv);
    const v = t?.version;
    if (!t || !v || v.code < SSL_3_0 || v.code >= TLS_1_2) return [];
    const offered = t.clientHellos[0]?.versionsOffered.filter((o) => o.code <= 0x0304 && o.code >= SSL_3_0) ?? [];
    const best = offered.reduce<(typeof offered)[number] | undefined>((m, o) => (m === undefined || o.code > m.code ? o : m), undefined);
    const who = best === undefined
      ? ''
      : best.code > v.code
        ? `; the client offered up to ${best.name}, so the server chose the old version`
        : `; the client offered nothing newer`;
    const hello = t.serverHellos.at(-1);
    return [{
      frames: [hello?.frame ?? conv.firstFrame],
      message: `The connection negotiated ${v.name}, which is obsolete (${v.code === SSL_3_0 ? 'RFC 7568' : 'RFC 8996'})${who}.`,
      args: { version: v.name, clientMax: best?.name ?? '' },
    }];
  },
});
