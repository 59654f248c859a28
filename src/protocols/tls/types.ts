/**
 * TlsFacts: what the TLS layer (src/protocols/tls) learned about one connection's TLS session, as
 * returned by TlsLayer.facts() and stored in Conversation.tls. Plain JSON-serialisable data: the
 * report prints it and the tls.* diagnosis rules read it.
 *
 * Directions follow src/tcp/stream.ts: 'client' sent dir 0, 'server' sent dir 1.
 */

/** Who sent something. */
export type TlsSender = 'client' | 'server';

/** A protocol version as on the wire (0x0303) with its display name ('TLS 1.2'). */
export interface TlsVersionFact {
  code: number;
  name: string;
}

/** A cipher suite as on the wire with its IANA name ('TLS_AES_128_GCM_SHA256') when known. */
export interface CipherSuiteFact {
  code: number;
  /** IANA name, or '0x1301'-style hex when the suite is not in mailwire's table. */
  name: string;
  /** Export/NULL/anonymous/RC4/DES/3DES/MD5-MAC suites (see cipher-suites.ts for the rule). */
  weak: boolean;
}

export interface ClientHelloFact {
  frame: number;
  ts: number;
  /** legacy_version of the ClientHello body (0x0303 for TLS 1.2 and 1.3). */
  legacyVersion: TlsVersionFact;
  /** Versions the client offers: supported_versions (TLS 1.3 clients) or the legacy version. */
  versionsOffered: TlsVersionFact[];
  /** The client sent a supported_versions extension. */
  supportedVersionsExtension: boolean;
  cipherSuites: CipherSuiteFact[];
  /** Server Name Indication host name, when sent. */
  sni?: string;
  /** ALPN protocol names offered. */
  alpn?: string[];
  /** Extension type numbers in order (GREASE left out). */
  extensions: number[];
  /** signature_algorithms values in order (GREASE left out), when the extension was sent. */
  signatureAlgorithms?: number[];
  /** Client random as hex (the key log is keyed by it). */
  random: string;
  sessionIdLength: number;
}

export interface ServerHelloFact {
  frame: number;
  ts: number;
  /** Negotiated version (supported_versions for TLS 1.3, else the legacy version). */
  version: TlsVersionFact;
  cipherSuite: CipherSuiteFact;
  /** ALPN protocol chosen, when the server said. */
  alpn?: string;
  extensions: number[];
  /** This ServerHello is a TLS 1.3 HelloRetryRequest. */
  helloRetryRequest: boolean;
  /** The server echoed a non-empty session id the client offered (TLS ≤ 1.2 resumption). */
  resumed: boolean;
  random: string;
}

/** One X.509 certificate of a Certificate message, as parsed by @peculiar/x509. */
export interface CertificateFact {
  /** Position in the chain: 0 = the server's own (leaf) certificate. */
  index: number;
  /** Subject common name(s); empty when the subject has none. */
  subjectCN: string[];
  subject: string;
  issuer: string;
  issuerCN: string[];
  /** Subject alternative names: DNS names and IP addresses. */
  sanDns: string[];
  sanIp: string[];
  /** ISO 8601 times. */
  notBefore: string;
  notAfter: string;
  /** Subject equals issuer (and, when both are present, the key identifiers agree). */
  selfSigned: boolean;
  /** 'RSA' | 'EC' | 'Ed25519' | 'Ed448' | 'DSA' | ... as node:crypto names it; 'unknown' otherwise. */
  keyType: string;
  /** Key size in bits (RSA/DSA modulus, EC curve size), when known. */
  keyBits?: number;
  curve?: string;
  signatureAlgorithm: string;
  serialNumber: string;
  /** SHA-256 of the DER, hex. */
  sha256: string;
  /** The DER could not be parsed: the reason (the other fields are then empty). */
  parseError?: string;
}

export interface CertificateMessageFact {
  sender: TlsSender;
  frame: number;
  ts: number;
  /** The message travelled encrypted (TLS 1.3 or renegotiation) and mailwire decrypted it. */
  decrypted: boolean;
  certificates: CertificateFact[];
  /** Certificates beyond TLS_LIMITS.MAX_CERTIFICATES_PER_MESSAGE, not parsed. */
  droppedCertificates: number;
}

