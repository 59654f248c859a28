import { defineRule } from '../rule.js';
import { noFarewellDrafts } from '../checks/farewell.js';

export const imapNoLogout = defineRule({
  id: 'imap.no-logout',
  severity: 'info',
  title: 'Client left without LOGOUT',
  explanation: 'The client closed the connection without LOGOUT. Harmless for most servers, but the server may count the connection as active until it notices, which can hit per-user connection limits.',
  fix: 'Nothing, unless connection limits are hit (dovecot.connection-limit, gmail.too-many-connections).',
  references: ['RFC 9051 §6.1.3 (LOGOUT)'],
  check: (conv) => (conv.protocol === 'imap' ? noFarewellDrafts(conv, 'LOGOUT') : []),
});
