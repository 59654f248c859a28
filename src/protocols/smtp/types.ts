/**
 * What the SMTP dissector puts in `DialogueEvent.parsed` (JSON-serialisable), one shape per kind of
 * line. The shared model (Exchange, AuthAttempt, Anomaly) carries what is common with IMAP and POP3;
 * these shapes add the SMTP details.
 *
 * Which event carries which shape:
 * - client command line (EHLO, MAIL, RCPT, DATA, BDAT, AUTH...) → SmtpCommand
 * - client SASL line inside AUTH                                 → SmtpSaslLine
 * - server reply line (every line of a multi-line reply)        → SmtpReply
 * - the `.` that ends DATA content                              → SmtpDataEnd
 * Message content (DATA lines, BDAT chunks) is not made of events: the DATA (first BDAT) command
 * event carries a LiteralInfo (form 'body') in `literals`.
 *
 * Exchange.status is the reply's three-digit code ('250', '535'), Exchange.responseCode its
 * enhanced status code (RFC 3463, '5.7.8') when the server sent one, Exchange.responseText the text
 * of all its lines (enhanced codes removed) joined with a space.
 */

/**
 * Session states (RFC 5321 §3, §4.1.4): INIT before EHLO/HELO (and again after STARTTLS), READY
 * between mail transactions, MAIL after an accepted MAIL FROM, RCPT once a recipient was accepted,
 * QUIT after QUIT was answered.
 */
export type SmtpState = 'INIT' | 'READY' | 'MAIL' | 'RCPT' | 'QUIT';

export interface SmtpPath {
  /** The address between the angle brackets as sent ('' for the null reverse-path `<>`). */
  address: string;
  /** ESMTP parameters (RFC 5321 §4.1.2): keyword upper-cased → value ('' when it has none). */
  params: Record<string, string>;
  /** The path was not enclosed in angle brackets (RFC 5321 requires them; many servers accept it). */
  bare?: boolean;
}

export interface SmtpCommand {
  type: 'command';
  /** Verb upper-cased; unknown verbs as sent, upper-cased. */
  command: string;
  /** A command of RFC 5321 or of a registered extension (STARTTLS, AUTH, BDAT...). */
  known: boolean;
  /** The text after the verb (AUTH's initial response is replaced by `<initial-response>`). */
  args: string;
  state: SmtpState;
  /** Sent while an earlier command was still unanswered (RFC 2920 PIPELINING). */
  pipelined?: boolean;
  /** Sent before the server's greeting. */
  beforeGreeting?: boolean;
  /** MAIL FROM: the reverse-path; RCPT TO: the forward-path. */
  path?: SmtpPath;
  /** AUTH: the mechanism, upper-cased, and whether an initial response came with it (RFC 4954 §4). */
  mechanism?: string;
  initialResponse?: boolean;
  /** BDAT: chunk size and LAST (RFC 3030 §2). */
  chunk?: { size: number; last: boolean };
  /** EHLO / HELO: the name the client gave. */
  domain?: string;
}

export interface SmtpSaslLine {
  type: 'sasl';
  mechanism: string;
  /** The client cancelled the exchange with `*` (RFC 4954 §4). */
  cancel: boolean;
  /** Base64 length of the line (the content is a secret, see DialogueEvent.secrets). */
  length: number;
}

export interface SmtpReply {
  type: 'reply';
  /** Three-digit reply code as sent. */
  code: string;
  /** Enhanced status code (RFC 3463 / RFC 2034) at the start of the text, e.g. '5.7.8'. */
  enhanced?: string;
  /** Text after the code, the separator and the enhanced code. */
  text: string;
  /** More lines of this reply follow (`250-`). */
  more: boolean;
  /** This is (a line of) the server greeting. */
  greeting?: boolean;
  /** The command this reply answers (upper-cased), absent for the greeting and unsolicited replies. */
  answers?: string;
  /** 334: the decoded challenge is not shown; the base64 text is `text`. */
  challenge?: boolean;
}

export interface SmtpDataEnd {
  type: 'data-end';
  /** Lines of content before the `.`, after dot-unstuffing. */
  lines: number;
  /** Octets of content (unstuffed, line ends included). */
  size: number;
}

/** A line the parser could not understand (the event's kind is 'malformed'). */
export interface SmtpMalformed {
  type: 'malformed';
  reason: string;
}

export type SmtpParsed = SmtpCommand | SmtpSaslLine | SmtpReply | SmtpDataEnd | SmtpMalformed;
