import { defineRule } from '../rule.js';
import { loginDisabledIgnoredDrafts } from '../checks/login-disabled-ignored.js';

export const imapLoginDisabledIgnored = defineRule({
  id: 'imap.login-disabled-ignored',
  severity: 'warning',
  title: 'LOGIN although the server advertised LOGINDISABLED',
  explanation:
    'The server announced LOGINDISABLED (no LOGIN on this unencrypted connection), or had already refused cleartext login, and the client sent LOGIN anyway: the login cannot work, and the password crossed the network unprotected for nothing. This is the classic iPhone-on-port-143 against Exchange story.',
  fix: 'Configure the client for TLS (993, or STARTTLS on 143). Change the password if the network is not trusted.',
  references: ['RFC 9051 §6.2.3 (LOGINDISABLED)', 'RFC 3501 §6.2.3'],
  live: true,
  check: (conv) => (conv.protocol === 'imap' ? loginDisabledIgnoredDrafts(conv) : []),
});
