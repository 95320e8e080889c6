/**
 * Reading a capture: open the source, detect the format by its magic number
 * (never by file name), and hand each frame to a sink.
 *
 * The read loop is synchronous per chunk: a chunk is pushed into the format
 * reader, which calls `sink.frame()` for every complete record in it before the
 * next chunk is read. Memory is the chunk size plus whatever the sink keeps.
 */
import { CaptureFileError } from "./errors";
import { PcapMagic, PcapReader } from "./pcap";
import { PcapngReader } from "./pcapng";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { openChunks, type CaptureSource } from "./source";
import type { FormatReader, FrameSink, ReadOptions } from "./sink";
import { readCaptureThreaded, THREADED_READ_MIN_BYTES } from "./threaded-reader";

export type { FormatReader, FrameSink, ReadOptions } from "./sink";

export type CaptureFormat = "pcap" | "pcapng";

/** Identify a capture format from its first four bytes. */
export function detectFormat(head: Uint8Array): CaptureFormat | undefined {
  if (head.length < 4) return undefined;
  const magic = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  switch (magic) {
    case PcapMagic.microsecondsBigEndian:
    case PcapMagic.microsecondsLittleEndian:
    case PcapMagic.nanosecondsBigEndian:
    case PcapMagic.nanosecondsLittleEndian:
      return "pcap";
    case 0x0a0d0d0a:
      return "pcapng";
    default:
      return undefined;
  }
}

/** Say what a file that is not a capture looks like, for the error message. */
export function describeNonCapture(head: Uint8Array, name: string): string {
  const hex = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
  const magic = head.length >= 4 ? ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0 : -1;
  let guess = "";
  if (head.length === 0) return `${name} is empty, not a capture file`;
  if (magic === 0xa1b2cd34 || magic === 0x34cdb2a1) guess = " (a 'modified' pcap from an old patched libpcap; re-save it with `editcap -F pcap in out`)";
  else if (head[0] === 0x50 && head[1] === 0x4b) guess = " (a zip archive: extract the capture first)";
  else if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) guess = " (zstd-compressed: decompress it with `zstd -d` first)";
  else if (head[0] === 0xfd && head[1] === 0x37) guess = " (xz-compressed: decompress it with `xz -d` first)";
  else if (head.subarray(0, 8).every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f))) guess = " (it looks like text)";
  return `${name} is not a pcap or pcapng capture: it starts with ${hex}${guess}`;
}

export function createFormatReader(format: CaptureFormat, sink: FrameSink): FormatReader {
  return format === "pcap" ? new PcapReader(sink) : new PcapngReader(sink);
}

/**
 * Read a whole capture into `sink`. Throws CaptureFileError only when the
 * source cannot be used at all (missing, unreadable, not a capture); damage
 * part-way is reported through `sink.issue` and everything before it is kept.
 */
export async function readCapture(source: CaptureSource, sink: FrameSink, options: ReadOptions = {}): Promise<void> {
  if (typeof source === "string" && options.threads !== false && worthAThread(source, options.threads === true)) {
    return readCaptureThreaded(source, sink, options);
  }
  const opened = await openChunks(source, options);
  let reader: FormatReader | undefined;
  let head: Uint8Array = new Uint8Array(0);
  let bytesRead = 0;
  try {
    for await (const chunk of opened.chunks) {
      bytesRead += chunk.length;
      if (!reader) {
        // Collect at least four bytes to see the magic (streams may trickle).
        head = head.length === 0 ? chunk : concat(head, chunk);
        if (head.length < 4) continue;
        const format = detectFormat(head);
        if (!format) throw new CaptureFileError(describeNonCapture(head, opened.name));
        reader = createFormatReader(format, sink);
        reader.push(head);
      } else {
        reader.push(chunk);
      }
      options.onProgress?.(opened.compressed ? opened.compressedBytesRead() : bytesRead, opened.size);
      if (options.afterChunk) await options.afterChunk();
      if (reader.stopped || options.shouldStop?.()) break;
    }
  } catch (error) {
    if (error instanceof CaptureFileError) throw error;
    // An I/O error part-way: keep what was read, report the rest as lost.
    if (!reader) throw new CaptureFileError(`cannot read ${opened.name}: ${(error as Error).message}`);
    sink.issue({
      frame: 0,
      layer: "file",
      code: "file.read_error",
      group: "malformed",
      severity: "error",
      message: `Reading ${opened.name} failed after ${bytesRead} bytes: ${(error as Error).message}`,
    });
    return;
  } finally {
    await opened.close();
  }
  if (!reader) {
    throw new CaptureFileError(describeNonCapture(head, opened.name));
  }
  for (const issue of opened.issues) sink.issue(issue);
  if (!reader.stopped) reader.end();
  if (reader.info && opened.compressed) reader.info.compressed = opened.compressed;
}

/** A plain (not gzip) capture file big enough for a reader thread to pay off. */
function worthAThread(path: string, forced: boolean): boolean {
  try {
    const stats = statSync(path);
    if (!stats.isFile() || (!forced && stats.size < THREADED_READ_MIN_BYTES)) return false;
    const fd = openSync(path, "r");
    try {
      const head = Buffer.alloc(4);
      readSync(fd, head, 0, 4, 0);
      return detectFormat(head) !== undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    // Let the ordinary path report what is wrong with the file.
    return false;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}
