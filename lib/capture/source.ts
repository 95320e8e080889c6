/**
 * Where capture bytes come from: a file path, bytes already in memory, or a
 * Node readable stream (stdin, an HTTP body, a live capture pipe). Each is
 * turned into an async sequence of chunks. gzip-compressed captures (as
 * Wireshark writes with `.pcapng.gz`) are decompressed on the fly.
 */
import { open, type FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { CaptureFileError } from "./errors";

export type CaptureSource = string | Uint8Array | ArrayBuffer | NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

export interface OpenOptions {
  /** Bytes per read from a file (default 256 KiB). */
  chunkSize?: number;
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
  close(): Promise<void>;
}

export const DEFAULT_CHUNK_SIZE = 256 * 1024;

export async function openChunks(source: CaptureSource, options: OpenOptions = {}): Promise<OpenedSource> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (typeof source === "string") return openFile(source, chunkSize);
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    return maybeGunzip({
      name: "the capture bytes",
      size: bytes.length,
      chunks: bytesInChunks(bytes, chunkSize),
      compressedBytesRead: () => 0,
      close: async () => undefined,
    }, bytes.subarray(0, 2));
  }
  if (isAsyncIterable(source)) {
    const iterable = source as AsyncIterable<Uint8Array>;
    return peekAndMaybeGunzip("the stream", undefined, iterable, async () => {
      const destroyable = source as { destroy?: () => void };
      destroyable.destroy?.();
    });
  }
  throw new CaptureFileError("the capture source must be a file path, a Uint8Array or a readable stream");
}

async function openFile(path: string, chunkSize: number): Promise<OpenedSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw new CaptureFileError(describeOpenError(path, error as NodeJS.ErrnoException));
  }
  const stats = await handle.stat();
  if (stats.isDirectory()) {
    await handle.close();
    throw new CaptureFileError(`${path} is a directory, not a capture file`);
  }
  const head = new Uint8Array(2);
  await handle.read(head, 0, 2, 0);
  let compressedRead = 0;
  async function* readFile(): AsyncGenerator<Uint8Array> {
    let position = 0;
    for (;;) {
      // A fresh buffer per read: frames are views into it and may outlive the loop.
      const buffer = Buffer.allocUnsafeSlow(chunkSize);
      const { bytesRead } = await handle.read(buffer, 0, chunkSize, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      compressedRead = position;
      yield bytesRead === chunkSize ? buffer : buffer.subarray(0, bytesRead);
    }
  }
  const opened: OpenedSource = {
    name: path,
    size: stats.size,
    chunks: readFile(),
    compressedBytesRead: () => compressedRead,
    close: () => handle.close(),
  };
  return maybeGunzip(opened, head);
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

function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

function maybeGunzip(opened: OpenedSource, head: Uint8Array): OpenedSource {
  if (!isGzip(head)) return opened;
  let compressedRead = 0;
  const counted = (async function* () {
    for await (const chunk of opened.chunks) {
      compressedRead += chunk.length;
      yield chunk;
    }
  })();
  const gunzip = Readable.from(counted, { objectMode: false }).pipe(createGunzip({ chunkSize: 256 * 1024 }));
  return {
    name: opened.name,
    size: opened.size,
    chunks: gunzipChunks(gunzip, opened.name),
    compressed: "gzip",
    compressedBytesRead: () => compressedRead,
    close: async () => {
      gunzip.destroy();
      await opened.close();
    },
  };
}

async function* gunzipChunks(gunzip: NodeJS.ReadableStream, name: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of gunzip as AsyncIterable<Uint8Array>) yield chunk;
  } catch (error) {
    throw new Error(`gzip data in ${name} is damaged: ${(error as Error).message}`);
  }
}

async function peekAndMaybeGunzip(name: string, size: number | undefined, iterable: AsyncIterable<Uint8Array>, close: () => Promise<void>): Promise<OpenedSource> {
  const iterator = iterable[Symbol.asyncIterator]();
  const first = await iterator.next();
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
  return maybeGunzip({ name, size, chunks: rest(), compressedBytesRead: () => 0, close }, firstChunk.subarray(0, 2));
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === "string") return Buffer.from(chunk, "latin1");
  throw new CaptureFileError("the capture stream must deliver bytes, not objects (did you set an encoding on it?)");
}

function isAsyncIterable(value: unknown): boolean {
  return typeof value === "object" && value !== null && typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function";
}
