import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const exchangeProxyNotAuthenticated = defineRule({
  id: 'exchange.proxy-not-authenticated',
  severity: 'error',
  title: "Exchange front end could not authenticate to the mailbox server",
  explanation:
    "Exchange 2013 and later answered the login with `NO [Error=ProxyNotAuthenticated Proxy=<back end>:1993:SSL] LOGIN failed.`: the Client Access front end accepted the credentials but could not authenticate its proxied connection to the mailbox server. The user's password is usually not the problem. It typically starts after a certificate was bound to IMAP/POP while the LoginType is PlainTextLogin, or when X509CertificateName does not match the certificate.",
  fix: "On the Exchange server: `Set-ImapSettings -X509CertificateName <server FQDN>` (the name in the certificate bound to IMAP; `Set-PopSettings` for POP3), then restart the IMAP4 services (`Restart-Service MSExchangeIMAP4,MSExchangeIMAP4BE`). Verify with `Test-ImapConnectivity`. As a last resort reset the user's password.",
  references: ["https://learn.microsoft.com/powershell/module/exchange/set-imapsettings", "clintboessen.blogspot.com 2018/03 \"Binding a Certificate breaks IMAP or POP\""],
  verdict: { cause: 'Exchange ProxyNotAuthenticated — the front end could not log in to the mailbox server (the IMAP/POP certificate name)', fix: 'Set-ImapSettings -X509CertificateName <server FQDN> (Set-PopSettings for POP3)' },
  check: (conv, ctx) => vendorDrafts(conv, 'exchange.proxy-not-authenticated', ctx),
});
