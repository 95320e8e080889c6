/**
 * `iot-wire-lab analyze <capture>`: the packet list and the phases of every
 * connection, for a person (table) or a program (json, jsonl, csv).
 *
 * Output is streamed: rows are written as frames are decoded, with
 * back-pressure between file chunks, so a million-packet capture never has to
 * be held in memory (the JSON sections other than `packets` are spooled to a
 * temporary folder and appended at the end).
 */
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeSync, openSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCapture } from "../capture/reader";
import { Analyzer, type AnalysisSink, type AnalyzeOptions } from "../analysis/analyzer";
import { formatDuration, formatBytes } from "../analysis/format";
import { formatIssue, type Issue } from "../expert/issues";
import type { CaptureSummary, ConnectionSummary, MqttMessage, PacketRow, Phase } from "../analysis/types";
import { BufferedOutput } from "../output/buffered-output";
import { compactColumns, connectionColumns, messageColumns, packetColumns, phaseColumns } from "../output/columns";
import { csvHeader, writeMessageCsvRow } from "../output/csv";
import { ByteBuffer } from "../output/byte-buffer";
import { writeMessageJson, writePacketJson, writePhaseJson } from "../output/json";
import { PhaseStats } from "../output/phase-stats";
import { streamingWidths } from "../output/record-table";
import { renderTextHeader, renderTextTable, writePacketTextRow } from "../output/text-table";
import { terminalText } from "../text/terminal-text";
import { KeyLog } from "../tls/keylog";
import { integerOption, parseCommandArgs, portOptions } from "./args";
import { UsageError } from "./errors";
import { checkOutputPath, commitPartial, discardPartial, partialPath } from "./output-path";
import { Progress } from "./progress";

export const analyzeUsage = `usage: iot-wire-lab analyze <capture.pcap|pcapng|-> [options]

Decode a capture into TCP connections, MQTT messages and phases.

options:
  --format table|json|jsonl|csv   table (default): packet list and phase summary
                                  json: {packets, messages, phases, connections, issues, capture}
                                  jsonl: one event per line; csv: the MQTT message table
  --mqtt-port N         also decode port N as MQTT (repeatable; 1883 always is)
  --tls-port N          treat port N as TLS (repeatable; default 8883; a ClientHello is
                        recognised on any port)
  --tls-keylog FILE     decrypt TLS with this NSS key log (NODE_OPTIONS=--tls-keylog=FILE
                        for MQTT.js, SSLKEYLOGFILE for others); pcapng Decryption
                        Secrets Blocks are read without it
  --no-heuristics       do not detect MQTT on other ports by its CONNECT
  --mqtt-version V      version for streams whose CONNECT was not captured: 3.1, 3.1.1 (default) or 5
  --show-passwords      print CONNECT passwords in clear (json, jsonl); by default
                        they are masked as <redacted N bytes>, as the table does
  --no-packets          table: print only the phase summary and issues
  --stream N            table: only packets of tcp.stream N
  -o, --output FILE     write to FILE instead of standard output
  -h, --help            this text

Reads "-" as standard input. Exit codes: 0 analysed, 2 not a usable capture or bad options.`;

interface AnalyzeCommandOptions {
  file: string;
  format: "table" | "json" | "jsonl" | "csv";
  analyze: AnalyzeOptions;
  packets: boolean;
  stream: number | undefined;
  output: string | undefined;
}

