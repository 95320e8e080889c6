/**
 * A small seedable pseudo-random generator, so that a simulated run can be
 * repeated exactly: mulberry32 (32-bit state, period 2^32), good enough for
 * sensor readings and nothing cryptographic.
 */

export type Random = () => number;

/** Returns a generator of floats in [0, 1) determined by `seed` (any integer; only its low 32 bits count). */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer from `min` to `max`, both included. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** A different but reproducible seed for the n-th device of a fleet. */
export function deriveSeed(seed: number, index: number): number {
  return (seed + Math.imul(index, 0x9e3779b9)) >>> 0;
}
