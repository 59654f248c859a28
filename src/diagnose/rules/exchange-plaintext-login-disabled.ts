import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const exchangePlaintextLoginDisabled = defineRule({
  id: 'exchange.plaintext-login-disabled',
  severity: 'error',
  title: 'Exchange refuses cleartext login',
  explanation:
    'Exchange (2007 and later) uses LoginType SecureLogin by default: LOGIN (or USER/PASS) on a connection that is not encrypted is refused with a bare `NO LOGIN failed.`, which looks like a wrong password. The server advertises LOGINDISABLED before STARTTLS, but many clients (famously the iPhone on port 143) ignore it.',
  fix: 'Best: set the client to SSL/TLS on 993 (or STARTTLS on 143). If cleartext on 143 is really wanted: `Set-ImapSettings -LoginType PlainTextLogin` (`Set-PopSettings` for POP3), then restart the Microsoft Exchange IMAP4 service.',
  references: ['https://learn.microsoft.com/powershell/module/exchange/set-imapsettings', 'https://learn.microsoft.com/exchange/clients/pop3-and-imap4/configure-authenticated-smtp'],
  verdict: { cause: 'Exchange refuses LOGIN without TLS (LoginType SecureLogin), though it says only "LOGIN failed."', fix: 'set the client to SSL/TLS on 993 or STARTTLS on 143' },
  check: (conv, ctx) => vendorDrafts(conv, 'exchange.plaintext-login-disabled', ctx),
});