export function parseAnalyzeArgs(argv: string[]): AnalyzeCommandOptions | "help" {
  const parsed = parseCommandArgs(
    argv,
    {
      format: { type: "string", default: "table" },
      "mqtt-port": { type: "string", multiple: true },
      "tls-port": { type: "string", multiple: true },
      "tls-keylog": { type: "string" },
      "no-heuristics": { type: "boolean", default: false },
      "mqtt-version": { type: "string" },
      "show-passwords": { type: "boolean", default: false },
      // Kept for scripts written before masking was the default: it changes nothing.
      redact: { type: "boolean", default: false },
      "no-packets": { type: "boolean", default: false },
      stream: { type: "string" },
      output: { type: "string", short: "o" },
      help: { type: "boolean", short: "h", default: false },
    },
    analyzeUsage,
  );
  const values = parsed.values;
  if (values.help) return "help";
  if (parsed.positionals.length !== 1) throw new UsageError(`expected one capture file, got ${parsed.positionals.length}\n\n${analyzeUsage}`);
  const format = values.format as string;
  if (!["table", "json", "jsonl", "csv"].includes(format)) throw new UsageError(`--format must be table, json, jsonl or csv, not '${format}'`);
  const analyze: AnalyzeOptions = {
    mqttPorts: portOptions(values["mqtt-port"], "--mqtt-port"),
    heuristics: !values["no-heuristics"],
    // No format shows a CONNECT password unless asked to: the table and csv
    // have no password column, and json/jsonl mask it like report does.
    redactPasswords: !values["show-passwords"],
  };
  if (values["show-passwords"] && values.redact) throw new UsageError("--show-passwords and --redact contradict each other");
  if (values["tls-port"]) analyze.tlsPorts = portOptions(values["tls-port"], "--tls-port");
  if (values["tls-keylog"] !== undefined) analyze.tlsKeylog = keyLogOption(values["tls-keylog"]);
  if (values["mqtt-version"] !== undefined) {
    const versions: Record<string, 3 | 4 | 5> = { "3.1": 3, "3": 3, "3.1.1": 4, "4": 4, "5": 5, "5.0": 5 };
    const v = versions[values["mqtt-version"]];
    if (!v) throw new UsageError(`--mqtt-version must be 3.1, 3.1.1 or 5, not '${values["mqtt-version"]}'`);
    analyze.defaultMqttVersion = v;
  }
  let stream: number | undefined;
  if (values.stream !== undefined) stream = integerOption(values.stream, "--stream", 0, Number.MAX_SAFE_INTEGER);
  return { file: parsed.positionals[0], format: format as AnalyzeCommandOptions["format"], analyze, packets: !values["no-packets"], stream, output: values.output };
}

/**
 * A key log file that can be read and holds at least one NSS key log line.
 * Its contents are secrets: a refusal names the file and the line number, never a line.
 */
