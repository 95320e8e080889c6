/**
 * Numeric keys for TCP 4-tuples, so that connection lookups never build
 * strings: an IPv6 address folds to one 32-bit hash, and both directions of a
 * connection map to the same key. Keys can collide; callers compare the
 * endpoints (or, for a guess that is checked later, accept a wrong answer).
 */
import { readU32 } from "../layers/tcp";

/** Read the four 32-bit words of the IPv6 address at `bytes[offset, offset + 16)`. */
export function readAddressWords(bytes: Uint8Array, offset: number, out: Uint32Array): void {
  for (let i = 0; i < 4; i++) out[i] = readU32(bytes, offset + 4 * i);
}

/** A 32-bit hash of an IPv6 address's words (an IPv4 address is its own hash). */
export function hashAddressWords(words: Uint32Array): number {
  return words[0] ^ Math.imul(words[1], 0x27d4eb2d) ^ Math.imul(words[2], 0x165667b1) ^ Math.imul(words[3], 0x9e3779b1);
}

/** A symmetric 30-bit key for a 4-tuple: both directions map to the same key. */
export function tupleKey(srcHash: number, srcPort: number, dstHash: number, dstPort: number): number {
  const a = Math.imul(srcHash ^ Math.imul(srcPort, 0x85ebca6b), 0xcc9e2d51);
  const b = Math.imul(dstHash ^ Math.imul(dstPort, 0x85ebca6b), 0xcc9e2d51);
  let h = (a + b) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h & 0x3fffffff;
}

/**
 * An endpoint address as the lookups carry it: an IPv4 address as its 32-bit
 * number, an IPv6 address as its four words. No per-connection typed array
 * for IPv4, where a number is all there is.
 */
export type Address = number | Uint32Array;

/** Are two addresses the same? (An IPv4 number never equals IPv6 words.) */
export function sameAddress(a: Address, b: Address): boolean {
  if (typeof a === "number" || typeof b === "number") return a === b;
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}
