/**
 * File names of extracted messages: they say the conversation, the direction and the message,
 * e.g. `c3-server-seq12-uid55.eml`, `c4-client-append1.eml`, `c5-server-msg2.eml`,
 * `c3-server-seq12-part-body-header.eml` (a partial fetch), `c5-server-msg2-top.eml`,
 * `c6-client-submit1.eml` (the first message an SMTP client sent on connection 6).
 * Only [a-z0-9._-] reach the file system: nothing from the capture can name a path.
 */
import { EXTRACT_LIMITS } from './limits.js';
import type { MessageIdentity } from './message-identity.js';

/** A FETCH item as a file-name fragment: `BODY[HEADER.FIELDS (FROM)]<0>` → `body-header.fields-0`. */
export function itemSlug(item: string): string {
  return item
    .toLowerCase()
    .replace(/\([^)]*\)?/g, '') // HEADER.FIELDS (FROM TO ...): the field list would make names unwieldy
    .replace(/[^a-z0-9.]+/g, '-')
    .slice(0, 60)
    .replace(/^-+|-+$/g, '');
}

export interface NameParts {
  conversation: number;
  side: 'C' | 'S';
  identity: MessageIdentity;
  uid?: number;
  /** APPEND: 1-based count of message literals in the conversation. */
  append?: number;
  /** SMTP: 1-based count of messages the client sent in the conversation. */
  submission?: number;
}

/** The base name (without extension) of an extracted message. */
export function messageBaseName(p: NameParts): string {
  const parts = [`c${p.conversation}`, p.side === 'C' ? 'client' : 'server'];
  const id = p.identity;
  if (id.command === 'APPEND') parts.push(`append${p.append ?? 0}`);
  else if (id.command === 'DATA' || id.command === 'BDAT') parts.push(`submit${p.submission ?? 0}`);
  else if (id.pop3Number !== undefined) parts.push(`msg${id.pop3Number}`);
  else {
    if (id.sequence !== undefined) parts.push(`seq${id.sequence}`);
    if (p.uid !== undefined) parts.push(`uid${p.uid}`);
  }
  if (id.kind === 'part') parts.push(id.command === 'TOP' ? 'top' : `part-${itemSlug(id.item ?? '')}`);
  return parts.join('-').slice(0, EXTRACT_LIMITS.MAX_NAME_CHARS);
}

/** Picks a name not used yet in this run: `base.eml`, then `base-2.eml`... (`.eml.partial` when cut). */
export class NameRegistry {
  private readonly used = new Set<string>();

  /** `exists` tells whether a name is taken outside this run (a file left in the directory). */
  take(base: string, complete: boolean, exists: (name: string) => boolean = () => false): string {
    const ext = complete ? '.eml' : '.eml.partial';
    for (let n = 1; ; n++) {
      const name = `${base}${n === 1 ? '' : `-${n}`}${ext}`;
      if (!this.used.has(name) && !exists(name)) {
        this.used.add(name);
        return name;
      }
    }
  }
}
