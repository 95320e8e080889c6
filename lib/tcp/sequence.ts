/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4): compare through the
 * signed 32-bit difference, so a stream that wraps past 0xffffffff still
 * orders correctly.
 */

/** a − b as a signed 32-bit number: negative when a is before b. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

export function seqBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqAfter(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
