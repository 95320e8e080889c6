/**
 * The messages between the threaded reader (main thread, threaded-reader.ts)
 * and its worker (read-worker.ts). Both sides import this file; neither
 * imports the other, so loading the reader never loads the worker's code.
 */
import type { Issue } from "../expert/issues";
import type { FrameAnnotatorSpec } from "./annotations";
import type { CaptureInfo } from "./frame";

/** Numbers per frame in a batch's table. */
export const FRAME_FIELDS = 8;
// [0] byte offset in the buffer, [1] captured length, [2] original length,
// [3] seconds, [4] nanos, [5] link type, [6] interface id, [7] frame number

export type WorkerMessage =
  | { kind: "info"; info: CaptureInfo }
  /** The reader fills in its CaptureInfo as it goes (pcapng interfaces): the final version. */
  | { kind: "info-final"; info: CaptureInfo }
  | { kind: "issue"; issue: Issue }
  /** A Decryption Secrets Block's contents (sent as soon as read: ahead of the frames that need them). */
  | { kind: "secrets"; secretsType: number; data: Uint8Array }
  /** `annotations`: the annotator's arrays and strings for these frames, when there is an annotator. */
  | { kind: "batch"; buffer: ArrayBuffer; table: Float64Array; count: number; annotations?: { arrays: Int32Array[]; strings: string[] } }
  | { kind: "progress"; bytesRead: number; totalBytes: number | undefined }
  | { kind: "done" }
  | { kind: "error"; captureFileError: boolean; message: string };

export interface WorkerInput {
  /** Always READ_WORKER_MARKER: tells the worker module it was started by the reader. */
  marker: typeof READ_WORKER_MARKER;
  path: string;
  chunkSize?: number;
  /** Batches that may be in flight (sent, not yet acknowledged) at once. */
  maxInFlight: number;
  /** The module that annotates each frame here (see annotations.ts). */
  annotator?: FrameAnnotatorSpec;
}

/** Set in the worker's workerData by the threaded reader, and only by it. */
export const READ_WORKER_MARKER = "iot-wire-lab/capture-read-worker";

/** True for the workerData of a worker the threaded reader started. */
export function isReadWorkerInput(data: unknown): data is WorkerInput {
  return typeof data === "object" && data !== null && (data as { marker?: unknown }).marker === READ_WORKER_MARKER;
}
