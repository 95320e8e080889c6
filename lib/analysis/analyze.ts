/**
 * The two entry points of the analysis:
 *
 * - `analyzeCapture(source, options)` reads a whole capture and returns one
 *   object: `{capture, connections, messages, phases, packets, issues}`.
 * - `streamCapture(source, options)` is an async iterator of events (packets,
 *   messages, phases, connections, issues) in capture order, for captures too
 *   big to hold: memory stays bounded by the open connections.
 *
 * Both throw CaptureFileError only when the source is not a usable capture at
 * all; damage part-way becomes issues, and everything before it is kept.
 */
import { readCapture, type ReadOptions } from "../capture/reader";
import type { CaptureSource } from "../capture/source";
import { Analyzer, type AnalysisSink, type AnalyzeOptions } from "./analyzer";
import type { Issue } from "./issues";
import type { Analysis, AnalysisEvent, ConnectionSummary, MqttMessage, PacketRow, Phase } from "./types";

export interface AnalyzeCaptureOptions extends AnalyzeOptions {
  /**
   * Keep the packet list (default true). Set false for very large captures:
   * rows are then not even built, which is also faster.
   */
  packets?: boolean;
  /** Keep at most this many issues (default 10,000); counts of all are in capture.issueCounts. */
  maxIssues?: number;
  /** Progress callback: bytes read so far, and the total when known. */
  onProgress?: ReadOptions["onProgress"];
  /** Bytes per read (default 256 KiB). */
  chunkSize?: number;
  /** Read the file on a second thread (default: for files of 16 MiB or more). */
  threads?: boolean;
}

export async function analyzeCapture(source: CaptureSource, options: AnalyzeCaptureOptions = {}): Promise<Analysis> {
  const packets: PacketRow[] = [];
  const messages: MqttMessage[] = [];
  const phases: Phase[] = [];
  const connections: ConnectionSummary[] = [];
  const issues: Issue[] = [];
  const maxIssues = options.maxIssues ?? 10000;
  const sink: AnalysisSink = {
    message: (m) => messages.push(m),
    phase: (p) => {
      // Arrays grown by push keep spare capacity (V8 reserves 17 slots on the
      // first push): kept phases get exact-size copies, halving their memory.
      p.frames = p.frames.slice();
      p.steps = p.steps.slice();
      phases.push(p);
    },
    connection: (c) => connections.push(c),
    issue: (i) => {
      if (issues.length < maxIssues) issues.push(i);
    },
  };
  if (options.packets ?? true) sink.packet = (row) => packets.push(row);
  const analyzer = new Analyzer(options, sink);
  await readCapture(source, analyzer, { chunkSize: options.chunkSize, onProgress: options.onProgress, threads: options.threads });
  const capture = analyzer.finish(typeof source === "string" ? source : undefined);
  // Phases settle out of order (a PUBLISH may be answered after a later
  // PINGREQ); present them in the order they began, as a timeline reads.
  phases.sort((a, b) => a.startFrame - b.startFrame || a.id - b.id);
  connections.sort((a, b) => a.stream - b.stream);
  issues.sort((a, b) => a.frame - b.frame);
  return { capture, connections, messages, phases, packets, issues };
}

export interface StreamCaptureOptions extends AnalyzeOptions {
  /** Which events to produce (default: all). Leaving out "packet" is much faster. */
  include?: ReadonlyArray<AnalysisEvent["kind"]>;
  chunkSize?: number;
  /** Read the file on a second thread (default: for files of 16 MiB or more). */
  threads?: boolean;
  onProgress?: ReadOptions["onProgress"];
}

/**
 * Events as the capture is read. Each chunk of the file (256 KiB by default) is
 * analysed, its events are yielded, and only then is the next chunk read: the
 * consumer sets the pace and memory does not grow with the file.
 */
export async function* streamCapture(source: CaptureSource, options: StreamCaptureOptions = {}): AsyncGenerator<AnalysisEvent, void, undefined> {
  const include = new Set(options.include ?? ["capture", "packet", "message", "phase", "connection", "issue", "end"]);
  let queue: AnalysisEvent[] = [];
  const sink: AnalysisSink = {};
  if (include.has("capture")) sink.capture = (capture) => queue.push({ kind: "capture", capture });
  if (include.has("packet")) sink.packet = (packet) => queue.push({ kind: "packet", packet });
  if (include.has("message")) sink.message = (message) => queue.push({ kind: "message", message });
  if (include.has("phase")) sink.phase = (phase) => queue.push({ kind: "phase", phase });
  if (include.has("connection")) sink.connection = (connection) => queue.push({ kind: "connection", connection });
  if (include.has("issue")) sink.issue = (issue) => queue.push({ kind: "issue", issue });
  const analyzer = new Analyzer(options, sink);

  // The reader waits after each chunk until the consumer has taken its events.
  let releaseReader: (() => void) | undefined;
  let wakeConsumer: (() => void) | undefined;
  let readerDone = false;
  let readerError: unknown;
  let stopped = false;
  const reading = readCapture(source, analyzer, {
    chunkSize: options.chunkSize,
    threads: options.threads,
    onProgress: options.onProgress,
    shouldStop: () => stopped,
    afterChunk: () => {
      if (queue.length === 0 || stopped) return;
      return new Promise<void>((resolve) => {
        releaseReader = resolve;
        wakeConsumer?.();
      });
    },
  }).then(
    () => {
      readerDone = true;
      wakeConsumer?.();
    },
    (error: unknown) => {
      readerError = error;
      readerDone = true;
      wakeConsumer?.();
    },
  );
  try {
    for (;;) {
      if (queue.length > 0) {
        const batch = queue;
        queue = [];
        for (const event of batch) yield event;
        const release = releaseReader;
        releaseReader = undefined;
        release?.();
        continue;
      }
      if (readerDone) break;
      await new Promise<void>((resolve) => {
        wakeConsumer = resolve;
      });
      wakeConsumer = undefined;
    }
    if (readerError) throw readerError;
    const capture = analyzer.finish(typeof source === "string" ? source : undefined);
    for (const event of queue) yield event;
    queue = [];
    if (include.has("end")) yield { kind: "end", capture };
  } finally {
    // The consumer stopped early (break/return) or we are done: let the reader finish and close the file.
    stopped = true;
    releaseReader?.();
    await reading;
  }
}
