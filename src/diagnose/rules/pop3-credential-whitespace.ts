import { defineRule } from '../rule.js';
import { credentialWhitespaceDrafts } from '../checks/credential-whitespace.js';

export const pop3CredentialWhitespace = defineRule({
  id: 'pop3.credential-whitespace',
  severity: 'warning',
  title: 'Spaces around POP3 credentials',
  explanation: 'The user name or password begins or ends with a space. PASS takes the rest of the line as the password (RFC 1939), so a trailing space becomes part of it; usually it was pasted by mistake.',
  fix: 'Retype the user name and password in the client without surrounding spaces.',
  references: ['RFC 1939 §7 (PASS)'],
  live: true,
  check: (conv) => (conv.protocol === 'pop3' ? credentialWhitespaceDrafts(conv) : []),
});
