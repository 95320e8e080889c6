/**
 * The reading half of a two-thread pipeline (see threaded-reader.ts): this
 * worker reads the capture file and runs the format reader (pcap-parser for
 * classic pcap, our block reader for pcapng), then hands the frames to the
 * main thread in batches. Each batch moves (transfers, without copying) the
 * buffer its frames live in, plus a table of where each frame is.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Issue } from "../expert/issues";
import { CaptureFileError } from "./errors";
import type { CaptureInfo, Frame } from "./frame";
import { MqttPredecoder, PredecodedBatch } from "../mqtt/predecode";
import { readCapture, type FrameSink } from "./reader";

/** Numbers per frame in a batch's table. */
export const FRAME_FIELDS = 10;
// [0] byte offset in the buffer, [1] captured length, [2] original length,
// [3] seconds, [4] nanos, [5] link type, [6] interface id, [7] frame number,
// [8] first of its packets decoded ahead in the batch's `packets`, [9] how many

export type WorkerMessage =
  | { kind: "info"; info: CaptureInfo }
  /** The reader fills in its CaptureInfo as it goes (pcapng interfaces): the final version. */
  | { kind: "info-final"; info: CaptureInfo }
  | { kind: "issue"; issue: Issue }
  | { kind: "batch"; buffer: ArrayBuffer; table: Float64Array; count: number; packets: Int32Array; strings: string[] }
  | { kind: "progress"; bytesRead: number; totalBytes: number | undefined }
  | { kind: "done" }
  | { kind: "error"; captureFileError: boolean; message: string };

export interface WorkerInput {
  path: string;
  chunkSize?: number;
  /** Batches that may be in flight (sent, not yet acknowledged) at once. */
  maxInFlight: number;
  /** Decode whole MQTT packets ahead (see mqtt/predecode.ts), and the level to assume. */
  mqttPredecode?: { defaultVersion: number };
}

/** Buffers smaller than this may come from Node's shared pool: copy them, never transfer. */
const SMALLEST_TRANSFERABLE = 64 * 1024;

function run(): void {
  const port = parentPort!;
  const input = workerData as WorkerInput;
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
  const predecoder = input.mqttPredecode ? new MqttPredecoder(input.mqttPredecode.defaultVersion) : undefined;
  const predecoded = new PredecodedBatch();

  const flush = () => {
    if (!currentBuffer || count === 0) return;
    let buffer = currentBuffer;
    const packets = predecoded.table;
    const transfer: ArrayBuffer[] = [table.buffer as ArrayBuffer, packets.buffer as ArrayBuffer];
    if (buffer.byteLength >= SMALLEST_TRANSFERABLE) transfer.push(buffer);
    else buffer = buffer.slice(0);
    port.postMessage({ kind: "batch", buffer, table, count, packets, strings: predecoded.strings } satisfies WorkerMessage, transfer);
    inFlight++;
    table = new Float64Array(FRAME_FIELDS * 1024);
    count = 0;
    predecoded.reset();
    currentBuffer = undefined;
  };

  let info: CaptureInfo | undefined;
  const sink: FrameSink = {
    info: (first) => {
      info = first;
      port.postMessage({ kind: "info", info: first } satisfies WorkerMessage);
    },
    issue: (issue) => port.postMessage({ kind: "issue", issue } satisfies WorkerMessage),
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
      table[at + 8] = predecoded.count;
      table[at + 9] = predecoder ? predecoder.frame(frame.bytes, frame.linkType, predecoded) : 0;
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

if (parentPort) run();
