/**
 * Opening protected TLS records, one direction at a time. Each direction keeps
 * its own 64-bit record sequence number, which starts at 0 whenever its keys
 * change (RFC 8446 §5.3, RFC 5246 §6.1).
 *
 * TLS 1.3 (RFC 8446 §5.2): AEAD over the whole record; nonce = IV xor the
 * padded sequence number; additional data = the 5-byte record header; the
 * plaintext is TLSInnerPlaintext: content, the real content type, then zero
 * padding.
 *
 * TLS 1.2 AEAD: AES-GCM (RFC 5288 §3) carries an 8-byte explicit nonce in
 * front of the ciphertext after a 4-byte implicit salt; ChaCha20-Poly1305
 * (RFC 7905 §2) xors the sequence number into a 12-byte IV like TLS 1.3.
 * Additional data = seq_num + type + version + plaintext length (RFC 5246 §6.2.3.3).
 *
 * TLS 1.2 CBC (RFC 5246 §6.2.3.2): an explicit IV block, then
 * content + MAC + padding, the MAC over seq_num + type + version + length +
 * content; with encrypt_then_mac (RFC 7366) the MAC covers IV + ciphertext
 * instead and follows them.
 *
 * Every primitive is node:crypto's. A record that does not open is reported,
 * never thrown; the caller goes on with the next record.
 */
import { createDecipheriv, createHmac, timingSafeEqual } from "node:crypto";
import type { CipherSuite } from "./cipher-suites";
import type { TrafficKeys } from "./key-schedule";

export type OpenResult = { ok: true; contentType: number; plaintext: Uint8Array } | { ok: false; reason: string };

const TAG_LENGTH = 16;

/** The 64-bit sequence number, big-endian. */
function sequenceBytes(sequence: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, sequence);
  return out;
}

/** IV xor the sequence number, left-padded to the IV's length (RFC 8446 §5.3). */
function perRecordNonce(iv: Uint8Array, sequence: bigint): Uint8Array {
  const nonce = Uint8Array.from(iv);
  const seq = sequenceBytes(sequence);
  for (let i = 0; i < 8; i++) nonce[nonce.length - 8 + i] ^= seq[i];
  return nonce;
}

function aeadOpen(algorithm: string, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  if (sealed.length < TAG_LENGTH) return undefined;
  try {
    const decipher = createDecipheriv(algorithm as "aes-128-gcm", key, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAAD(aad, { plaintextLength: sealed.length - TAG_LENGTH });
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
    const head = decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH));
    const tail = decipher.final();
    return tail.length > 0 ? Buffer.concat([head, tail]) : head;
  } catch {
    return undefined;
  }
}

/** One direction's record protection under one set of keys. */
export interface RecordOpener {
  /**
   * Opens the record whose 5-byte header and body are given, trying the next
   * `lookahead` sequence numbers too (records lost in a capture gap); on
   * success the sequence number moves past the one that worked.
   */
  open(header: Uint8Array, body: Uint8Array, lookahead?: number): OpenResult;
  /** Counts a record that could not be opened (damaged): the sender used a sequence number for it. */
  skip(): void;
  readonly sequence: bigint;
}

/** Tries `openAt` at sequence, sequence+1, … sequence+lookahead; returns the first success and the sequence after it. */
function openWithLookahead(openAt: (sequence: bigint) => OpenResult, sequence: bigint, lookahead: number): { result: OpenResult; next: bigint } {
  let first: OpenResult | undefined;
  for (let ahead = 0n; ahead <= BigInt(lookahead); ahead++) {
    const result = openAt(sequence + ahead);
    if (result.ok) return { result, next: sequence + ahead + 1n };
    first ??= result;
  }
  return { result: first!, next: sequence };
}

export function tls13Opener(suite: CipherSuite, keys: TrafficKeys): RecordOpener {
  let sequence = 0n;
  const algorithm = suite.cipher.algorithm;
  return {
    get sequence() {
      return sequence;
    },
    skip() {
      sequence++;
    },
    open(header, body, lookahead = 0) {
      const openAt = (at: bigint): OpenResult => {
        const inner = aeadOpen(algorithm, keys.key, perRecordNonce(keys.iv, at), header, body);
        if (!inner) return { ok: false, reason: `authentication failed (${algorithm}, record ${at})` };
        // TLSInnerPlaintext: strip the zero padding; the last non-zero byte is the content type.
        let end = inner.length;
        while (end > 0 && inner[end - 1] === 0) end--;
        if (end === 0) return { ok: false, reason: "the inner plaintext has no content type (all padding)" };
        return { ok: true, contentType: inner[end - 1], plaintext: inner.subarray(0, end - 1) };
      };
      const { result, next } = openWithLookahead(openAt, sequence, lookahead);
      sequence = next;
      return result;
    },
  };
}

