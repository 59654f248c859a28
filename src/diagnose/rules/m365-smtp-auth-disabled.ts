import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const m365SmtpAuthDisabled = defineRule({
  id: 'm365.smtp-auth-disabled',
  severity: 'error',
  title: 'Microsoft 365 has SMTP AUTH switched off',
  explanation:
    'Exchange Online answered AUTH with `535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant` (or "for the Mailbox"): authenticated SMTP submission is off for the organisation or the mailbox, whatever the password. It is off by default in newer tenants.',
  fix: 'An administrator enables it for the mailbox (`Set-CASMailbox <user> -SmtpClientAuthenticationDisabled $false`, or Microsoft 365 admin center → Mail → Manage email apps → Authenticated SMTP) or the tenant (`Set-TransportConfig -SmtpClientAuthenticationDisabled $false`); security defaults must not block it. Better: OAuth2 (XOAUTH2) or Microsoft Graph.',
  references: ['https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission'],
  check: (conv, ctx) => vendorDrafts(conv, 'm365.smtp-auth-disabled', ctx),
});
