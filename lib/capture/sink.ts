/**
 * The contracts between a capture reader and what it feeds: the sink that
 * receives frames, the per-format reader, and the reading options. Types
 * only, so that the readers (single- and two-threaded) and the formats can
 * all depend on them without depending on each other.
 */
import type { Issue } from "../expert/issues";
import type { FrameAnnotatorSpec } from "./annotations";
import type { CaptureInfo, Frame } from "./frame";
import type { OpenOptions } from "./source";

export interface FrameSink {
  info(info: CaptureInfo): void;
  /** One frame; see `transientFrames` for how long it may be kept. */
  frame(frame: Frame): void;
  issue(issue: Issue): void;
  /**
   * Secrets a capture file carries for decrypting its traffic (a pcapng
   * Decryption Secrets Block, §4.7): `type` is its Secrets Type (e.g.
   * 0x544c534b "TLSK", a TLS key log) and `data` its bytes, a copy the sink
   * may keep. What they mean is the sink's business; readers only hand them on.
   */
  secrets?(type: number, data: Uint8Array): void;
  /**
   * Set when the sink never keeps a Frame object past the call: the reader
   * then reuses one object for every frame (the bytes are never reused).
   */
  readonly transientFrames?: boolean;
}

/** A reader for one file format, fed chunk by chunk. */
export interface FormatReader {
  readonly info: CaptureInfo | undefined;
  /** Set once the file is damaged beyond repair: further input is ignored. */
  readonly stopped: boolean;
  push(chunk: Uint8Array): void;
  end(): void;
}

export interface ReadOptions extends OpenOptions {
  /** Called after each chunk with the bytes read so far (for progress). */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /** Stop reading when this returns true (checked between chunks). */
  shouldStop?: () => boolean;
  /** Awaited after each chunk has been processed, before the next read (back-pressure). */
  afterChunk?: () => Promise<void> | void;
  /**
   * Read and parse the file format on a worker thread while the caller
   * analyses (files only, not gzip). Default: for files of 16 MiB or more.
   */
  threads?: boolean;
  /**
   * Work to do on the reader thread for each frame, when there is one (see
   * annotations.ts); delivered frames then carry `annotations`. Ignored when
   * the file is read on the caller's thread.
   */
  annotator?: FrameAnnotatorSpec;
}
