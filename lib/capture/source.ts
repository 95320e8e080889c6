/**
 * Where capture bytes come from: a file path, bytes already in memory, or a
 * Node readable stream (stdin, an HTTP body, a live capture pipe). Each is
 * turned into an async sequence of chunks. gzip-compressed captures (as
 * Wireshark writes with `.pcapng.gz`) are decompressed on the fly (gunzip.ts).
 *
 * A path is read front to back, never at an offset, so it may also name a
 * pipe or FIFO (`analyze <(zcat x.pcap.gz)`, `/dev/stdin`, `mkfifo`): the
 * format is sniffed from the first bytes that arrive. Opening a FIFO waits
 * for a writer, as tshark does; the capture ends when the writer closes it.
 */
import { open, type FileHandle } from "node:fs/promises";
import type { Issue } from "../expert/issues";
import { CaptureFileError } from "./errors";
import { gunzip, isGzip } from "./gunzip";

export type CaptureSource = string | Uint8Array | ArrayBuffer | NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

export interface OpenOptions {
  /** Bytes per read from a file (default 256 KiB). */
  chunkSize?: number;
  /**
   * gzip input: stop (with a file.gzip_expansion issue) once the output passes
   * this many times the compressed bytes read (default 200; real captures
   * compress 2–10×; see gunzip.ts).
   */
  maxGzipExpansion?: number;
}

export interface OpenedSource {
  /** A name for messages: the path, or "the capture bytes", or "the stream". */
  name: string;
  /** Total size in bytes, when known (files and byte arrays). */
  size: number | undefined;
  chunks: AsyncIterable<Uint8Array>;
  compressed?: "gzip";
  /** For progress on compressed input: compressed bytes read so far. */
  compressedBytesRead(): number;
  /** Damage found while reading (a damaged gzip trailer…), once `chunks` has ended. */
  issues: Issue[];
  close(): Promise<void>;
}

export const DEFAULT_CHUNK_SIZE = 256 * 1024;

export async function openChunks(source: CaptureSource, options: OpenOptions = {}): Promise<OpenedSource> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (typeof source === "string") return openFile(source, chunkSize, options);
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    return maybeGunzip(
      {
        name: "the capture bytes",
        size: bytes.length,
        chunks: bytesInChunks(bytes, chunkSize),
        compressedBytesRead: () => 0,
        issues: [],
        close: async () => undefined,
      },
      bytes.subarray(0, 2),
      options,
    );
  }
  if (isAsyncIterable(source)) {
    const iterable = source as AsyncIterable<Uint8Array>;
    return peekAndMaybeGunzip("the stream", undefined, iterable, options, async () => {
      const destroyable = source as { destroy?: () => void };
      destroyable.destroy?.();
    });
  }
  throw new CaptureFileError("the capture source must be a file path, a Uint8Array or a readable stream");
}

const STANDARD_INPUT_PATHS = new Set(["/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"]);

async function openFile(path: string, chunkSize: number, options: OpenOptions): Promise<OpenedSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r"); // a FIFO: waits here for a writer
  } catch (error) {
    // Standard input that is a socket (as Node's child_process gives) cannot be opened by name.
    if ((error as NodeJS.ErrnoException).code === "ENXIO" && STANDARD_INPUT_PATHS.has(path)) {
      return peekAndMaybeGunzip(path, undefined, process.stdin, options, async () => undefined);
    }
    throw new CaptureFileError(describeOpenError(path, error as NodeJS.ErrnoException));
  }
  const stats = await handle.stat();
  if (stats.isDirectory()) {
    await handle.close();
    throw new CaptureFileError(`${path} is a directory, not a capture file`);
  }
  let bytesRead = 0;
  async function* readFile(): AsyncGenerator<Uint8Array> {
    let buffer: Buffer | undefined;
    for (;;) {
      // A fresh buffer per chunk kept: frames are views into it and may outlive the loop.
      buffer ??= Buffer.allocUnsafeSlow(chunkSize);
      // Position null: from where the last read ended, which pipes require (no pread).
      const { bytesRead: count } = await handle.read(buffer, 0, chunkSize, null);
      if (count === 0) return;
      bytesRead += count;
      if (count === chunkSize) {
        yield buffer;
        buffer = undefined;
      } else if (count >= chunkSize / 2) {
        yield buffer.subarray(0, count);
        buffer = undefined;
      } else {
        // A short read (a pipe gives 64 KiB or less at a time): keep a copy of
        // just those bytes, and read into the same buffer again.
        yield Uint8Array.prototype.slice.call(buffer, 0, count);
      }
    }
  }
  return peekAndMaybeGunzip(path, stats.isFile() ? stats.size : undefined, readFile(), options, () => handle.close(), () => bytesRead);
}

function describeOpenError(path: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ENOENT":
      return `no such file: ${path}`;
    case "EACCES":
    case "EPERM":
      return `permission denied reading ${path} (check the file's owner and mode, e.g. \`ls -l ${path}\`; captures written by root need \`sudo chown $USER ${path}\`)`;
    case "EISDIR":
      return `${path} is a directory, not a capture file`;
    default:
      return `cannot open ${path}: ${error.message}`;
  }
}

function* bytesInChunksSync(bytes: Uint8Array, chunkSize: number): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += chunkSize) yield bytes.subarray(offset, offset + chunkSize);
}

async function* bytesInChunks(bytes: Uint8Array, chunkSize: number): AsyncGenerator<Uint8Array> {
  yield* bytesInChunksSync(bytes, chunkSize);
}

function maybeGunzip(opened: OpenedSource, head: Uint8Array, options: OpenOptions): OpenedSource {
  if (!isGzip(head)) return opened;
  let compressedRead = 0;
  const counted = (async function* () {
    for await (const chunk of opened.chunks) {
      compressedRead += chunk.length;
      yield chunk;
    }
  })();
  const issues: Issue[] = [];
  return {
    name: opened.name,
    size: opened.size,
    chunks: gunzip(counted, opened.name, issues, { maxExpansion: options.maxGzipExpansion }),
    compressed: "gzip",
    compressedBytesRead: () => compressedRead,
    issues,
    close: () => opened.close(),
  };
}

/** Sniff a stream's first chunk (gzip or not) without losing it. */
async function peekAndMaybeGunzip(
  name: string,
  size: number | undefined,
  iterable: AsyncIterable<Uint8Array>,
  options: OpenOptions,
  close: () => Promise<void>,
  bytesRead: () => number = () => 0,
): Promise<OpenedSource> {
  const iterator = iterable[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array>;
  try {
    first = await iterator.next();
  } catch (error) {
    await close();
    throw new CaptureFileError(`cannot read ${name}: ${(error as Error).message}`);
  }
  const firstChunk = first.done ? new Uint8Array(0) : toBytes(first.value);
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (firstChunk.length > 0) yield firstChunk;
    if (first.done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield toBytes(next.value);
    }
  }
  return maybeGunzip({ name, size, chunks: rest(), compressedBytesRead: bytesRead, issues: [], close }, firstChunk.subarray(0, 2), options);
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === "string") return Buffer.from(chunk, "latin1");
  throw new CaptureFileError("the capture stream must deliver bytes, not objects (did you set an encoding on it?)");
}

function isAsyncIterable(value: unknown): boolean {
  return typeof value === "object" && value !== null && typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function";
}
