/** The server's answer to a refused login, as a verdict quotes it: `"[CODE] text"`. */
export function serverWords(args: Readonly<Record<string, string | number | boolean>>): string | undefined {
  const code = args.responseCode ? `[${String(args.responseCode)}] ` : '';
  const text = args.responseText ? String(args.responseText) : '';
  return code || text ? JSON.stringify(`${code}${text}`.trim()) : undefined;
}
