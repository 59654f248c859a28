import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const exchangeAuthenticatedNotConnected = defineRule({
  id: 'exchange.authenticated-not-connected',
  severity: 'error',
  title: 'Exchange: authenticated but not connected',
  explanation:
    'Exchange accepted the login but could not bind the session to a mailbox (`BAD User is authenticated but not connected.`, often followed by `* BYE Connection closed.`): the OAuth token belongs to another user than the IMAP user name, the mailbox does not exist or has no licence, IMAP is disabled for it, or the application lacks FullAccess.',
  fix: 'Use the same identity for the token and the IMAP user name; check `Get-CASMailbox <user> | fl ImapEnabled`; for app-only access grant `Add-MailboxPermission -AccessRights FullAccess` to the service principal.',
  references: ['https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth', 'email-oauth2-proxy #74'],
  check: (conv, ctx) => vendorDrafts(conv, 'exchange.authenticated-not-connected', ctx),
});
