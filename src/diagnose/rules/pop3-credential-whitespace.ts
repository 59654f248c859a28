import { defineRule } from '../rule.js';
import { credentialWhitespaceDrafts } from '../checks/credential-whitespace.js';

export const pop3CredentialWhitespace = defineRule({
  id: 'pop3.credential-whitespace',
  severity: 'warning',
  title: 'Spaces around POP3 credentials',
  explanation: 'The user name or password begins or ends with a space. PASS takes the rest of the line as the password (RFC 1939), so a trailing space becomes part of it. The capture shows what was sent, not who put the space there: a person entering the credentials with it (a paste), or the client writing the line.',
  fix: 'Check the user name and password in the client\'s settings for surrounding spaces and retype them; if they have none, the client writes the line wrongly: update it or report the bug to its authors.',
  references: ['RFC 1939 §7 (PASS)'],
  live: true,
  check: (conv) => (conv.protocol === 'pop3' ? credentialWhitespaceDrafts(conv) : []),
});