function tls12Aad(sequence: bigint, type: number, version: number, length: number): Uint8Array {
  const aad = new Uint8Array(13);
  aad.set(sequenceBytes(sequence), 0);
  aad[8] = type;
  aad[9] = version >>> 8;
  aad[10] = version & 0xff;
  aad[11] = length >>> 8;
  aad[12] = length & 0xff;
  return aad;
}

export interface Tls12OpenerOptions {
  /** RFC 7366 encrypt_then_mac was negotiated (CBC suites only). */
  encryptThenMac?: boolean;
}

export function tls12Opener(suite: CipherSuite, keys: TrafficKeys, options: Tls12OpenerOptions = {}): RecordOpener {
  let sequence = 0n;
  const cipher = suite.cipher;
  const openAead = (header: Uint8Array, body: Uint8Array, sequence: bigint): OpenResult => {
    const type = header[0];
    const version = (header[1] << 8) | header[2];
    let nonce: Uint8Array;
    let sealed: Uint8Array;
    if (cipher.algorithm === "chacha20-poly1305") {
      nonce = perRecordNonce(keys.iv, sequence);
      sealed = body;
    } else {
      if (body.length < 8 + TAG_LENGTH) return { ok: false, reason: `record too short for AES-GCM (${body.length} bytes)` };
      nonce = new Uint8Array(12);
      nonce.set(keys.iv, 0);
      nonce.set(body.subarray(0, 8), 4);
      sealed = body.subarray(8);
    }
    const plaintext = aeadOpen(cipher.algorithm, keys.key, nonce, tls12Aad(sequence, type, version, sealed.length - TAG_LENGTH), sealed);
    if (!plaintext) return { ok: false, reason: `authentication failed (${cipher.algorithm}, record ${sequence})` };
    return { ok: true, contentType: type, plaintext };
  };
  const openCbc = (header: Uint8Array, body: Uint8Array, sequence: bigint): OpenResult => {
    if (cipher.kind !== "cbc" || !keys.macKey) return { ok: false, reason: "no MAC key" };
    const type = header[0];
    const version = (header[1] << 8) | header[2];
    const block = 16;
    const macLength = cipher.macLength;
    const hmac = (data: Uint8Array[]) => {
      const h = createHmac(cipher.mac, keys.macKey!);
      for (const d of data) h.update(d);
      return h.digest();
    };
    let cipherPart = body;
    if (options.encryptThenMac) {
      if (body.length < block + macLength) return { ok: false, reason: "record too short for encrypt-then-MAC" };
      cipherPart = body.subarray(0, body.length - macLength);
      const expected = hmac([tls12Aad(sequence, type, version, cipherPart.length), cipherPart]);
      if (!timingSafeEqual(expected, body.subarray(body.length - macLength))) return { ok: false, reason: `bad record MAC (record ${sequence})` };
    }
    if (cipherPart.length < 2 * block || cipherPart.length % block !== 0) return { ok: false, reason: `a CBC record of ${cipherPart.length} bytes is not whole blocks` };
    let padded: Buffer;
    try {
      const decipher = createDecipheriv(cipher.algorithm, keys.key, cipherPart.subarray(0, block));
      decipher.setAutoPadding(false);
      padded = Buffer.concat([decipher.update(cipherPart.subarray(block)), decipher.final()]);
    } catch (error) {
      return { ok: false, reason: `CBC decryption failed: ${(error as Error).message}` };
    }
    const padLength = padded[padded.length - 1];
    const contentEnd = padded.length - padLength - 1 - (options.encryptThenMac ? 0 : macLength);
    if (contentEnd < 0) return { ok: false, reason: `bad padding (record ${sequence})` };
    for (let i = padded.length - 1 - padLength; i < padded.length; i++) if (padded[i] !== padLength) return { ok: false, reason: `bad padding (record ${sequence})` };
    const content = padded.subarray(0, contentEnd);
    if (!options.encryptThenMac) {
      const expected = hmac([tls12Aad(sequence, type, version, content.length), content]);
      if (!timingSafeEqual(expected, padded.subarray(contentEnd, contentEnd + macLength))) return { ok: false, reason: `bad record MAC (record ${sequence})` };
    }
    return { ok: true, contentType: type, plaintext: content };
  };
  return {
    get sequence() {
      return sequence;
    },
    skip() {
      sequence++;
    },
    open(header, body, lookahead = 0) {
      const openAt = cipher.kind === "aead" ? openAead : openCbc;
      const { result, next } = openWithLookahead((at) => openAt(header, body, at), sequence, lookahead);
      sequence = next;
      return result;
    },
  };
}
