import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const m365BasicAuthDisabled = defineRule({
  id: 'm365.basic-auth-disabled',
  severity: 'error',
  title: 'Microsoft 365 refuses basic authentication',
  explanation:
    'Exchange Online switched off basic authentication (password logins: LOGIN, USER/PASS, AUTH PLAIN/LOGIN) for IMAP and POP in October 2022. The refusal (`NO LOGIN failed.`, `NO AUTHENTICATE failed.`) looks like a wrong password. With XOAUTH2 the same reply means the token was refused (audience, scope, permissions).',
  fix: 'Use OAuth2 (SASL XOAUTH2) with scope https://outlook.office.com/IMAP.AccessAsUser.All (POP.AccessAsUser.All for POP3). For app-only access register the service principal in Exchange (New-ServicePrincipal, Add-MailboxPermission). Check that IMAP/POP is enabled for the mailbox (`Set-CASMailbox -ImapEnabled $true`).',
  references: ['https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/deprecation-of-basic-authentication-exchange-online'],
  check: (conv, ctx) => vendorDrafts(conv, 'm365.basic-auth-disabled', ctx),
});
