import { defineRule } from '../rule.js';
import { credentialWhitespaceDrafts } from '../checks/credential-whitespace.js';

export const imapCredentialWhitespace = defineRule({
  id: 'imap.credential-whitespace',
  severity: 'warning',
  title: 'Spaces around IMAP credentials',
  explanation: 'The user name or password begins or ends with a space, or two spaces separate LOGIN\'s arguments (which many servers read as an empty argument). Usually the spaces were pasted by mistake.',
  fix: 'Retype the user name and password in the client without surrounding spaces.',
  references: ['RFC 9051 §9 (exactly one SP between tokens)', 'RFC 2683 §3.2.1'],
  live: true,
  check: (conv) => (conv.protocol === 'imap' ? credentialWhitespaceDrafts(conv) : []),
});
