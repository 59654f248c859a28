/** The GS2 header (RFC 5801 §4) that starts SCRAM and OAUTHBEARER client messages. */

/** A parsed gs2-header: channel-binding flag, optional authzid (saslname-decoded), the rest. */
export interface Gs2Header {
  /** 'n' (no binding), 'y' (client could but thinks the server cannot), or 'p=<cb-name>'. */
  cbflag: string;
  authzid?: string;
  /** Everything after the header's second comma. */
  rest: string;
}

/**
 * Parses `gs2-cb-flag "," [ "a=" saslname ] ","` (RFC 5801 §4); undefined when the text does not
 * start with one. The saslname escapes =2C and =3D are decoded.
 */
export function parseGs2Header(text: string): Gs2Header | undefined {
  const m = /^(n|y|p=[A-Za-z0-9.-]+),(a=[^,]*)?,/.exec(text);
  if (m === null) return undefined;
  const h: Gs2Header = { cbflag: m[1]!, rest: text.slice(m[0].length) };
  if (m[2] !== undefined) h.authzid = decodeSaslname(m[2].slice(2));
  return h;
}

/** RFC 5801 saslname: '=2C' is ',', '=3D' is '='. */
export function decodeSaslname(s: string): string {
  return s.replace(/=2C|=3D/gi, (e) => (e.toUpperCase() === '=2C' ? ',' : '='));
}
