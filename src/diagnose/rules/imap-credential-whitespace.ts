import { defineRule } from '../rule.js';
import { credentialWhitespaceDrafts } from '../checks/credential-whitespace.js';

export const imapCredentialWhitespace = defineRule({
  id: 'imap.credential-whitespace',
  severity: 'warning',
  title: 'Spaces around IMAP credentials',
  explanation: 'The user name or password begins or ends with a space, or two spaces separate LOGIN\'s arguments (which many servers read as an empty argument), or the login line ends with a space (`AUTHENTICATE CRAM-MD5 `, which Cyrus rejects). The capture shows what was sent, not who put the spaces there: a person entering the credentials with them (a paste), or the client writing the line.',
  fix: 'Check the user name and password in the client\'s settings for surrounding spaces and retype them; if they have none (or the space is after the mechanism name), the client writes the line wrongly: update it or report the bug to its authors.',
  references: ['RFC 9051 §9 (exactly one SP between tokens)', 'RFC 2683 §3.2.1'],
  live: true,
  check: (conv) => (conv.protocol === 'imap' ? credentialWhitespaceDrafts(conv) : []),
});
