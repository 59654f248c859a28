/**
 * What the IMAP dissector puts in `DialogueEvent.parsed` (the `ImapParsed` union), so that the
 * diagnosis and the reports can read IMAP lines without parsing them again. JSON-serialisable.
 *
 * Positions (`pos`, `position`) are character offsets in `DialogueEvent.raw`.
 */

/** RFC 9051 session states (§3), plus 'unknown' before the greeting was seen. */
export type ImapState = 'unknown' | 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

/** Literal forms as in LiteralInfo.form. */
export type ImapLiteralForm = 'sync' | 'nonsync-plus' | 'nonsync-minus' | 'literal8';

/**
 * One parsed argument or response value.
 * - atom: any atom, number, flag (`\Seen`), fetch item with its section (`BODY[HEADER.FIELDS (FROM)]<0.10>`).
 * - quoted: `v` is the unescaped content; `raw` the text as sent (with quotes).
 * - literal: `i` indexes DialogueEvent.literals; `v` is the content when small (LIMITS.LITERAL_KEEP_BYTES) and not secret.
 * - list: a parenthesised list.
 * - invalid: a word that is not a valid atom/astring (e.g. `DOMAIN\user`): `raw` as sent, `atom` what a
 *   strict atom parser reads before it stops, `reason` why it stops.
 */
export type ImapValue =
  | { t: 'atom'; v: string; pos: number }
  | { t: 'quoted'; v: string; raw: string; pos: number }
  | { t: 'literal'; i: number; size: number; form: ImapLiteralForm; v?: string; pos: number }
  | { t: 'nil'; pos: number }
  | { t: 'list'; v: ImapValue[]; pos: number }
  | { t: 'invalid'; raw: string; atom: string; reason: string; pos: number }
  /** A secret argument (LOGIN password, SASL initial response): kept out of `parsed`; see AuthAttempt.secret and DialogueEvent.secrets. */
  | { t: 'secret'; length: number; pos: number };

/** A response code `[NAME args]` (RFC 9051 §7.1). `name` upper-cased; vendor codes such as `Error=ProxyNotAuthenticated` keep their text in `raw`. */
export interface ImapResponseCode {
  name: string;
  /** Text after the name (trimmed), e.g. the capability list or the UIDVALIDITY number. */
  args?: string;
  /** Content between the brackets, verbatim. */
  raw: string;
}

/** A note about one argument of a command (not a valid astring, doubled space...). */
export interface ImapArgNote {
  /** 0-based index in `args`. */
  arg: number;
  /** Position in raw. */
  pos: number;
  /** e.g. 'invalid-astring', 'double-space', 'trailing-space', 'bad-escape'. */
  code: string;
  detail: string;
}

/**
 * An astring argument as written, for credential diagnostics (LOGIN user / password).
 * For the password, `value` and `raw` are empty strings (the secret lives in AuthAttempt.secret and
 * is marked in the event by a SecretSpan / LiteralInfo.secret), but form and invalid are kept.
 */
export interface ImapAstring {
  /** The value after unquoting / unescaping (literal: its kept content). */
  value: string;
  form: 'atom' | 'quoted' | 'literal' | 'invalid';
  /** Exactly as on the wire (for a literal: the `{n}` announcement). */
  raw: string;
  /** Set for 'invalid': why this is not a valid astring. */
  invalid?: string;
}

/** A client command line (RFC 9051 §6). */
export interface ImapCommand {
  type: 'command';
  tag: string;
  /** The tag obeys the RFC `tag` grammar (1*<ASTRING-CHAR except "+">). */
  tagValid: boolean;
  /** Upper-cased name; 'UID FETCH' style for UID commands. */
  name: string;
  /** Name as sent (original case). */
  nameRaw: string;
  known: boolean;
  /** Parsed arguments (lenient: invalid words become `invalid` values, see notes). */
  args: ImapValue[];
  /** Everything after the command name (and its SP) as sent. */
  rawArgs: string;
  notes?: ImapArgNote[];
  /** LOGIN, and an unknown command that reads like one (`AUTH DOMAIN\\user pass`, see would-be-login.ts): the user and password astrings. */
  login?: {
    user: ImapAstring;
    password: ImapAstring;
    /**
     * Set when LOGIN carried more than its 2 arguments (`LOGIN john smith "pass word"`): how many,
     * and how the last was written. A user name or password with a space was sent bare; which
     * words are the password is not known (user is the first word, password the second).
     */
    extra?: { count: number; lastForm: 'atom' | 'quoted' | 'literal' | 'other' };
  };
  /** AUTHENTICATE: mechanism (as sent); SASL-IR initial response present (its length; '=' = empty). The response itself is secret. */
  authenticate?: { mechanism: string; initialResponse?: { length: number; empty: boolean } };
  /** SELECT/EXAMINE/CREATE/DELETE/STATUS/APPEND...: the mailbox argument's value. */
  mailbox?: string;
  /** ID: the client's parameters (field names lower-cased), or null for `ID NIL`. */
  id?: Record<string, string | null> | null;
  /** ENABLE: the capabilities requested. */
  enable?: string[];
}

/** A tagged completion `tag OK|NO|BAD [code] text` (RFC 9051 §7.1). */
export interface ImapCompletion {
  type: 'completion';
  tag: string;
  status: 'OK' | 'NO' | 'BAD';
  code?: ImapResponseCode;
  text: string;
}

/**
 * An untagged response `* ...` (RFC 9051 §7).
 * - status responses (OK/NO/BAD/BYE/PREAUTH) carry code/text;
 * - `n EXISTS` / `n EXPUNGE` / `n RECENT` / `n FETCH (...)` carry `number`;
 * - CAPABILITY and ENABLED carry `capabilities`;
 * - other data (LIST, LSUB, STATUS, SEARCH, ESEARCH, FLAGS, NAMESPACE, ID, QUOTA, VANISHED...) carry `values`.
 */
export interface ImapUntagged {
  type: 'untagged';
  /** Upper-cased response name (OK, BYE, CAPABILITY, FETCH, EXISTS, LIST, ...). */
  name: string;
  number?: number;
  code?: ImapResponseCode;
  text?: string;
  capabilities?: string[];
  values?: ImapValue[];
  /** Lists nested deeper than IMAP_LIMITS.MAX_LIST_DEPTH from this position: the rest is one `invalid` value holding the text. */
  nestingCapped?: number;
  /** ID response: server parameters (lower-cased names). */
  id?: Record<string, string | null> | null;
}

/** A server continuation request `+ text` / `+ base64` (RFC 9051 §7.5). */
export interface ImapContinuation {
  type: 'continuation';
  code?: ImapResponseCode;
  text: string;
}

/** A client line that is not a command: SASL response (secret), `*` cancel, IDLE's DONE. */
export interface ImapClientData {
  type: 'sasl-response' | 'sasl-cancel' | 'idle-done';
  /** Tag of the command it belongs to. */
  tag: string;
}

/** A line that could not be parsed (the event's kind is 'malformed'). */
export interface ImapMalformed {
  type: 'malformed';
  reason: string;
  /** Offset in raw where parsing stopped. */
  position: number;
}

export type ImapParsed = ImapCommand | ImapCompletion | ImapUntagged | ImapContinuation | ImapClientData | ImapMalformed;
