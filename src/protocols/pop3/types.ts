/**
 * What the POP3 dissector puts in `DialogueEvent.parsed` (JSON-serialisable), one shape per kind of
 * line. The diagnosis reads these next to the shared model (Exchange, AuthAttempt, Anomaly), which
 * carries everything that is common with IMAP; these shapes add the POP3-specific details.
 *
 * Which event carries which shape:
 * - client command line                      → Pop3Command
 * - client SASL line inside AUTH             → Pop3SaslLine
 * - server first line (+OK / -ERR), greeting → Pop3Status
 * - server SASL challenge `+ base64`         → Pop3Challenge
 * - line of a multi-line list (LIST, UIDL, CAPA, AUTH, LANG) → Pop3ListLine
 * - the `.` that ends a multi-line response  → Pop3End
 * RETR/TOP message bodies are not events: the +OK event carries a LiteralInfo (form 'body') in
 * `literals`, and its Pop3Status has `body` set.
 */

/** RFC 1939 §3 session states. */
export type Pop3State = 'AUTHORIZATION' | 'TRANSACTION' | 'UPDATE';

export interface Pop3Command {
  type: 'command';
  /** Keyword upper-cased (`user` → 'USER'); unknown keywords as sent, upper-cased. */
  command: string;
  /** A command of RFC 1939/2449/2595/5034/6856, or the non-standard XSENDER, LAST. */
  known: boolean;
  /** Arguments split on spaces; PASS has one argument, the rest of the line (RFC 1939 §7). */
  args: string[];
  /** State when the command was sent. */
  state: Pop3State;
  /** Sent while an earlier command was still unanswered. */
  pipelined?: boolean;
  /** The server's answer is multi-line (decided from the command and its arguments). */
  multiLine: boolean;
}

export interface Pop3SaslLine {
  type: 'sasl';
  /** Mechanism of the AUTH exchange this line belongs to, upper-cased. */
  mechanism: string;
  /** The client cancelled the exchange with `*` (RFC 5034 §4). */
  cancel: boolean;
  /** Base64 length of the line (the content is a secret, see DialogueEvent.secrets). */
  length: number;
}

export interface Pop3Status {
  type: 'status';
  status: '+OK' | '-ERR';
  /** Extended response code without brackets (RFC 2449 §8, RFC 3206), e.g. 'AUTH', 'SYS/TEMP'. */
  code?: string;
  /** Text after the status and the code. */
  text: string;
  /** This is the server greeting. */
  greeting?: boolean;
  /** APOP timestamp `<...@...>` found in the greeting (RFC 1939 §7). */
  timestamp?: string;
  /** The command this line answers (upper-cased), absent for the greeting. */
  answers?: string;
  /** STAT `+OK nn mm`; LIST n `+OK n size`; UIDL n `+OK n uid`. */
  messages?: number;
  octets?: number;
  msg?: number;
  uid?: string;
  /** A multi-line response follows this line. */
  multiLine?: boolean;
  /** RETR/TOP: the body that followed (also in the event's `literals[0]`). */
  body?: { lines: number; complete: boolean };
}

export interface Pop3Challenge {
  type: 'challenge';
  /** Mechanism of the AUTH exchange, upper-cased. */
  mechanism: string;
  /** The challenge as sent (base64, possibly empty). */
  text: string;
}

export interface Pop3ListLine {
  type: 'list';
  /** The command whose multi-line answer this line is part of. */
  of: string;
  /** LIST: `msg size`; UIDL: `msg uid`. */
  msg?: number;
  size?: number;
  uid?: string;
  /** CAPA: capability name upper-cased and its arguments; AUTH: the mechanism. */
  name?: string;
  params?: string[];
  /** The line does not follow the grammar of the list it is in (kept, flagged). */
  invalid?: boolean;
}

export interface Pop3End {
  type: 'end';
  of: string;
  /** Lines in the response between the status line and the `.`, after dot-unstuffing. */
  lines: number;
  /** List lines that were counted but not kept as events (cap MAX_LIST_EVENTS_KEPT). */
  notKept: number;
}

export type Pop3Parsed = Pop3Command | Pop3SaslLine | Pop3Status | Pop3Challenge | Pop3ListLine | Pop3End | Pop3Malformed;

/** A line the parser could not understand (the event's kind is 'malformed'). */
export interface Pop3Malformed {
  type: 'malformed';
  reason: string;
}
