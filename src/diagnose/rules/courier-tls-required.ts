import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const courierTlsRequired = defineRule({
  id: 'courier.tls-required',
  severity: 'error',
  title: 'Courier requires TLS before login',
  explanation:
    'Courier answered `STARTTLS required` (`TLS required to log in.` for POP3): IMAP_TLS_REQUIRED / POP3_TLS_REQUIRED is set.',
  fix: 'Use STARTTLS/STLS or the implicit-TLS port before logging in.',
  references: ['Courier imapd(8) IMAP_TLS_REQUIRED'],
  check: (conv, ctx) => vendorDrafts(conv, 'courier.tls-required', ctx),
});
