import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const gmailTooManyConnections = defineRule({
  id: 'gmail.too-many-connections',
  severity: 'error',
  title: 'Gmail: too many simultaneous connections',
  explanation:
    'Gmail limits simultaneous IMAP connections per account (about 15); this one was refused.',
  fix: 'Close other mail clients or reduce the number of connections each client opens.',
  references: ['https://support.google.com/mail/answer/7126229'],
  check: (conv, ctx) => vendorDrafts(conv, 'gmail.too-many-connections', ctx),
});
