/**
 * One in-process run of a library entry point on a capture, for the
 * benchmark (run as a child process so each run starts cold and its peak
 * memory is its own):
 *
 *   node dist/bench/api-run.js <analyzeCapture|streamCapture|readCapture> FILE [MQTT_PORT]
 */
import { analyzeCapture, streamCapture } from "../lib/analysis/analyze";
import { readCapture } from "../lib/capture/reader";

async function main(): Promise<void> {
  const [mode, file, port] = process.argv.slice(2);
  const mqttPorts = port ? [Number(port)] : [];
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
  process.stdout.write(JSON.stringify({ mode, seconds, frames, messages, phases, peakRssMiB: process.resourceUsage().maxRSS / 1024 }) + "\n");
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exitCode = 1;
});
