/**
 * gzip-compressed captures (Wireshark's `.pcapng.gz`), decompressed as they
 * are read, with three guarantees a plain `zlib.createGunzip()` does not give:
 *
 * - Damage at the end costs nothing that decompressed: a bad CRC-32 or ISIZE
 *   in the trailer, a file cut short, or bytes after the last member are
 *   reported and everything before is kept. (Node's Gunzip fails the whole
 *   last write on a bad trailer and drops its output with it.)
 * - A decompression bomb is cut short: the output may not exceed
 *   `maxExpansion` times the compressed bytes read so far (plus a small
 *   allowance, so tiny files are never refused).
 * - Back-pressure: output is produced as the consumer takes it.
 *
 * The file layout is RFC 1952: one or more members, each a header (§2.3.1), a
 * raw DEFLATE stream (RFC 1951) and an 8-byte trailer, CRC-32 then ISIZE
 * (the length mod 2^32), both little-endian. We parse the header and trailer
 * here and let zlib inflate the raw stream; zlib reports exactly how much
 * input the stream used (`bytesWritten`), which locates the trailer.
 */
import { Readable } from "node:stream";
import { constants, crc32, createInflateRaw } from "node:zlib";
import { makeIssue, type Issue } from "../expert/issues";
import { CaptureFileError } from "./errors";

/**
 * Default cap on output bytes per compressed byte. Captures compress 2–10×
 * (the fixtures: 1.9–3.4× with gzip -9; busy captures of near-identical
 * packets rarely pass 20×), while DEFLATE can reach about 1030×. 200 leaves
 * ten times the headroom of the most repetitive real capture, and still cuts
 * a bomb's work to a fifth of what it claims.
 */
export const DEFAULT_MAX_GZIP_EXPANSION = 200;

/** Output allowed whatever the ratio, so a small but repetitive capture is never refused. */
export const GZIP_EXPANSION_ALLOWANCE = 16 * 1024 * 1024;

/** A gzip header longer than this (a file name or extra field that never ends) is damage. */
const MAX_HEADER_LENGTH = 1024 * 1024;

const TRAILER_LENGTH = 8;

export interface GunzipOptions {
  /** Output bytes allowed per compressed byte read (default 200). */
  maxExpansion?: number;
  /** Output bytes per chunk (default 256 KiB). */
  chunkSize?: number;
}

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

const HEADER_INCOMPLETE = -1;
const HEADER_INVALID = -2;

// FLG bits (RFC 1952 §2.3.1); bits 5–7 are reserved and must be zero.
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FRESERVED = 0xe0;

/**
 * The length of the gzip member header at the start of `bytes`,
 * HEADER_INCOMPLETE when more bytes are needed, HEADER_INVALID when it is not
 * a gzip header with the DEFLATE method (CM = 8, §2.3.1).
 */
export function gzipHeaderLength(bytes: Uint8Array): number {
  if (bytes.length < 10) return HEADER_INCOMPLETE;
  if (!isGzip(bytes) || bytes[2] !== 8 || (bytes[3] & FRESERVED) !== 0) return HEADER_INVALID;
  const flags = bytes[3];
  let at = 10;
  if (flags & FEXTRA) {
    if (bytes.length < at + 2) return HEADER_INCOMPLETE;
    at += 2 + (bytes[at] | (bytes[at + 1] << 8));
  }
  for (const field of [FNAME, FCOMMENT]) {
    if ((flags & field) === 0) continue;
    const zero = at < bytes.length ? bytes.indexOf(0, at) : -1;
    if (zero < 0) return HEADER_INCOMPLETE;
    at = zero + 1;
  }
  if (flags & FHCRC) at += 2;
  return at <= bytes.length ? at : HEADER_INCOMPLETE;
}

/** Compressed bytes with look-ahead and put-back, pulled from the source on demand. */
class CompressedInput {
  private readonly pending: Uint8Array[] = [];
  private pendingLength = 0;
  private ended = false;
  /** Bytes taken from the source so far. */
  bytesRead = 0;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  /** Make at least `n` bytes available; false when the source ends first. */
  async fill(n: number): Promise<boolean> {
    while (this.pendingLength < n && !this.ended) {
      const next = await this.source.next();
      if (next.done) this.ended = true;
      else if (next.value.length > 0) this.putBack(next.value, true);
    }
    return this.pendingLength >= n;
  }

  get available(): number {
    return this.pendingLength;
  }

  /** The first `n` available bytes, as one array. */
  peek(n: number): Uint8Array {
    if (this.pending.length > 0 && this.pending[0].length >= n) return this.pending[0].subarray(0, n);
    const joined = new Uint8Array(n);
    let filled = 0;
    for (const chunk of this.pending) {
      const take = Math.min(chunk.length, n - filled);
      joined.set(chunk.subarray(0, take), filled);
      filled += take;
      if (filled === n) break;
    }
    return joined;
  }

  skip(n: number): void {
    while (n > 0) {
      const first = this.pending[0];
      if (first.length <= n) {
        this.pending.shift();
        n -= first.length;
        this.pendingLength -= first.length;
      } else {
        this.pending[0] = first.subarray(n);
        this.pendingLength -= n;
        n = 0;
      }
    }
  }

