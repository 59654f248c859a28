import { defineRule } from '../rule.js';
import { loginDisabledIgnoredDrafts } from '../checks/login-disabled-ignored.js';

export const pop3LoginDisabledIgnored = defineRule({
  id: 'pop3.login-disabled-ignored',
  severity: 'warning',
  title: 'Cleartext USER/PASS although the server did not offer it',
  explanation:
    'The server\'s CAPA did not list USER (so USER/PASS is not available at this point, typically until STLS), or the server had already refused cleartext login, yet the client sent USER/PASS anyway: the login cannot work, and the password crossed the network unprotected.',
  fix: 'Configure the client to use STLS (or port 995) and to read the CAPA list. Change the password if the network is not trusted.',
  references: ['RFC 2449 §6.8 (USER capability)', 'RFC 2595 §4 (STLS)'],
  live: true,
  check: (conv) => (conv.protocol === 'pop3' ? loginDisabledIgnoredDrafts(conv) : []),
});
