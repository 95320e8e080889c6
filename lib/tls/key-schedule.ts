/**
 * Record keys from the secrets in a key log.
 *
 * TLS 1.3 (RFC 8446 §7.1, §7.3): each traffic secret gives a write key and IV
 * through HKDF-Expand-Label; a KeyUpdate moves to the next secret with the
 * label "traffic upd". Node's `crypto.hkdfSync` always runs HKDF-Extract
 * first, and these secrets are already pseudorandom keys, so HKDF-Expand
 * (RFC 5869 §2.3) is written here over `crypto`'s HMAC.
 *
 * TLS 1.2 (RFC 5246 §5, §6.3): the PRF (P_hash over HMAC) stretches the master
 * secret and both hello randoms into the key block:
 *   client MAC key · server MAC key · client key · server key · client IV · server IV
 */
import { createHmac } from "node:crypto";
import type { CipherSuite } from "./cipher-suites";

type Hash = "sha256" | "sha384";

const hashLength: Record<Hash, number> = { sha256: 32, sha384: 48 };

/** HKDF-Expand (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) | info | i). */
export function hkdfExpand(hash: Hash, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (length > 255 * hashLength[hash]) throw new RangeError(`HKDF-Expand cannot give ${length} bytes with ${hash}`);
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let filled = 0, counter = 1; filled < length; counter++) {
    previous = createHmac(hash, prk).update(previous).update(info).update(Uint8Array.of(counter)).digest();
    out.set(previous.subarray(0, Math.min(previous.length, length - filled)), filled);
    filled += previous.length;
  }
  return out;
}

/**
 * HKDF-Expand-Label (RFC 8446 §7.1):
 *   struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; } HkdfLabel
 */
export function hkdfExpandLabel(hash: Hash, secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const fullLabel = Buffer.from(`tls13 ${label}`, "latin1");
  const info = new Uint8Array(2 + 1 + fullLabel.length + 1 + context.length);
  info[0] = length >>> 8;
  info[1] = length & 0xff;
  info[2] = fullLabel.length;
  info.set(fullLabel, 3);
  info[3 + fullLabel.length] = context.length;
  info.set(context, 4 + fullLabel.length);
  return hkdfExpand(hash, secret, info, length);
}

export interface TrafficKeys {
  key: Uint8Array;
  /** TLS 1.3: the 12-byte per-record nonce base. TLS 1.2: the implicit IV (4 bytes for GCM, 12 for ChaCha20, none for CBC). */
  iv: Uint8Array;
  /** TLS 1.2 CBC suites: the HMAC key. */
  macKey?: Uint8Array;
}

const empty = new Uint8Array(0);

/** [sender]_write_key and [sender]_write_iv from a TLS 1.3 traffic secret (RFC 8446 §7.3). */
export function tls13TrafficKeys(suite: CipherSuite, secret: Uint8Array): TrafficKeys {
  return {
    key: hkdfExpandLabel(suite.hash, secret, "key", empty, suite.cipher.keyLength),
    iv: hkdfExpandLabel(suite.hash, secret, "iv", empty, 12),
  };
}

/** application_traffic_secret_N+1 after a KeyUpdate (RFC 8446 §7.2). */
export function tls13NextTrafficSecret(suite: CipherSuite, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(suite.hash, secret, "traffic upd", empty, hashLength[suite.hash]);
}

/** P_hash (RFC 5246 §5): HMAC(secret, A(i) + seed) with A(0) = seed, A(i) = HMAC(secret, A(i-1)). */
function pHash(hash: Hash, secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let a: Uint8Array = seed;
  for (let filled = 0; filled < length; ) {
    a = createHmac(hash, secret).update(a).digest();
    const block = createHmac(hash, secret).update(a).update(seed).digest();
    out.set(block.subarray(0, Math.min(block.length, length - filled)), filled);
    filled += block.length;
  }
  return out;
}

/** The TLS 1.2 PRF (RFC 5246 §5): P_<hash>(secret, label + seed). */
export function tls12Prf(hash: Hash, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const labelBytes = Buffer.from(label, "latin1");
  const labelled = new Uint8Array(labelBytes.length + seed.length);
  labelled.set(labelBytes, 0);
  labelled.set(seed, labelBytes.length);
  return pHash(hash, secret, labelled, length);
}

/** Implicit IV length per RFC 5288 §3 (GCM: 4-byte salt) and RFC 7905 §2 (ChaCha20: 12 bytes); CBC has none in TLS 1.1+. */
function tls12IvLength(suite: CipherSuite): number {
  if (suite.cipher.kind === "cbc") return 0;
  return suite.cipher.algorithm === "chacha20-poly1305" ? 12 : 4;
}

/** Both directions' keys from a TLS 1.2 master secret (RFC 5246 §6.3: the seed is server_random + client_random). */
export function tls12KeyBlock(suite: CipherSuite, masterSecret: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): { client: TrafficKeys; server: TrafficKeys } {
  const macLength = suite.cipher.kind === "cbc" ? suite.cipher.macLength : 0;
  const keyLength = suite.cipher.keyLength;
  const ivLength = tls12IvLength(suite);
  const seed = new Uint8Array(64);
  seed.set(serverRandom, 0);
  seed.set(clientRandom, 32);
  const block = tls12Prf(suite.hash, masterSecret, "key expansion", seed, 2 * (macLength + keyLength + ivLength));
  let at = 0;
  const take = (n: number) => block.slice(at, (at += n));
  const clientMac = take(macLength);
  const serverMac = take(macLength);
  const clientKey = take(keyLength);
  const serverKey = take(keyLength);
  const clientIv = take(ivLength);
  const serverIv = take(ivLength);
  const withMac = (keys: TrafficKeys, mac: Uint8Array): TrafficKeys => (macLength > 0 ? { ...keys, macKey: mac } : keys);
  return { client: withMac({ key: clientKey, iv: clientIv }, clientMac), server: withMac({ key: serverKey, iv: serverIv }, serverMac) };
}