function keyLogOption(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "latin1");
  } catch (error) {
    throw new UsageError(`--tls-keylog: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const keyLog = KeyLog.parse(text);
  if (keyLog.size === 0) {
    const first = keyLog.problems[0];
    throw new UsageError(`--tls-keylog: ${file} is not an NSS key log${first ? ` (line ${first.line}: ${first.message.split(" ")[0] === "unknown" ? "unknown label" : first.message})` : " (no CLIENT_RANDOM or *_TRAFFIC_SECRET lines)"}`);
  }
  return file;
}

export async function run(argv: string[]): Promise<number> {
  const options = parseAnalyzeArgs(argv);
  if (options === "help") {
    console.log(analyzeUsage);
    return 0;
  }
  const output = options.output;
  if (output) checkOutputPath(output);
  const { createWriteStream } = await import("node:fs");
  // A file is written under a temporary name and renamed when complete (output-path.ts).
  const stdout: NodeJS.WritableStream = output ? createWriteStream(partialPath(output)) : process.stdout;
  stdout.on("error", (error: NodeJS.ErrnoException) => {
    // `analyze … | head` closes the pipe early: that is not an error.
    if (error.code === "EPIPE" && !output) process.exit(0);
    if (!output) throw error;
    discardPartial(output);
    console.error(`iot-wire-lab analyze: cannot write ${output}: ${error.message}`);
    process.exit(2);
  });
  const out = new BufferedOutput(stdout);
  const source = options.file === "-" ? process.stdin : options.file;
  const progress = new Progress(`analyzing ${options.file}`, Boolean(process.stderr.isTTY) && (output !== undefined || !process.stdout.isTTY || options.format !== "table"));
  const runners = { table: runTable, json: runJson, jsonl: runJsonLines, csv: runCsv };
  try {
    await runners[options.format](source, options, out, progress);
    progress.done();
    await out.end();
  } catch (error) {
    if (output) {
      await new Promise<void>((resolve) => stdout.end(() => resolve()));
      discardPartial(output);
    }
    throw error;
  }
  if (output) {
    await new Promise<void>((resolve) => stdout.end(() => resolve()));
    commitPartial(output);
  }
  return 0;
}

type Source = string | NodeJS.ReadableStream;

async function drive(source: Source, options: AnalyzeCommandOptions, sink: AnalysisSink, out: BufferedOutput, progress: Progress): Promise<CaptureSummary> {
  const counting: AnalysisSink = { ...sink };
  const analyzer = new Analyzer(options.analyze, counting);
  const frameSink = {
    transientFrames: true,
    info: analyzer.info.bind(analyzer),
    issue: analyzer.issue.bind(analyzer),
    secrets: analyzer.secrets.bind(analyzer),
    frame: (frame: Parameters<Analyzer["frame"]>[0]) => {
      progress.frames++;
      analyzer.frame(frame);
    },
  };
  await readCapture(source, frameSink, {
    annotator: analyzer.readAhead,
    onProgress: (read, total) => progress.update(read, total),
    afterChunk: () => out.drain(),
  });
  return analyzer.finish(typeof source === "string" ? source : undefined);
}

// table ---------------------------------------------------------------------

async function runTable(source: Source, options: AnalyzeCommandOptions, out: BufferedOutput, progress: Progress): Promise<CaptureSummary> {
  const phases: Phase[] = [];
  const stats = new PhaseStats();
  const connections: ConnectionSummary[] = [];
  let connectionCount = 0;
  const issues: Issue[] = [];
  const keepDetail = 2000;
  const sink: AnalysisSink = {
    phase: (phase) => {
      stats.add(phase);
      if (phases.length < keepDetail) phases.push(phase);
    },
    connection: (c) => {
      connectionCount++;
      if (connections.length < 200) connections.push(c);
    },
    issue: (issue) => {
      if (issues.length < 200) issues.push(issue);
    },
  };
  if (options.packets) {
    let first = true;
    const widths = streamingWidths(packetColumns);
    const writeRow = (row: PacketRow, bytes: ByteBuffer) => writePacketTextRow(row, widths, bytes);
    sink.packet = (row: PacketRow) => {
      if (options.stream !== undefined && row.stream !== options.stream) return;
      if (first) {
        first = false;
        out.line(renderTextHeader(packetColumns, widths));
      }
      // Written straight into bytes: the same text as renderTextRow(row, packetColumns, widths).
      out.lineWith(writeRow, row);
    };
  }
  const summary = await drive(source, options, sink, out, progress);
  out.line("");
  out.line(describeCapture(summary));
  phases.sort((a, b) => a.startFrame - b.startFrame || a.id - b.id);
  const shown = options.stream !== undefined ? phases.filter((p) => p.stream === options.stream) : phases;
  if (summary.phases <= keepDetail && shown.length > 0) {
    out.line("");
    out.line("Phases");
    out.line(renderTextTable(shown, phaseColumns));
  }
  const kinds = stats.summary();
  if (kinds.length > 0) {
    out.line("");
    out.line("Phase timings");
    out.line(
      renderTextTable(kinds, [
        { header: "Phase", text: (k) => k.kind },
        { header: "Count", text: (k) => String(k.count), numeric: true },
        { header: "Not complete", text: (k) => String(k.count - (k.statuses.complete ?? 0)), numeric: true },
        { header: "Median", text: (k) => (k.latency ? formatDuration(k.latency.median) : ""), numeric: true },
        { header: "p95", text: (k) => (k.latency ? formatDuration(k.latency.p95) : ""), numeric: true },
        { header: "Max", text: (k) => (k.latency ? formatDuration(k.latency.max) : ""), numeric: true },
        { header: "Packets", text: (k) => String(k.packets), numeric: true },
        { header: "Bytes", text: (k) => String(k.bytes), numeric: true },
      ]),
    );
  }
  if (connectionCount > 0 && connectionCount <= 200) {
    out.line("");
    out.line("Connections");
    connections.sort((a, b) => a.stream - b.stream);
    out.line(
      renderTextTable(connections, compactColumns(connectionColumns)),    );
  }
  const issueTotal = Object.values(summary.issueCounts).reduce((a, b) => a + b, 0);
  if (issueTotal > 0) {
    out.line("");
    out.line(`Issues (${issueTotal})`);
    const counts = Object.entries(summary.issueCounts).sort((a, b) => b[1] - a[1]);
    for (const [code, count] of counts) out.line(`  ${String(count).padStart(7)}  ${code}`);
    const notable = issues.filter((i) => i.severity === "warning" || i.severity === "error").slice(0, 20);
    if (notable.length > 0) {
      out.line("");
      for (const issue of notable) out.line(`  ${terminalText(formatIssue(issue))}`);
    }
  }
  return summary;
}

function describeCapture(summary: CaptureSummary): string {
  const parts = [
    `${summary.source ?? "capture"}: ${summary.format}${summary.compressed ? " (gzip)" : ""}`,
    `${summary.frames} frames`,
    formatBytes(summary.bytes),
    `${formatDuration(summary.duration)}`,
    `${summary.connections} TCP connection(s)`,
    `${summary.mqttMessages} MQTT message(s)`,
    `${summary.phases} phase(s)`,
  ];
  return terminalText(parts.join(" · ")); // the source name is the user's, but may hold anything
}

// json ----------------------------------------------------------------------

/** Appends JSON array elements to a temporary file, in large writes. */
class Spool {
  readonly path: string;
  private readonly fd: number;
  private readonly buffer = new ByteBuffer(SPOOL_FLUSH_AT + (1 << 16));
  count = 0;

  constructor(path: string) {
    this.path = path;
    this.fd = openSync(path, "w");
  }

  /** Append one array element, written by a byte writer (see byte-buffer.ts). */
  add<T>(write: (value: T, out: ByteBuffer) => void, value: T): void {
    if (this.count++ > 0) {
      this.buffer.byte(0x2c);
      this.buffer.byte(0x0a);
    }
    write(value, this.buffer);
    if (this.buffer.length >= SPOOL_FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.bytes, 0, this.buffer.length);
    this.buffer.length = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

const SPOOL_FLUSH_AT = 1 << 20;

async function runJson(source: Source, options: AnalyzeCommandOptions, out: BufferedOutput, progress: Progress): Promise<CaptureSummary> {
  const dir = mkdtempSync(join(tmpdir(), "iot-wire-lab-"));
  try {
    const spools = {
      messages: new Spool(join(dir, "messages")),
      phases: new Spool(join(dir, "phases")),
      connections: new Spool(join(dir, "connections")),
      issues: new Spool(join(dir, "issues")),
    };
    let firstPacket = true;
    out.write('{\n"packets": [');
    const packetElement = (row: PacketRow, bytes: ByteBuffer) => {
      bytes.text(firstPacket ? "\n" : ",\n");
      firstPacket = false;
      writePacketJson(row, bytes);
    };
    // Packets, messages and phases are written straight into bytes (see byte-buffer.ts).
    const sink: AnalysisSink = {
      packet: (row) => out.writeWith(packetElement, row),
      message: (m: MqttMessage) => spools.messages.add(writeMessageJson, m),
      phase: (p: Phase) => spools.phases.add(writePhaseJson, p),
      connection: (c: ConnectionSummary) => spools.connections.add(writeStringified, c),
      issue: (i: Issue) => spools.issues.add(writeStringified, i),
    };
    if (!options.packets) delete sink.packet;
    const summary = await drive(source, options, sink, out, progress);
    out.write("\n]");
    for (const [name, spool] of Object.entries(spools)) {
      spool.close();
      out.write(`,\n"${name}": [\n`);
      await out.drain();
      await out.end();
      await pipeFile(spool.path, out);
      out.write("\n]");
    }
    out.write(`,\n"capture": ${JSON.stringify(summary)}\n}\n`);
    return summary;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pipeFile(path: string, out: BufferedOutput): Promise<void> {
  // Bytes straight through: the spool is already UTF-8 JSON text.
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    out.writeBytes(chunk as Buffer);
    await out.drain();
  }
}

/** Rare records (connections, issues): JSON.stringify's text. */
function writeStringified(value: unknown, out: ByteBuffer): void {
  out.text(JSON.stringify(value));
}

/** A byte writer for one JSONL event: {"kind":KIND,"KIND":value}. */
function jsonLine<T>(kind: string, write: (value: T, out: ByteBuffer) => void): (value: T, out: ByteBuffer) => void {
  const prefix = `{"kind":"${kind}","${kind}":`;
  return (value, out) => {
    out.text(prefix);
    write(value, out);
    out.byte(0x7d);
  };
}

async function runJsonLines(source: Source, options: AnalyzeCommandOptions, out: BufferedOutput, progress: Progress): Promise<CaptureSummary> {
  const packetLine = jsonLine("packet", writePacketJson);
  const messageLine = jsonLine("message", writeMessageJson);
  const phaseLine = jsonLine("phase", writePhaseJson);
  const sink: AnalysisSink = {
    capture: (capture) => out.line(JSON.stringify({ kind: "capture", capture })),
    packet: (packet) => out.lineWith(packetLine, packet),
    message: (message) => out.lineWith(messageLine, message),
    phase: (phase) => out.lineWith(phaseLine, phase),
    connection: (connection) => out.line(JSON.stringify({ kind: "connection", connection })),
    issue: (issue) => out.line(JSON.stringify({ kind: "issue", issue })),
  };
  if (!options.packets) delete sink.packet;
  const summary = await drive(source, options, sink, out, progress);
  out.line(JSON.stringify({ kind: "end", capture: summary }));
  return summary;
}

async function runCsv(source: Source, options: AnalyzeCommandOptions, out: BufferedOutput, progress: Progress): Promise<CaptureSummary> {
  out.line(csvHeader(messageColumns));
  // Rows go straight into bytes (see byte-buffer.ts).
  return drive(source, options, { message: (m) => out.lineWith(writeMessageCsvRow, m) }, out, progress);
}
