import { defineRule } from '../rule.js';
import { vendorDrafts } from '../checks/vendor.js';

export const dovecotConnectionLimit = defineRule({
  id: 'dovecot.connection-limit',
  severity: 'error',
  title: 'Too many connections for this user and IP',
  explanation:
    'Dovecot limits the connections one user may have from one IP address (mail_max_userip_connections, 10 by default); this one went over it. Several devices behind the same NAT, or a client that opens a connection per folder, hit it easily.',
  fix: 'Close idle clients or reduce per-client connections; on the server raise mail_max_userip_connections.',
  references: ['https://doc.dovecot.org/settings/core/#core_setting-mail_max_userip_connections'],
  check: (conv, ctx) => vendorDrafts(conv, 'dovecot.connection-limit', ctx),
});
