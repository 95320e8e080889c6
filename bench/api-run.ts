/**
 * One in-process run of a library entry point on a capture, for the
 * benchmark (run as a child process so each run starts cold and its peak
 * memory is its own):
 *
 *   node dist/bench/api-run.js <analyzeCapture|streamCapture|readCapture> FILE [MQTT_PORT]
 *   node dist/bench/api-run.js charts FILE [MQTT_PORT]    # analysis → phase timeline + latency chart → SVG
 *   node dist/bench/api-run.js notebook-cell FILE         # what a notebook cell does with the sample capture
 */
import { analyzeCapture, streamCapture } from "../lib/analysis/analyze";
import { readCapture } from "../lib/capture/reader";
import { flowGraph } from "../lib/charts/flow-graph";
import { latencyChart } from "../lib/charts/latency-chart";
import { phaseTimeline } from "../lib/charts/phase-timeline";
import { chartDataRows, type ChartSpec } from "../lib/charts/spec";
import { renderSvg } from "../lib/display/render";
import { DecodedAhead } from "../lib/mqtt/decoded-ahead";

/** A million-packet capture to a phase timeline and a latency chart, drawn. */
async function charts(file: string, mqttPorts: number[]): Promise<void> {
  const started = performance.now();
  // The two charts need the phases only.
  const analysis = await analyzeCapture(file, { packets: false, messages: false, mqttPorts });
  const analysed = performance.now();
  const specs: ChartSpec[] = [phaseTimeline(analysis), latencyChart(analysis)];
  const built = performance.now();
  for (const spec of specs) await renderSvg(spec);
  const drawn = performance.now();
  const result = {
    mode: "charts",
    seconds: (drawn - started) / 1e3,
    analysisSeconds: (analysed - started) / 1e3,
    chartSeconds: (built - analysed) / 1e3,
    renderSeconds: (drawn - built) / 1e3,
    phases: analysis.phases.length,
    dataRows: specs.map(chartDataRows),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

/**
 * The tutorial's sample capture, as a notebook cell handles it: analyse it,
 * build the flow graph and the phase timeline, and draw them. Timed from the
 * process start (a fresh kernel that loads the library) and once more warm
 * (the next cell).
 */
async function notebookCell(file: string): Promise<void> {
  const cell = async () => {
    const analysis = await analyzeCapture(file);
    for (const spec of [flowGraph(analysis), phaseTimeline(analysis)]) await renderSvg(spec);
    return analysis.capture.frames;
  };
  const frames = await cell();
  const coldMs = performance.now();
  const warmStarted = performance.now();
  await cell();
  const warmMs = performance.now() - warmStarted;
  process.stdout.write(JSON.stringify({ mode: "notebook-cell", frames, coldMs, warmMs, peakRssMiB: process.resourceUsage().maxRSS / 1024 }) + "\n");
}

async function main(): Promise<void> {
  const [mode, file, port] = process.argv.slice(2);
  const mqttPorts = port ? [Number(port)] : [];
  if (mode === "charts") return charts(file, mqttPorts);
  if (mode === "notebook-cell") return notebookCell(file);
  const started = process.hrtime.bigint();
  let frames = 0;
  let messages = 0;
  let phases = 0;
  if (mode === "readCapture") {
    // pcap-parser (or our pcapng reader) alone: the floor for any analysis.
    await readCapture(file, { transientFrames: true, info: () => undefined, issue: () => undefined, frame: () => void frames++ });
  } else if (mode === "analyzeCapture") {
    const analysis = await analyzeCapture(file, { packets: false, mqttPorts });
    frames = analysis.capture.frames;
    messages = analysis.messages.length;
    phases = analysis.phases.length;
  } else if (mode === "streamCapture") {
    for await (const event of streamCapture(file, { include: ["message", "phase", "end"], mqttPorts })) {
      if (event.kind === "message") messages++;
      else if (event.kind === "phase") phases++;
      else if (event.kind === "end") frames = event.capture.frames;
    }
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // How many messages the main thread took decoded from the reader thread (threaded reads only).
  const decodedAhead = DecodedAhead.taken;
  process.stdout.write(JSON.stringify({ mode, seconds, frames, messages, phases, decodedAhead, peakRssMiB: process.resourceUsage().maxRSS / 1024 }) + "\n");
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exitCode = 1;
});