  /** The next chunk: what was put back first, else the source's next. */
  async take(): Promise<Uint8Array | undefined> {
    if (this.pending.length > 0) {
      const first = this.pending.shift()!;
      this.pendingLength -= first.length;
      return first;
    }
    if (this.ended) return undefined;
    for (;;) {
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        return undefined;
      }
      if (next.value.length === 0) continue;
      this.bytesRead += next.value.length;
      return next.value;
    }
  }

  /** Return bytes not used (they are read again, before anything newer). */
  putBack(chunk: Uint8Array, fromSource = false): void {
    if (fromSource) {
      this.bytesRead += chunk.length;
      this.pending.push(chunk);
    } else {
      this.pending.unshift(chunk);
    }
    this.pendingLength += chunk.length;
  }

  async close(): Promise<void> {
    await this.source.return?.();
  }
}

/**
 * Decompress `compressed` (gzip, one or more members). Damage is appended to
 * `issues` (file.gzip_damaged, file.gzip_expansion) and ends the output;
 * what decompressed before it is all yielded. Throws CaptureFileError only
 * when nothing at all could be decompressed.
 */
export async function* gunzip(compressed: AsyncIterable<Uint8Array>, name: string, issues: Issue[], options: GunzipOptions = {}): AsyncGenerator<Uint8Array> {
  const maxExpansion = options.maxExpansion ?? DEFAULT_MAX_GZIP_EXPANSION;
  const input = new CompressedInput(compressed[Symbol.asyncIterator]());
  let output = 0;
  const damaged = (message: string) => {
    if (output === 0) throw new CaptureFileError(`the gzip data in ${name} is damaged: ${message}`);
    issues.push(makeIssue("file.gzip_damaged", 0, `The gzip data in ${name} is damaged: ${message}. Everything that decompressed before it (${output} bytes) was kept`));
  };
  try {
    for (let member = 1; ; member++) {
      // The member header (§2.3.1).
      let headerLength = HEADER_INCOMPLETE;
      for (let want = 16; headerLength === HEADER_INCOMPLETE && want <= 2 * MAX_HEADER_LENGTH; want *= 2) {
        const complete = await input.fill(want);
        headerLength = gzipHeaderLength(input.peek(Math.min(want, input.available)));
        if (!complete) break;
      }
      if (headerLength < 0 || headerLength > MAX_HEADER_LENGTH) {
        if (member === 1) return damaged(headerLength === HEADER_INVALID ? "its header is not a valid gzip header" : "it ends inside its header");
        if (input.available > 0) damaged("it is followed by bytes that are not another gzip member; they were ignored");
        return;
      }
      input.skip(headerLength);

      // The raw DEFLATE stream. Chunks fed to zlib stay listed until it has
      // used them, so that what follows the stream (the trailer) can be put back.
      const inflate = createInflateRaw({ chunkSize: options.chunkSize ?? 256 * 1024, finishFlush: constants.Z_SYNC_FLUSH });
      const fed: Uint8Array[] = [];
      let forgotten = 0; // bytes of fed chunks already dropped from `fed`
      let pulling: Promise<Uint8Array | undefined> | undefined;
      const pull = async () => {
        const chunk = await input.take();
        if (chunk) fed.push(chunk);
        return chunk;
      };
      const feed = Readable.from(
        (async function* () {
          for (;;) {
            while (fed.length > 0 && forgotten + fed[0].length <= inflate.bytesWritten) forgotten += fed.shift()!.length;
            pulling = pull();
            const chunk = await pulling;
            pulling = undefined;
            if (!chunk) return;
            yield chunk;
          }
        })(),
        { objectMode: false },
      );
      feed.pipe(inflate);
      let crc = 0;
      let memberOutput = 0;
      try {
        for await (const chunk of inflate as AsyncIterable<Buffer>) {
          output += chunk.length;
          memberOutput += chunk.length;
          crc = crc32(chunk, crc);
          if (output > GZIP_EXPANSION_ALLOWANCE && output > maxExpansion * input.bytesRead) {
            issues.push(
              makeIssue(
                "file.gzip_expansion",
                0,
                `The gzip data in ${name} expands more than ${maxExpansion} times (${output} bytes from ${input.bytesRead}): reading stopped there, as for a decompression bomb (if the capture is genuine, raise maxGzipExpansion or decompress it first)`,
              ),
            );
            yield chunk;
            return;
          }
          yield chunk;
        }
      } catch (error) {
        return damaged(`decompression failed (${(error as Error).message})`);
      } finally {
        feed.unpipe(inflate);
        feed.destroy();
        inflate.destroy();
      }

      // Put back what zlib did not use: the trailer and anything after it.
      if (pulling) await pulling;
      let skipped = inflate.bytesWritten - forgotten;
      const unused: Uint8Array[] = [];
      for (const chunk of fed) {
        if (skipped >= chunk.length) skipped -= chunk.length;
        else {
          unused.push(chunk.subarray(skipped));
          skipped = 0;
        }
      }
      for (let i = unused.length - 1; i >= 0; i--) input.putBack(unused[i]);

      // The trailer (§2.3.1): CRC-32 and ISIZE of the uncompressed data.
      if (!(await input.fill(TRAILER_LENGTH))) return damaged("it is cut short (the end of its compressed data or its trailer is missing)");
      const trailer = input.peek(TRAILER_LENGTH);
      const view = new DataView(trailer.buffer, trailer.byteOffset, TRAILER_LENGTH);
      input.skip(TRAILER_LENGTH);
      if (view.getUint32(0, true) !== crc >>> 0) return damaged(`the CRC-32 in its trailer does not match the data (the data may be corrupt)`);
      if (view.getUint32(4, true) !== memberOutput % 2 ** 32) return damaged(`the length in its trailer does not match the data`);
      if (!(await input.fill(1))) return; // the normal end
    }
  } finally {
    await input.close();
  }
}
