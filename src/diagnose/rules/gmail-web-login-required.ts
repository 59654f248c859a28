import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const gmailWebLoginRequired = defineRule({
  id: 'gmail.web-login-required',
  severity: 'error',
  title: 'Gmail wants a browser sign-in',
  explanation:
    'Google blocked the sign-in (`Please log in via your web browser`, `[WEBALERT ...] Web login required`): it looked suspicious or came from an app Google considers less secure. Since less-secure-app access was removed, only app passwords and OAuth2 work for password-less clients.',
  fix: 'Sign in through the URL given, then switch the client to an app password or OAuth2.',
  references: ['https://support.google.com/mail/accounts/answer/78754'],
  check: (conv, ctx) => vendorDrafts(conv, 'gmail.web-login-required', ctx),
});
