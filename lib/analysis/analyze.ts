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
import { getHeapStatistics } from "node:v8";
import { readCapture, type ReadOptions } from "../capture/reader";
import type { CaptureSource } from "../capture/source";
import { Analyzer, type AnalysisSink, type AnalyzeOptions } from "./analyzer";
import { makeIssue, type Issue } from "../expert/issues";
import type { Analysis, AnalysisEvent, ConnectionSummary, MqttMessage, PacketRow, Phase } from "./types";

export interface AnalyzeCaptureOptions extends AnalyzeOptions {
  /**
   * Keep the packet list (default true). Set false for very large captures:
   * rows are then not even built, which is also faster.
   */
  packets?: boolean;
  /**
   * Keep every MQTT message (default true). Phases, connections and the
   * counts in `capture` do not need them: set false when only phases matter,
   * e.g. a phase timeline or latency chart of a million-packet capture (about
   * half the memory, and faster).
   */
  messages?: boolean;
  /** Keep at most this many issues (default 10,000); counts of all are in capture.issueCounts. */
  maxIssues?: number;
  /** Progress callback: bytes read so far, and the total when known. */
  onProgress?: ReadOptions["onProgress"];
  /** Bytes per read (default 256 KiB; 64 KiB when a big file is read on a worker thread). */
  chunkSize?: number;
  /** Read the file on a second thread (default: for files of 16 MiB or more). */
  threads?: boolean;
  /** gzip input: stop once it expands more than this many times (default 200; see capture/gunzip.ts). */
  maxGzipExpansion?: number;
  /**
   * Heap bytes the kept results may bring the process to (default: 60 % of
   * V8's heap limit). Past 70 % of it the packet list stops growing; past all
   * of it, messages and phases stop being kept too (they are still counted in
   * `capture`). Each cut is reported as an issue with the frame it happened
   * at, so a capture too big for memory gives a partial analysis that says
   * so, instead of ending the process (or the notebook kernel) with
   * "JavaScript heap out of memory".
   */
  memoryBudget?: number;
}

/** Share of V8's heap limit that analyzeCapture's results may reach by default. */
const DEFAULT_MEMORY_SHARE = 0.6;
/** Share of the budget at which the packet list (the biggest part) stops growing. */
const PACKET_LIST_SHARE = 0.7;

function mebibytes(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20).toLocaleString("en")} MiB`;
}

export async function analyzeCapture(source: CaptureSource, options: AnalyzeCaptureOptions = {}): Promise<Analysis> {
  const packets: PacketRow[] = [];
  const messages: MqttMessage[] = [];
  const phases: Phase[] = [];
  const connections: ConnectionSummary[] = [];
  const issues: Issue[] = [];
  const maxIssues = options.maxIssues ?? 10000;
  let keepPackets = options.packets ?? true;
  const keepMessages = options.messages ?? true;
  let keepResults = true;
  const sink: AnalysisSink = {
    message: (m) => {
      if (keepResults && keepMessages) messages.push(m);
    },
    phase: (p) => {
      if (!keepResults) return;
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
  if (keepPackets) {
    sink.packet = (row) => {
      if (keepPackets) packets.push(row);
    };
  }
  const analyzer = new Analyzer(options, sink);
  // Between chunks: is the heap still within the budget? (A cheap V8 call, a few hundred times per 100 MB of capture.)
  const budget = options.memoryBudget ?? DEFAULT_MEMORY_SHARE * getHeapStatistics().heap_size_limit;
  const checkMemory = (): undefined => {
    if (!keepResults) return undefined;
    const used = getHeapStatistics().used_heap_size;
    const frame = analyzer.frameCount;
    if (keepPackets && used > PACKET_LIST_SHARE * budget) {
      keepPackets = false;
      analyzer.issue(
        makeIssue(
          "file.packet_list_capped",
          frame,
          `The packet list keeps frames 1–${frame} only: the heap reached ${mebibytes(used)} of the ${mebibytes(budget)} the results may use. Messages, phases and issues go on for the whole capture. For every row use streamCapture() or \`iot-wire-lab analyze\`; for less memory pass {packets: false}.`,
        ),
      );
    }
    if (used > budget) {
      keepResults = false;
      analyzer.issue(
        makeIssue(
          "file.results_capped",
          frame,
          `Messages and phases after frame ${frame} are counted (capture.mqttMessages, capture.phases) but not kept: the heap reached ${mebibytes(used)} of the ${mebibytes(budget)} the results may use. Use streamCapture() to see them all, or give Node more heap (NODE_OPTIONS=--max-old-space-size=8192).`,
        ),
      );
    }
    return undefined;
  };
  await readCapture(source, analyzer, { annotator: analyzer.readAhead, chunkSize: options.chunkSize, onProgress: options.onProgress, threads: options.threads, maxGzipExpansion: options.maxGzipExpansion, afterChunk: checkMemory });
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
  /** gzip input: stop once it expands more than this many times (default 200). */
  maxGzipExpansion?: number;
  onProgress?: ReadOptions["onProgress"];
}

