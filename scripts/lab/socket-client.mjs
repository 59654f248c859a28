// A scripted line-protocol client (IMAP, POP3, SMTP) over a plain TCP socket, used by scripts/make-captures.mjs (the
// founding-case samples) and by the Dovecot lab (the misbehaving phone, hand-typed sessions).
//
// It behaves like a careful human at a telnet prompt: wait for the greeting, send one command,
// wait for its complete answer, think a moment, send the next. Because each side only speaks
// after the other has finished, the bytes on the wire are the same on every run.
import net from 'node:net';

/** How long a client "thinks" between two commands (keeps captures readable; not a timing test). */
export const THINK_MS = 40;
/** Give up on one dialogue step after this long (a server that never answers is a script bug). */
export const STEP_TIMEOUT_MS = 5000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one connection from `from` (a local address, optional) to host:port. `steps` are
 * {send, until}: `send` is written in one write, then `until(text)` is asked after each chunk
 * received (text = everything the server said since the command) until it says the answer is
 * complete. `end`: 'client' closes after the last step, 'server' waits for the server to close.
 * With `allowEarlyClose`, a server that hangs up before the last step (e.g. Dovecot's
 * `* BYE Too many invalid IMAP commands.`) is not an error.
 * Resolves with {received: the whole server text (latin1), closedEarly}.
 */
export function converse({ host, port, from, steps, end, allowEarlyClose = false }) {
  return new Promise((res, rej) => {
    const sock = net.connect({ host, port, ...(from ? { localAddress: from } : {}) });
    sock.setNoDelay(true);
    let acc = '';
    let all = '';
    let waiting = (t) => t.includes('\r\n'); // the greeting
    let k = 0;
    const timer = setTimeout(() => {
      sock.destroy();
      rej(new Error(`${host}:${port}: no answer to step ${k} (${steps[k - 1]?.send.trim() ?? 'greeting'})`));
    }, STEP_TIMEOUT_MS * (steps.length + 1));
    const next = async () => {
      await sleep(THINK_MS);
      if (k === steps.length) {
        waiting = null;
        if (end === 'client') sock.end();
        return;
      }
      const step = steps[k++];
      waiting = step.until;
      acc = '';
      sock.write(step.send, 'latin1');
    };
    sock.on('data', (d) => {
      const t = d.toString('latin1');
      acc += t;
      all += t;
      if (waiting && waiting(acc)) {
        waiting = null;
        void next();
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      const closedEarly = k < steps.length || waiting !== null;
      if (closedEarly && !allowEarlyClose) rej(new Error(`${host}:${port}: closed before step ${k} was answered`));
      else res({ received: all, closedEarly });
    });
  });
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An IMAP command line: complete when the tagged completion for its tag arrived. */
export function imapStep(line) {
  return imapContinuation(line, line.slice(0, line.indexOf(' ')));
}

/** A line sent inside a command (a SASL response): complete when `tag`'s completion arrived. */
export function imapContinuation(line, tag) {
  const re = new RegExp(`(^|\\r\\n)${escapeRe(tag)} (OK|NO|BAD)[^\\r\\n]*\\r\\n$`, 'i');
  return { send: `${line}\r\n`, until: (t) => re.test(t) };
}

/** A POP3 command: complete after the status line, or after the `.` that ends a multi-line answer. */
export function pop3Step(line, multiLine = false) {
  return {
    send: `${line}\r\n`,
    until: (t) => (t.startsWith('-ERR') || !multiLine ? t.endsWith('\r\n') : t.endsWith('\r\n.\r\n')),
  };
}

/** Any line whose answer is one line (a SASL challenge `+ ...`, a POP3 status). */
export function rawStep(line) {
  return { send: `${line}\r\n`, until: (t) => t.endsWith('\r\n') };
}

/**
 * SMTP command line(s) sent in one write (several: a PIPELINING group): complete when `replies`
 * complete replies arrived (a reply ends with a line `ddd text`; `ddd-text` lines continue it).
 */
export function smtpStep(text, replies = 1) {
  return {
    send: text.endsWith('\r\n') ? text : `${text}\r\n`,
    until: (t) => t.endsWith('\r\n') && (t.match(/(^|\r\n)\d{3}(?: [^\r\n]*)?(?=\r\n)/g) ?? []).length >= replies,
  };
}
