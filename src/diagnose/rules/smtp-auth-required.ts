import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const smtpAuthRequired = defineRule({
  id: 'smtp.auth-required',
  severity: 'error',
  title: 'The server wants AUTH before mail',
  explanation:
    'The server accepts mail on this port only from authenticated clients, and the client sent MAIL FROM without logging in (or after a failed AUTH): Exchange\'s `530 5.7.57 Client not authenticated to send mail`, RFC 4954\'s `530 5.7.0 Authentication required`.',
  fix: 'Turn on "outgoing server requires authentication" in the client, with the mailbox\'s user name and password (or OAuth2), on port 587 with STARTTLS or 465 with TLS.',
  references: ['RFC 4954 §6', 'RFC 6409 §4.3', 'https://learn.microsoft.com/exchange/mail-flow-best-practices/how-to-set-up-a-multifunction-device-or-application-to-send-email-using-microsoft-365-or-office-365'],
  check: (conv, ctx) => vendorDrafts(conv, 'smtp.auth-required', ctx),
});