export interface AlertFact {
  sender: TlsSender;
  frame: number;
  ts: number;
  /** 'warning' (1), 'fatal' (2), or 'unknown(N)'. */
  level: string;
  /** Alert description number and its RFC 8446 §6 name ('bad_certificate'). */
  description: number;
  name: string;
  /** The alert was encrypted and mailwire decrypted it. */
  decrypted: boolean;
}

/** Something odd in the TLS bytes: the layer reports it and carries on. */
export interface TlsAnomaly {
  code:
    | 'not-tls'
    | 'bad-record-length'
    | 'resync'
    | 'gap'
    | 'handshake-too-large'
    | 'handshake-malformed'
    | 'certificate-malformed'
    | 'unexpected-content-type'
    | 'sslv2-hello'
    | 'decrypt-unsupported';
  sender: TlsSender;
  frame: number;
  /** Offset in that direction's (encrypted) stream. */
  streamOffset: number;
  message: string;
}

export interface DecryptionFact {
  /**
   * 'no-keylog': no key log was given; 'no-key': the key log has no secret for this client random;
   * 'ok': every encrypted record decrypted; 'failed': some record did not decrypt (see failure);
   * 'unsupported': the cipher suite or version is one mailwire cannot decrypt; 'not-needed': no
   * encrypted record was seen.
   */
  status: 'not-needed' | 'no-keylog' | 'no-key' | 'ok' | 'failed' | 'unsupported';
  /** Records decrypted each way [client, server]. */
  records: [number, number];
  /** Plaintext application bytes recovered each way. */
  plaintextBytes: [number, number];
  /** The first record that could not be decrypted (reported once per connection). */
  failure?: { sender: TlsSender; frame: number; streamOffset: number; reason: string };
}

export interface TlsFacts {
  /** ClientHellos seen (including renegotiations and the second hello after a HelloRetryRequest). */
  clientHellos: ClientHelloFact[];
  serverHellos: ServerHelloFact[];
  /** The version and cipher finally negotiated (the last ServerHello's). */
  version?: TlsVersionFact;
  cipherSuite?: CipherSuiteFact;
  /** SNI of the first ClientHello. */
  sni?: string;
  /** JA4 fingerprint of the first ClientHello (src/protocols/tls/ja4.ts). */
  ja4?: string;
  /** The client software known by that JA4 (client-fingerprints.ts), when it is in mailwire's table. */
  ja4Client?: string;
  /** JA4S fingerprint of the ServerHello (the first that is not a HelloRetryRequest). */
  ja4s?: string;
  /** Certificate messages (server's, and client's when a client certificate was sent). */
  certificates: CertificateMessageFact[];
  alerts: AlertFact[];
  /** Alerts that stayed encrypted (no keys), per sender [client, server]. */
  encryptedAlerts: [number, number];
  /** Frames of ChangeCipherSpec records per sender. */
  changeCipherSpec: { client: number[]; server: number[] };
  /**
   * Handshake state reached: 'none' (no ClientHello), 'client-hello', 'server-hello' (parameters
   * chosen), 'established' (both sides switched to encrypted data, or application data flowed).
   */
  handshakeState: 'none' | 'client-hello' | 'server-hello' | 'established';
  /** Renegotiations seen (decrypted second handshakes, or encrypted handshake records after the first). */
  renegotiations: number;
  /** First frame carrying encrypted application data (either way). */
  applicationDataFrame?: number;
  /** Application-data record payload bytes each way [client, server] (encrypted size). */
  applicationBytes: [number, number];
  /** Records each way [client, server]. */
  records: [number, number];
  decryption: DecryptionFact;
  /** How each direction ended ('fin', 'rst', ...), when it did. */
  ended: { client?: string; server?: string };
  /** The connection ended before the handshake was established. */
  closedDuringHandshake: boolean;
  anomalies: TlsAnomaly[];
  /** Anomalies beyond TLS_LIMITS.MAX_ANOMALIES, only counted. */
  droppedAnomalies: number;
  /** Capture time of the first TLS byte (certificate validity is judged against it). */
  firstTs?: number;
}
