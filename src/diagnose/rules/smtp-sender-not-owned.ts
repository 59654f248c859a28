import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const smtpSenderNotOwned = defineRule({
  id: 'smtp.sender-not-owned',
  severity: 'error',
  title: 'Sender address not allowed for this login',
  explanation:
    'The client authenticated, but the server refused the sender address because that user may not send as it: Postfix\'s `553 5.7.1 <address>: Sender address rejected: not owned by user <login>` (reject_sender_login_mismatch, answered to RCPT TO), Exchange\'s `550 5.7.60 Client does not have permissions to send as this sender`.',
  fix: 'Send from the address of the account that logs in (the client\'s identity / From address), or have the administrator allow that address for the user (Postfix smtpd_sender_login_maps, Exchange Send As permission).',
  references: ['https://www.postfix.org/postconf.5.html#reject_sender_login_mismatch', 'RFC 3463 §3.8'],
  check: (conv, ctx) => vendorDrafts(conv, 'smtp.sender-not-owned', ctx),
});
