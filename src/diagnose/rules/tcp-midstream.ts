import { defineRule } from '../rule.js';

/** The capture started after the connection was opened. */
export const tcpMidstream = defineRule({
  id: 'tcp.midstream',
  severity: 'info',
  title: 'Capture started in the middle of the connection',
  explanation:
    'The capture has no SYN for this connection: it was already open when capturing began, so the greeting, the capabilities and the login may be missing, and which side is the client was guessed.',
  fix: 'Start the capture before the client connects (or make the client reconnect) to see the whole session.',
  references: ['RFC 9293 §3.5 (connection establishment)'],
  check(conv) {
    if (conv.sawSyn || !conv.tcp) return [];
    const sawGreeting = conv.greeting !== undefined;
    return [{
      frames: [conv.firstFrame],
      message: `The capture began after this connection was opened${sawGreeting ? '' : ': the greeting and the login are not in it'}; client and server were told apart by ${conv.roleSource === 'port' ? 'the port' : conv.roleSource}.`,
      args: { roleSource: conv.roleSource, greetingSeen: sawGreeting },
    }];
  },
});
