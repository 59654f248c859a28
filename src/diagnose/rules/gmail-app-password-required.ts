import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const gmailAppPasswordRequired = defineRule({
  id: 'gmail.app-password-required',
  severity: 'error',
  title: 'Gmail wants an app password',
  explanation:
    'The Google account has 2-Step Verification, so IMAP/POP refuses its normal password (`[ALERT] Application-specific password required`).',
  fix: 'Create an app password in the Google Account (Security \u2192 App passwords) and use it in the client, or switch the client to OAuth2 (XOAUTH2, scope https://mail.google.com/).',
  references: ['https://support.google.com/accounts/answer/185833'],
  check: (conv, ctx) => vendorDrafts(conv, 'gmail.app-password-required', ctx),
});
