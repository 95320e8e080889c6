/**
 * The reading half of a two-thread pipeline (see threaded-reader.ts): this
 * worker reads the capture file and runs the format reader (pcap-parser for
 * classic pcap, our block reader for pcapng), then hands the frames to the
 * main thread in batches. Each batch moves (transfers, without copying) the
 * buffer its frames live in, plus a table of where each frame is.
 */
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { CaptureFileError } from "./errors";
import type { FrameAnnotator, FrameAnnotatorModule } from "./annotations";
import type { CaptureInfo, Frame } from "./frame";
import { FRAME_FIELDS, isReadWorkerInput, type WorkerInput, type WorkerMessage } from "./read-protocol";
import { readCapture } from "./reader";
import type { FrameSink } from "./sink";

/** Buffers smaller than this may come from Node's shared pool: copy them, never transfer. */
const SMALLEST_TRANSFERABLE = 64 * 1024;

function run(port: MessagePort, input: WorkerInput): void {
  let inFlight = 0;
  let stop = false;
  let wakeReader: (() => void) | undefined;
  port.on("message", (message: { kind: "ack" } | { kind: "stop" }) => {
    if (message.kind === "ack") inFlight--;
    else stop = true;
    const wake = wakeReader;
    wakeReader = undefined;
    wake?.();
  });

  let currentBuffer: ArrayBuffer | undefined;
  let table = new Float64Array(FRAME_FIELDS * 1024);
  let count = 0;
  const annotator = input.annotator ? loadAnnotator(input.annotator.module, input.annotator.options) : undefined;

  const flush = () => {
    if (!currentBuffer || count === 0) return;
    let buffer = currentBuffer;
    const transfer: ArrayBuffer[] = [table.buffer as ArrayBuffer];
    const annotations = annotator?.takeBatch();
    if (annotations) for (const array of annotations.arrays) transfer.push(array.buffer as ArrayBuffer);
    if (buffer.byteLength >= SMALLEST_TRANSFERABLE) transfer.push(buffer);
    else buffer = buffer.slice(0);
    const message: WorkerMessage = { kind: "batch", buffer, table, count };
    if (annotations) message.annotations = annotations;
    port.postMessage(message, transfer);
    inFlight++;
    table = new Float64Array(FRAME_FIELDS * 1024);
    count = 0;
    currentBuffer = undefined;
  };

  let info: CaptureInfo | undefined;
  const sink: FrameSink = {
    info: (first) => {
      info = first;
      port.postMessage({ kind: "info", info: first } satisfies WorkerMessage);
    },
    issue: (issue) => port.postMessage({ kind: "issue", issue } satisfies WorkerMessage),
    secrets: (secretsType, data) => port.postMessage({ kind: "secrets", secretsType, data } satisfies WorkerMessage),
    frame: (frame: Frame) => {
      const buffer = frame.bytes.buffer as ArrayBuffer;
      // A frame in a new buffer means the reader has let go of the previous
      // one (pcap-parser and the pcapng reader both move to a new buffer per
      // chunk), so that one can be handed over now.
      if (buffer !== currentBuffer) {
        flush();
        currentBuffer = buffer;
      }
      if ((count + 1) * FRAME_FIELDS > table.length) {
        const bigger = new Float64Array(table.length * 2);
        bigger.set(table);
        table = bigger;
      }
      const at = count * FRAME_FIELDS;
      table[at] = frame.bytes.byteOffset;
      table[at + 1] = frame.capturedLength;
      table[at + 2] = frame.originalLength;
      table[at + 3] = frame.seconds;
      table[at + 4] = frame.nanos;
      table[at + 5] = frame.linkType;
      table[at + 6] = frame.interfaceId;
      table[at + 7] = frame.frame;
      annotator?.frame(frame);
      count++;
    },
  };

  readCapture(input.path, sink, {
    threads: false,
    chunkSize: input.chunkSize,
    onProgress: (bytesRead, totalBytes) => port.postMessage({ kind: "progress", bytesRead, totalBytes } satisfies WorkerMessage),
    shouldStop: () => stop,
    afterChunk: async () => {
      // Hand over whole chunks only when the reader has moved on (see frame()),
      // and wait while the main thread is behind: bounded memory.
      while (inFlight >= input.maxInFlight && !stop) {
        await new Promise<void>((resolve) => (wakeReader = resolve));
      }
    },
  }).then(
    () => {
      flush();
      if (info) port.postMessage({ kind: "info-final", info } satisfies WorkerMessage);
      port.postMessage({ kind: "done" } satisfies WorkerMessage);
    },
    (error: unknown) => {
      port.postMessage({ kind: "error", captureFileError: error instanceof CaptureFileError, message: error instanceof Error ? error.message : String(error) } satisfies WorkerMessage);
    },
  );
}

/** The annotating module the reader was asked to load (see annotations.ts). */
function loadAnnotator(module: string, options: unknown): FrameAnnotator {
  const loaded = require(module) as FrameAnnotatorModule;
  return loaded.createFrameAnnotator(options);
}

// Only in a worker the threaded reader started: a user's own worker thread that
// loads this module (through the library) must not start reading there.
if (parentPort && isReadWorkerInput(workerData)) run(parentPort, workerData);
