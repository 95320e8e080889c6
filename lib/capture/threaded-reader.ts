/**
 * Reading a big capture file on a second thread.
 *
 * Parsing the file format (pcap-parser for classic pcap) takes about a fifth
 * of a full analysis. On a machine with two cores that part can run beside
 * the analysis instead of before each frame of it: a worker reads the file and
 * runs the format reader (read-worker.ts), and this side turns its batches
 * back into frames for the sink. Buffers are moved between threads, never
 * copied, and at most a few batches are in flight, so memory stays bounded.
 *
 * Used for files only (a path), and only when they are big enough for a
 * thread to pay off; the results are identical to the single-threaded reader
 * (a test compares them).
 */
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import { CaptureFileError } from "./errors";
import type { FrameAnnotationBatch, FrameAnnotations } from "./annotations";
import type { CaptureInfo, Frame } from "./frame";
import type { FrameSink, ReadOptions } from "./sink";
import { FRAME_FIELDS, READ_WORKER_MARKER, type WorkerInput, type WorkerMessage } from "./read-protocol";

/** Files at least this big are read on a worker thread by default. */
export const THREADED_READ_MIN_BYTES = 16 * 1024 * 1024;

/**
 * Bytes per read, and so per batch, on the worker thread. Everything a batch
 * yields (its messages, phases and stream events) is alive until the batch has
 * been taken, so a big batch keeps many young objects alive at once; V8 then
 * promotes them and tenures their allocation sites, and a run falls into
 * frequent full collections. Measured on the 1.09 M-packet fleet capture
 * with streamCapture (--trace-gc, 8 runs each): 1 MiB batches gave 14–15
 * full collections and 285–312 MiB in every run, 256 KiB batches did so in
 * about a third of the runs, 64 KiB batches in none (2 collections, 144–155 MiB).
 */
export const THREADED_READ_CHUNK_BYTES = 64 * 1024;

export function readCaptureThreaded(path: string, sink: FrameSink, options: ReadOptions = {}): Promise<void> {
  const input: WorkerInput = { marker: READ_WORKER_MARKER, path, chunkSize: options.chunkSize ?? THREADED_READ_CHUNK_BYTES, maxInFlight: 4 };
  if (options.annotator) input.annotator = options.annotator;
  // The reader keeps little (frames leave as moved buffers, its live heap is
  // ~6 MB), but decoding ahead allocates fast enough for V8 to grow its young
  // generation to 32 MB: capped, it stays at 15 MB (measured on the 2 GB
  // capture) at no measurable cost in speed.
  const worker = new Worker(join(__dirname, "read-worker.js"), { workerData: input, resourceLimits: { maxYoungGenerationSizeMb: 12 } });
  const reusable: Frame | undefined = sink.transientFrames ? { frame: 0, time: 0, seconds: 0, nanos: 0, capturedLength: 0, originalLength: 0, linkType: 0, interfaceId: 0, bytes: new Uint8Array(0), annotations: undefined } : undefined;
  let lastBytesRead = 0;
  let totalBytes: number | undefined;
  let stopped = false;
  let info: CaptureInfo | undefined;

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (error) reject(error);
      else resolve();
    };
    // Messages are handled one at a time, in order, even when a batch awaits the consumer.
    let queue: Promise<void> = Promise.resolve();
    worker.on("message", (message: WorkerMessage) => {
      queue = queue.then(() => handle(message)).catch((error: Error) => finish(error));
    });
    worker.on("error", (error) => finish(error));
    worker.on("exit", (code) => {
      if (!settled) finish(new Error(`the capture reader thread stopped unexpectedly (exit code ${code})`));
    });

    const handle = async (message: WorkerMessage): Promise<void> => {
      if (settled) return;
      switch (message.kind) {
        case "info":
          info = message.info;
          sink.info(info);
          return;
        case "info-final":
          // The sink holds the first object: complete it in place, as the reader does.
          if (info) Object.assign(info, message.info);
          return;
        case "issue":
          sink.issue(message.issue);
          return;
        case "secrets":
          sink.secrets?.(message.secretsType, message.data);
          return;
        case "progress":
          lastBytesRead = message.bytesRead;
          totalBytes = message.totalBytes;
          return;
        case "batch": {
          if (!stopped) {
            const annotations = message.annotations && options.annotator ? { module: options.annotator.module, arrays: message.annotations.arrays, strings: message.annotations.strings } : undefined;
            deliver(message.buffer, message.table, message.count, annotations);
          }
          options.onProgress?.(lastBytesRead, totalBytes);
          if (options.afterChunk) await options.afterChunk();
          if (!stopped && options.shouldStop?.()) {
            stopped = true;
            worker.postMessage({ kind: "stop" });
          }
          worker.postMessage({ kind: "ack" });
          return;
        }
        case "done":
          finish();
          return;
        case "error":
          finish(message.captureFileError ? new CaptureFileError(message.message) : new Error(message.message));
          return;
      }
    };

    // With a reused frame, one annotations object is re-pointed for every frame too.
    const reusableAnnotations: FrameAnnotations | undefined = reusable ? { batch: { module: "", arrays: [], strings: [] }, index: 0 } : undefined;
    const deliver = (buffer: ArrayBuffer, table: Float64Array, count: number, batch: FrameAnnotationBatch | undefined) => {
      if (reusable) reusable.annotations = batch ? reusableAnnotations : undefined;
      if (batch && reusableAnnotations) reusableAnnotations.batch = batch;
      for (let i = 0; i < count; i++) {
        const at = i * FRAME_FIELDS;
        const seconds = table[at + 3];
        const nanos = table[at + 4];
        const bytes = Buffer.from(buffer, table[at], table[at + 1]);
        if (reusable) {
          reusable.frame = table[at + 7];
          reusable.time = seconds + nanos / 1e9;
          reusable.seconds = seconds;
          reusable.nanos = nanos;
          reusable.capturedLength = table[at + 1];
          reusable.originalLength = table[at + 2];
          reusable.linkType = table[at + 5];
          reusable.interfaceId = table[at + 6];
          reusable.bytes = bytes;
          if (reusableAnnotations) reusableAnnotations.index = i;
          sink.frame(reusable);
        } else {
          const frame: Frame = {
            frame: table[at + 7],
            time: seconds + nanos / 1e9,
            seconds,
            nanos,
            capturedLength: table[at + 1],
            originalLength: table[at + 2],
            linkType: table[at + 5],
            interfaceId: table[at + 6],
            bytes,
          };
          if (batch) frame.annotations = { batch, index: i };
          sink.frame(frame);
        }
      }
    };
  });
}
