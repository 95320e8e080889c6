/**
 * The cipher suites whose records can be decrypted from a key log: every TLS
 * 1.3 suite (RFC 8446 §B.4) and the TLS 1.2 suites that MQTT devices and
 * brokers negotiate (ECDHE and plain RSA key exchange with AES-GCM,
 * ChaCha20-Poly1305 or AES-CBC with HMAC). With a key log the key exchange does
 * not matter: the log carries the master secret (1.2) or traffic secrets (1.3).
 *
 * Names are IANA's, as Wireshark's `tls.handshake.ciphersuite` shows them.
 */

/** How a suite protects records. */
export type RecordCipher =
  | { kind: "aead"; algorithm: "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305"; keyLength: number }
  | { kind: "cbc"; algorithm: "aes-128-cbc" | "aes-256-cbc"; keyLength: number; mac: "sha1" | "sha256" | "sha384"; macLength: number };

export interface CipherSuite {
  id: number;
  name: string;
  /** 0x0304 for TLS 1.3 suites, 0x0303 for TLS 1.2 ones. */
  version: 0x0303 | 0x0304;
  /** Hash of the PRF (1.2) or of HKDF (1.3). */
  hash: "sha256" | "sha384";
  cipher: RecordCipher;
}

const gcm128 = { kind: "aead", algorithm: "aes-128-gcm", keyLength: 16 } as const;
const gcm256 = { kind: "aead", algorithm: "aes-256-gcm", keyLength: 32 } as const;
const chacha = { kind: "aead", algorithm: "chacha20-poly1305", keyLength: 32 } as const;
const cbc = (keyLength: 16 | 32, mac: "sha1" | "sha256" | "sha384"): RecordCipher => ({
  kind: "cbc",
  algorithm: keyLength === 16 ? "aes-128-cbc" : "aes-256-cbc",
  keyLength,
  mac,
  macLength: mac === "sha1" ? 20 : mac === "sha256" ? 32 : 48,
});

const suites: CipherSuite[] = [
  // TLS 1.3 (RFC 8446 §B.4)
  { id: 0x1301, name: "TLS_AES_128_GCM_SHA256", version: 0x0304, hash: "sha256", cipher: gcm128 },
  { id: 0x1302, name: "TLS_AES_256_GCM_SHA384", version: 0x0304, hash: "sha384", cipher: gcm256 },
  { id: 0x1303, name: "TLS_CHACHA20_POLY1305_SHA256", version: 0x0304, hash: "sha256", cipher: chacha },
  // TLS 1.2 AEAD (RFC 5289, RFC 7905, RFC 5288)
  { id: 0xc02b, name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", version: 0x0303, hash: "sha256", cipher: gcm128 },
  { id: 0xc02c, name: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", version: 0x0303, hash: "sha384", cipher: gcm256 },
  { id: 0xc02f, name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", version: 0x0303, hash: "sha256", cipher: gcm128 },
  { id: 0xc030, name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", version: 0x0303, hash: "sha384", cipher: gcm256 },
  { id: 0xcca8, name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", version: 0x0303, hash: "sha256", cipher: chacha },
  { id: 0xcca9, name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", version: 0x0303, hash: "sha256", cipher: chacha },
  { id: 0x009c, name: "TLS_RSA_WITH_AES_128_GCM_SHA256", version: 0x0303, hash: "sha256", cipher: gcm128 },
  { id: 0x009d, name: "TLS_RSA_WITH_AES_256_GCM_SHA384", version: 0x0303, hash: "sha384", cipher: gcm256 },
  { id: 0x00a8, name: "TLS_PSK_WITH_AES_128_GCM_SHA256", version: 0x0303, hash: "sha256", cipher: gcm128 },
  { id: 0x00a9, name: "TLS_PSK_WITH_AES_256_GCM_SHA384", version: 0x0303, hash: "sha384", cipher: gcm256 },
  // TLS 1.2 CBC with HMAC (RFC 4492, RFC 5289, RFC 5246, RFC 5487): what embedded mbedTLS stacks offer
  { id: 0xc009, name: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", version: 0x0303, hash: "sha256", cipher: cbc(16, "sha1") },
  { id: 0xc00a, name: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", version: 0x0303, hash: "sha256", cipher: cbc(32, "sha1") },
  { id: 0xc013, name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", version: 0x0303, hash: "sha256", cipher: cbc(16, "sha1") },
  { id: 0xc014, name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", version: 0x0303, hash: "sha256", cipher: cbc(32, "sha1") },
  { id: 0xc023, name: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", version: 0x0303, hash: "sha256", cipher: cbc(16, "sha256") },
  { id: 0xc024, name: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", version: 0x0303, hash: "sha384", cipher: cbc(32, "sha384") },
  { id: 0xc027, name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", version: 0x0303, hash: "sha256", cipher: cbc(16, "sha256") },
  { id: 0xc028, name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", version: 0x0303, hash: "sha384", cipher: cbc(32, "sha384") },
  { id: 0x002f, name: "TLS_RSA_WITH_AES_128_CBC_SHA", version: 0x0303, hash: "sha256", cipher: cbc(16, "sha1") },
  { id: 0x0035, name: "TLS_RSA_WITH_AES_256_CBC_SHA", version: 0x0303, hash: "sha256", cipher: cbc(32, "sha1") },
  { id: 0x003c, name: "TLS_RSA_WITH_AES_128_CBC_SHA256", version: 0x0303, hash: "sha256", cipher: cbc(16, "sha256") },
  { id: 0x003d, name: "TLS_RSA_WITH_AES_256_CBC_SHA256", version: 0x0303, hash: "sha256", cipher: cbc(32, "sha256") },
  { id: 0x00ae, name: "TLS_PSK_WITH_AES_128_CBC_SHA256", version: 0x0303, hash: "sha256", cipher: cbc(16, "sha256") },
  { id: 0x00af, name: "TLS_PSK_WITH_AES_256_CBC_SHA384", version: 0x0303, hash: "sha384", cipher: cbc(32, "sha384") },
];

/** Decryptable suites by their two-byte code. */
export const cipherSuites: ReadonlyMap<number, CipherSuite> = new Map(suites.map((s) => [s.id, s]));

/** `TLS_AES_128_GCM_SHA256`, or `0xc0ff` for a suite this table does not know. */
export function cipherSuiteName(id: number): string {
  return cipherSuites.get(id)?.name ?? `0x${id.toString(16).padStart(4, "0")}`;
}

/** Protocol versions as Wireshark names them (`tls.record.version`, `tls.handshake.version`). */
export function tlsVersionName(version: number): string {
  switch (version) {
    case 0x0304:
      return "TLSv1.3";
    case 0x0303:
      return "TLSv1.2";
    case 0x0302:
      return "TLSv1.1";
    case 0x0301:
      return "TLSv1";
    case 0x0300:
      return "SSLv3";
    default:
      return `0x${version.toString(16).padStart(4, "0")}`;
  }
}
