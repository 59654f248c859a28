/**
 * The NSS key log format (what SSLKEYLOGFILE makes browsers, curl, Thunderbird, Python and OpenSSL
 * write, and what pcapng Decryption Secrets Blocks carry): one `LABEL <client_random hex> <secret
 * hex>` per line, `#` comments. https://udn.realityripple.com/docs/Mozilla/Projects/NSS/Key_Log_Format
 */
import { TLS_LIMITS } from './limits.js';

/** The secrets known for one client random. */
export interface KeyLogEntry {
  /** TLS ≤ 1.2: CLIENT_RANDOM master secret (48 bytes). */
  masterSecret?: Uint8Array;
  /** TLS 1.3 traffic secrets. */
  clientHandshake?: Uint8Array;
  serverHandshake?: Uint8Array;
  clientTraffic0?: Uint8Array;
  serverTraffic0?: Uint8Array;
}

/**
 * Parsed key log. Mutable on purpose: secrets found later in a capture (a pcapng DSB) are merged
 * into the same object, and TLS layers look secrets up when they first need them.
 */
export interface KeyLog {
  /** Keyed by the client random in lower-case hex (64 characters). */
  entries: Map<string, KeyLogEntry>;
  /** Lines that held a secret mailwire uses. */
  usedLines: number;
  /** Well-formed lines with a label mailwire ignores (EXPORTER_SECRET, CLIENT_EARLY_TRAFFIC_SECRET, RSA...). */
  ignoredLines: number;
  /** Lines that are not `LABEL hex hex` (bad hex, wrong random length...). */
  badLines: number;
  /** Lines dropped because TLS_LIMITS.MAX_KEYLOG_ENTRIES client randoms were already known. */
  droppedLines: number;
  /**
   * Set when the key log follows a file that may still grow (`mailwire live --keylog`, see
   * keylog-file.ts): a TLS layer that finds no secret for a client random calls it once with that
   * random (lower-case hex) and looks again. It may add entries; it bounds its own cost.
   */
  refresh?: (clientRandom: string) => void;
}

const FIELD: Record<string, keyof KeyLogEntry> = {
  CLIENT_RANDOM: 'masterSecret',
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'clientHandshake',
  SERVER_HANDSHAKE_TRAFFIC_SECRET: 'serverHandshake',
  CLIENT_TRAFFIC_SECRET_0: 'clientTraffic0',
  SERVER_TRAFFIC_SECRET_0: 'serverTraffic0',
};
const IGNORED = new Set(['EXPORTER_SECRET', 'CLIENT_EARLY_TRAFFIC_SECRET', 'EARLY_EXPORTER_SECRET', 'RSA', 'ECH_SECRET', 'ECH_CONFIG']);
const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/** An empty key log (to merge into). */
export function emptyKeyLog(): KeyLog {
  return { entries: new Map(), usedLines: 0, ignoredLines: 0, badLines: 0, droppedLines: 0 };
}

/** Parses key log text. Never throws: malformed lines are counted in badLines. */
export function parseKeyLog(text: string): KeyLog {
  return mergeKeyLog(emptyKeyLog(), text);
}

/**
 * Adds the secrets of `more` (key log text, or another KeyLog) to `into` and returns `into`.
 * A later secret for the same client random and label replaces the earlier one.
 */
export function mergeKeyLog(into: KeyLog, more: string | KeyLog): KeyLog {
  if (typeof more !== 'string') {
    for (const [random, entry] of more.entries) {
      for (const k of Object.keys(entry) as Array<keyof KeyLogEntry>) {
        const v = entry[k];
        if (v !== undefined) addSecret(into, random, k, v);
      }
    }
    into.usedLines += more.usedLines;
    into.ignoredLines += more.ignoredLines;
    into.badLines += more.badLines;
    into.droppedLines += more.droppedLines;
    return into;
  }
  for (const rawLine of more.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    const label = parts[0]!;
    const field = FIELD[label];
    if (field === undefined) {
      if (IGNORED.has(label) && parts.length === 3) into.ignoredLines++;
      else into.badLines++;
      continue;
    }
    const random = parts[1];
    const secret = parts[2];
    if (parts.length !== 3 || random === undefined || secret === undefined || random.length !== 64 || !HEX.test(random) || !HEX.test(secret)) {
      into.badLines++;
      continue;
    }
    if (addSecret(into, random.toLowerCase(), field, Buffer.from(secret, 'hex'))) into.usedLines++;
    else into.droppedLines++;
  }
  return into;
}

function addSecret(into: KeyLog, random: string, field: keyof KeyLogEntry, secret: Uint8Array): boolean {
  let entry = into.entries.get(random);
  if (entry === undefined) {
    if (into.entries.size >= TLS_LIMITS.MAX_KEYLOG_ENTRIES) return false;
    entry = {};
    into.entries.set(random, entry);
  }
  entry[field] = secret;
  return true;
}
