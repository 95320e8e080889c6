/**
 * Text written straight into bytes, for output that runs once per message on
 * million-packet captures.
 *
 * Building a CSV row as a JavaScript string costs a number-to-string
 * conversion per field, a rope of concatenations, and then the UTF-8 encoding
 * of the whole text at the write: profiled on the fleet capture, about a
 * microsecond a row, more than decoding the MQTT packet. Writing digits and
 * ASCII into one growing Buffer does the same work in a fraction of that.
 * The result is byte-for-byte the string version's UTF-8 (a test compares
 * them on every fixture message and on awkward values).
 */

const MIN_CAPACITY = 1 << 16;

/** "00" to "99" as ASCII: integers are written two digits at a time. */
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = 48 + Math.floor(i / 10);
  DIGIT_PAIRS[2 * i + 1] = 48 + (i % 10);
}

/** Decimal digits of 0 ≤ value < 2^31. */
export function decimalDigits(value: number): number {
  if (value < 100000) return value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : value < 10000 ? 4 : 5;
  return value < 1000000 ? 6 : value < 10000000 ? 7 : value < 100000000 ? 8 : value < 1000000000 ? 9 : 10;
}

/** The String() cache of number(): a direct-mapped table keyed by the double's bits. */
const NUMBER_CACHE_BITS = 12;
const numberKeys = new Float64Array(1 << NUMBER_CACHE_BITS);
const numberTexts: Array<string | undefined> = new Array<string | undefined>(1 << NUMBER_CACHE_BITS).fill(undefined);
const numberBits = new Float64Array(1);
const numberWords = new Uint32Array(numberBits.buffer);

export class ByteBuffer {
  /** Filled part: bytes[0, length). */
  bytes: Buffer;
  length = 0;

  constructor(capacity = MIN_CAPACITY) {
    this.bytes = Buffer.allocUnsafe(Math.max(capacity, 64));
  }

  /** Make room for `n` more bytes. */
  reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + n));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  /** Hand the filled bytes out and start over with a fresh buffer (no copy). */
  take(): Buffer {
    const filled = this.bytes.subarray(0, this.length);
    this.bytes = Buffer.allocUnsafe(this.bytes.length);
    this.length = 0;
    return filled;
  }

  /** `count` spaces (none when count ≤ 0). */
  spaces(count: number): void {
    if (count <= 0) return;
    this.reserve(count);
    const bytes = this.bytes;
    let at = this.length;
    for (let i = 0; i < count; i++) bytes[at++] = 32;
    this.length = at;
  }

  byte(code: number): void {
    if (this.length >= this.bytes.length) this.reserve(1);
    this.bytes[this.length++] = code;
  }

  /** Any string, UTF-8 encoded (ASCII is copied code by code). */
  text(value: string): void {
    const n = value.length;
    this.reserve(n * 3);
    const bytes = this.bytes;
    let at = this.length;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) {
        // Not ASCII: let Buffer encode the rest (surrogate pairs, lone surrogates as U+FFFD, like string writes do).
        this.length = at + bytes.write(value.slice(i), at, "utf8");
        return;
      }
      bytes[at++] = c;
    }
    this.length = at;
  }

  /**
   * A whole number in decimal, like String(value). Anything else (fractions,
   * NaN, beyond 2^53) goes through String() so the text is always the same.
   */
  integer(value: number): void {
    if (value >= 0 && value <= 0x7fffffff && (value | 0) === value) {
      // The common case, in 32-bit integer arithmetic, two digits at a time.
      this.reserve(10);
      const bytes = this.bytes;
      const digits = decimalDigits(value);
      let at = this.length + digits;
      this.length = at;
      while (value >= 100) {
        const next = (value / 100) | 0;
        const pair = (value - next * 100) << 1;
        bytes[--at] = DIGIT_PAIRS[pair + 1];
        bytes[--at] = DIGIT_PAIRS[pair];
        value = next;
      }
      if (value >= 10) {
        bytes[--at] = DIGIT_PAIRS[(value << 1) + 1];
        bytes[--at] = DIGIT_PAIRS[value << 1];
      } else {
        bytes[--at] = 48 + value;
      }
      return;
    }
    if (!Number.isSafeInteger(value)) {
      this.text(String(value));
      return;
    }
    this.reserve(17);
    const bytes = this.bytes;
    if (value < 0) {
      bytes[this.length++] = 45; // "-"
      value = -value;
    }
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let at = this.length + digits;
    this.length = at;
    while (value >= 10) {
      const next = Math.floor(value / 10);
      bytes[--at] = 48 + (value - next * 10);
      value = next;
    }
    bytes[--at] = 48 + value;
  }

  /**
   * A number as `${value}` writes it. Whole numbers are written digit by
   * digit; other numbers go through String() (the shortest text that reads
   * back as the same double), remembered in a small cache: a frame's time
   * comes back as its message's time, its phase step's, its phase's start or
   * end, and String() of a double is the slowest part of JSON output.
   */
  number(value: number): void {
    if (value >= 0 && value <= 0x7fffffff && (value | 0) === value) {
      this.integer(value);
      return;
    }
    numberBits[0] = value;
    const slot = (numberWords[0] ^ Math.imul(numberWords[1], 0x9e3779b1)) >>> (32 - NUMBER_CACHE_BITS);
    let text = numberTexts[slot];
    if (numberKeys[slot] !== value || text === undefined) {
      text = String(value);
      numberKeys[slot] = value;
      numberTexts[slot] = text;
    }
    this.text(text);
  }

  /** A JSON string, byte for byte what JSON.stringify(value) gives. */
  jsonString(value: string): void {
    const n = value.length;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      // Printable ASCII other than `"` and `\` is written as it is; anything
      // else (escapes, non-ASCII, lone surrogates) is left to JSON.stringify.
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
        this.text(JSON.stringify(value));
        return;
      }
    }
    this.reserve(n + 2);
    const bytes = this.bytes;
    let at = this.length;
    bytes[at++] = 0x22;
    for (let i = 0; i < n; i++) bytes[at++] = value.charCodeAt(i);
    bytes[at++] = 0x22;
    this.length = at;
  }

  /** Exactly `width` digits, zero-padded (0 ≤ value < 10^width). */
  paddedInteger(value: number, width: number): void {
    this.reserve(width);
    const bytes = this.bytes;
    let at = this.length + width;
    this.length = at;
    for (let i = 0; i < width; i++) {
      const next = Math.floor(value / 10);
      bytes[--at] = 48 + (value - next * 10);
      value = next;
    }
  }

  /** Seconds since the epoch with 6 decimals, as formatEpoch() writes them. */
  epoch(seconds: number): void {
    this.microseconds(Math.round(seconds * 1e6));
  }

  /** A whole number of microseconds as seconds with 6 decimals ("12.000345"); micros ≥ 0. */
  microseconds(micros: number): void {
    const whole = Math.floor(micros / 1e6);
    this.integer(whole);
    this.byte(46); // "."
    this.paddedInteger(micros - whole * 1e6, 6);
  }
}

const scratch = new ByteBuffer(1 << 12);

/** What `write` puts into bytes, as a string (the one-off form of a byte writer). */
export function textOf<T>(write: (value: T, out: ByteBuffer) => void, value: T): string {
  scratch.length = 0;
  write(value, scratch);
  return scratch.bytes.toString("utf8", 0, scratch.length);
}
