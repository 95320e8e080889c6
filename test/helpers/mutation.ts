/** Deterministic damage for robustness tests: the same mutations on every run. */

/** mulberry32: a small seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A copy of a capture with 1–8 random bytes overwritten, past the 24-byte file header. */
export function flipBytes(original: Uint8Array, random: () => number): Uint8Array {
  const bytes = Uint8Array.from(original);
  const flips = 1 + Math.floor(random() * 8);
  for (let f = 0; f < flips; f++) bytes[24 + Math.floor(random() * (bytes.length - 24))] = Math.floor(random() * 256);
  return bytes;
}