/**
 * Events as the capture is read. Each chunk of the file (256 KiB by default,
 * 64 KiB when a big file is read on a worker thread) is
 * analysed, its events are handed out, and only then is the next chunk read:
 * the consumer sets the pace and memory does not grow with the file.
 *
 * Use it with `for await (const event of streamCapture(file))`; leaving the
 * loop early (break, return, throw) stops reading and closes the file.
 */
export function streamCapture(source: CaptureSource, options: StreamCaptureOptions = {}): AsyncIterableIterator<AnalysisEvent> {
  return new AnalysisEventStream(source, options);
}

/**
 * The iterator behind streamCapture. It is a hand-written iterator rather than
 * an async generator: a generator pays for a suspension per event, which on a
 * million-packet capture (1.5 million events) cost more than the analysis of
 * the MQTT messages themselves. Here `next()` hands out queued events as
 * already-settled promises and only waits when the queue is empty.
 */
class AnalysisEventStream implements AsyncIterableIterator<AnalysisEvent> {
  private queue: AnalysisEvent[] = [];
  private index = 0;
  private readonly analyzer: Analyzer;
  private readonly source: CaptureSource;
  private readonly includeEnd: boolean;
  private readonly reading: Promise<void>;
  private releaseReader: (() => void) | undefined;
  private wakeConsumer: (() => void) | undefined;
  private readerDone = false;
  private readerError: unknown;
  private stopped = false;
  private finished = false;

  constructor(source: CaptureSource, options: StreamCaptureOptions) {
    this.source = source;
    const include = new Set(options.include ?? ["capture", "packet", "message", "phase", "connection", "issue", "end"]);
    this.includeEnd = include.has("end");
    const sink: AnalysisSink = {};
    if (include.has("capture")) sink.capture = (capture) => this.queue.push({ kind: "capture", capture });
    if (include.has("packet")) sink.packet = (packet) => this.queue.push({ kind: "packet", packet });
    if (include.has("message")) sink.message = (message) => this.queue.push({ kind: "message", message });
    if (include.has("phase")) sink.phase = (phase) => this.queue.push({ kind: "phase", phase });
    if (include.has("connection")) sink.connection = (connection) => this.queue.push({ kind: "connection", connection });
    if (include.has("issue")) sink.issue = (issue) => this.queue.push({ kind: "issue", issue });
    this.analyzer = new Analyzer(options, sink);
    this.reading = readCapture(source, this.analyzer, {
      annotator: this.analyzer.readAhead,
      chunkSize: options.chunkSize,
      threads: options.threads,
      maxGzipExpansion: options.maxGzipExpansion,
      onProgress: options.onProgress,
      shouldStop: () => this.stopped,
      // The reader waits after each chunk until the consumer has taken its events.
      afterChunk: () => {
        if (this.index >= this.queue.length || this.stopped) return;
        return new Promise<void>((resolve) => {
          this.releaseReader = resolve;
          this.wake();
        });
      },
    }).then(
      () => {
        this.readerDone = true;
        this.wake();
      },
      (error: unknown) => {
        this.readerError = error;
        this.readerDone = true;
        this.wake();
      },
    );
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<AnalysisEvent> {
    return this;
  }

  next(): Promise<IteratorResult<AnalysisEvent, undefined>> {
    if (this.index < this.queue.length) return Promise.resolve({ value: this.queue[this.index++], done: false });
    return this.refill();
  }

  async return(): Promise<IteratorResult<AnalysisEvent, undefined>> {
    await this.stop();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<AnalysisEvent, undefined>> {
    await this.stop();
    throw error;
  }

  private wake(): void {
    const wake = this.wakeConsumer;
    this.wakeConsumer = undefined;
    wake?.();
  }

  /** The queue is used up: let the reader go on, wait for more, or finish. */
  private async refill(): Promise<IteratorResult<AnalysisEvent, undefined>> {
    for (;;) {
      if (this.index < this.queue.length) return { value: this.queue[this.index++], done: false };
      if (this.finished) return { value: undefined, done: true };
      this.queue = [];
      this.index = 0;
      const release = this.releaseReader;
      this.releaseReader = undefined;
      if (release) {
        release();
        continue;
      }
      if (this.readerDone) {
        this.finished = true;
        this.stopped = true;
        await this.reading;
        if (this.readerError) throw this.readerError;
        // Closing the open connections emits their last phases and summaries.
        const capture = this.analyzer.finish(typeof this.source === "string" ? this.source : undefined);
        if (this.includeEnd) this.queue.push({ kind: "end", capture });
        continue;
      }
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    }
  }

  private async stop(): Promise<void> {
    this.stopped = true;
    this.finished = true;
    this.queue = [];
    this.index = 0;
    const release = this.releaseReader;
    this.releaseReader = undefined;
    release?.();
    await this.reading.catch(() => undefined);
  }
}
