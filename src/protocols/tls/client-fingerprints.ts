/**
 * JA4 fingerprints of the mail clients in mailwire's labs, so that a report can name the client
 * software behind a TLS session without keys. Recorded by scripts/lab/client-fingerprints.mjs (each
 * client connecting to a loopback listener that keeps its ClientHello) on Debian 12; a fingerprint
 * names a TLS library build and its settings more than an application (curl and fetchmail on the
 * same OpenSSL can share one), which the names say. Unknown fingerprints stay unnamed.
 */
export const CLIENT_FINGERPRINTS: ReadonlyArray<{ ja4: string; client: string }> = [
  { ja4: 't13d311100_e8f1e7e78f70_b26ce05bbdd6', client: 'curl 7.88.1 / OpenSSL 3.0' },
  { ja4: 't13d311100_e8f1e7e78f70_d41ae481755e', client: 'Python 3.11 ssl or fetchmail 6.4.37 / OpenSSL 3.0' },
  { ja4: 't13d311000_e8f1e7e78f70_1f22a2ca17c4', client: 'openssl s_client or mbsync (isync 1.4.4) / OpenSSL 3.0' },
  { ja4: 't13d291300_723694b0fccc_2cc26d266019', client: 'gnutls-cli 3.7.9 / GnuTLS 3.7' },
];

const BY_JA4 = new Map(CLIENT_FINGERPRINTS.map((e) => [e.ja4, e.client]));

/** The client software known to send this JA4, or undefined. */
export function knownClient(ja4: string): string | undefined {
  return BY_JA4.get(ja4);
}
