/**
 * `npm run bench`: iot-wire-lab against tshark on the same fleet capture.
 *
 * 1. Record the fleet capture if it is not there yet (N MQTT.js devices
 *    against a local Mosquitto under tcpdump; see fleet-capture.ts), plus a
 *    pcapng copy made by editcap and an MQTT 5 fleet capture.
 * 2. Run every contender on it, alternating, several rounds, each as its own
 *    process (cold start, its own peak RSS).
 * 3. Print packets/s, MB/s, peak RSS, and the ratio to tshark measured in
 *    the same run (machines are noisy; ratios travel better than seconds).
 *
 *   npm run bench                         # ~1.09M packets: 11,500 devices × 40 messages
 *   npm run bench -- --devices 2000 --messages 20 --rounds 3
 *   npm run bench -- --json bench/out/result.json
 *   npm run bench -- --verify             # also compare every frame's MQTT with tshark
 *   npm run bench -- --big                # also a ~2 GB capture (16 copies) through the streaming API
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { recordFleetCapture } from "./fleet-capture";
import { measure, median, type Measurement } from "./measure";

const root = resolve(__dirname, "..", "..");
const outDir = join(root, "bench", "out");
const cli = join(root, "dist", "lib", "cli", "main.js");
const apiRun = join(root, "dist", "bench", "api-run.js");

interface Contender {
  name: string;
  /** What it produces. */
  what: string;
  command: string;
  /** `port` is the broker's port: both tools are told it carries MQTT. */
  args: (file: string, port: number) => string[];
  /** The tshark baseline every ratio is against. */
  baseline?: boolean;
}

const tsharkFields = ["-e", "frame.number", "-e", "tcp.stream", "-e", "mqtt.msgtype", "-e", "mqtt.msgid", "-e", "mqtt.topic", "-e", "mqtt.qos"];

function contenders(tshark: string | undefined): Contender[] {
  const list: Contender[] = [];
  if (tshark) {
    list.push({ name: "tshark -T fields (6 MQTT fields)", what: "one line per frame", command: tshark, args: (f, port) => ["-r", f, "-d", `tcp.port==${port},mqtt`, "-T", "fields", ...tsharkFields], baseline: true });
  }
  list.push(
    { name: "iot-wire-lab analyze --format csv", what: "full analysis; MQTT message table", command: process.execPath, args: (f, port) => [cli, "analyze", f, "--mqtt-port", String(port), "--format", "csv", "-o", "/dev/null"] },
    { name: "iot-wire-lab analyze (default: packet list)", what: "full analysis; packet list, phase timings, connections as text", command: process.execPath, args: (f, port) => [cli, "analyze", f, "--mqtt-port", String(port), "-o", "/dev/null"] },
    { name: "iot-wire-lab analyze --format json", what: "full analysis incl. packet list, streamed JSON", command: process.execPath, args: (f, port) => [cli, "analyze", f, "--mqtt-port", String(port), "--format", "json", "-o", "/dev/null"] },
    { name: "analyzeCapture({packets:false})", what: "full analysis held in memory", command: process.execPath, args: (f, port) => [apiRun, "analyzeCapture", f, String(port)] },
    { name: "streamCapture (messages+phases)", what: "full analysis as an async iterator", command: process.execPath, args: (f, port) => [apiRun, "streamCapture", f, String(port)] },
    { name: "readCapture only (no decoding)", what: "frames only (pcap-parser, or our pcapng reader): the floor", command: process.execPath, args: (f) => [apiRun, "readCapture", f] },
  );
  return list;
}

function which(tool: string): string | undefined {
  const result = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function packetCount(file: string): number {
  const capinfos = which("capinfos");
  if (!capinfos) return 0;
  const out = spawnSync(capinfos, ["-M", "-c", "-T", file], { encoding: "utf8" }).stdout.trim().split("\n");
  return Number(out[out.length - 1]?.split("\t")[1] ?? 0);
}

interface BenchCapture {
  label: string;
  file: string;
  port: number;
}

function portOf(file: string): number {
  const meta = `${file}.json`;
  if (!existsSync(meta)) throw new Error(`${meta} is missing: delete ${file} and run again to re-record it`);
  return (JSON.parse(readFileSync(meta, "utf8")) as { port: number }).port;
}

async function ensureCaptures(devices: number, messages: number, log: (s: string) => void): Promise<BenchCapture[]> {
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `fleet-${devices}x${messages}.pcap`);
  if (!existsSync(base)) {
    log(`recording ${base} (${devices} devices × ${messages} messages under tcpdump)…`);
    const result = await recordFleetCapture({ devices, messages, concurrency: 100, protocolVersion: 4, qos: 1, format: "pcap", seed: 1, out: base, log });
    log(`  ${result.captureReport.split("\n").slice(-3).join("; ")}`);
  }
  const files: BenchCapture[] = [{ label: "MQTT 3.1.1, pcap (tcpdump)", file: base, port: portOf(base) }];
  const editcap = which("editcap");
  const ng = base.replace(/\.pcap$/, ".pcapng");
  if (editcap && !existsSync(ng)) spawnSync(editcap, ["-F", "pcapng", base, ng]);
  if (existsSync(ng)) files.push({ label: "MQTT 3.1.1, pcapng (editcap -F pcapng)", file: ng, port: portOf(base) });
  const v5 = join(outDir, `fleet-${devices}x${messages}-mqtt5.pcap`);
  if (!existsSync(v5)) {
    log(`recording ${v5} (MQTT 5)…`);
    await recordFleetCapture({ devices, messages, concurrency: 100, protocolVersion: 5, qos: 1, format: "pcap", seed: 1, out: v5, log });
  }
  files.push({ label: "MQTT 5, pcap (tcpdump)", file: v5, port: portOf(v5) });
  return files;
}

interface Row {
  capture: string;
  contender: string;
  what: string;
  runs: Measurement[];
  seconds: number;
  packetsPerSecond: number;
  megabytesPerSecond: number;
  peakRssMiB: number;
  speedupVsTshark?: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      devices: { type: "string", default: "11500" },
      messages: { type: "string", default: "40" },
      rounds: { type: "string", default: "3" },
      json: { type: "string" },
      "only-main": { type: "boolean", default: false },
      verify: { type: "boolean", default: false },
      big: { type: "boolean", default: false },
    },
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (!existsSync(cli) || !existsSync(apiRun)) throw new Error("build first: npm run build");
  const tshark = which("tshark");
  if (!tshark) log("tshark is not installed (sudo apt-get install tshark): no ratio can be computed");
  const captures = await ensureCaptures(Number(values.devices), Number(values.messages), log);
  const rounds = Number(values.rounds);
  const rows: Row[] = [];
  for (const [index, capture] of captures.entries()) {
    const packets = packetCount(capture.file);
    const megabytes = statSync(capture.file).size / 1e6;
    const list = contenders(tshark).filter((c) => index === 0 || !values["only-main"] || c.baseline);
    const runs = new Map<string, Measurement[]>(list.map((c) => [c.name, []]));
    log(`\n${capture.label}: ${capture.file} (${packets.toLocaleString("en")} packets, ${megabytes.toFixed(1)} MB)`);
    for (let round = 0; round < rounds; round++) {
      // Alternate the contenders within each round so drift hits all of them alike.
      const order = round % 2 === 0 ? list : [...list].reverse();
      for (const contender of order) {
        const m = await measure(contender.command, contender.args(capture.file, capture.port));
        if (m.exitCode !== 0) throw new Error(`${contender.name} failed (${m.exitCode}): ${m.stderr.slice(0, 500)}`);
        runs.get(contender.name)!.push(m);
        log(`  round ${round + 1} ${contender.name}: ${m.seconds.toFixed(2)} s, ${m.peakRssMiB.toFixed(0)} MiB`);
      }
    }
    const baseline = list.find((c) => c.baseline);
    const baselineSeconds = baseline ? median(runs.get(baseline.name)!.map((m) => m.seconds)) : undefined;
    for (const contender of list) {
      const ms = runs.get(contender.name)!;
      const seconds = median(ms.map((m) => m.seconds));
      const row: Row = {
        capture: capture.label,
        contender: contender.name,
        what: contender.what,
        runs: ms.map((m) => ({ ...m, stderr: "" })),
        seconds,
        packetsPerSecond: packets / seconds,
        megabytesPerSecond: megabytes / seconds,
        peakRssMiB: Math.max(...ms.map((m) => m.peakRssMiB)),
      };
      if (baselineSeconds !== undefined) row.speedupVsTshark = baselineSeconds / seconds;
      rows.push(row);
    }
  }
  printTable(rows);
  const tsharkOnFleet = rows.find((r) => r.capture === captures[0].label && r.speedupVsTshark === 1)?.seconds;
  await interactiveAndCharts(captures[0], tshark, tsharkOnFleet, rounds);
  await memoryFlatness(captures[0], values.big ?? false, log);
  if (values.verify && tshark) {
    const { verifyAgreement } = require("./verify-agreement") as typeof import("./verify-agreement");
    for (const capture of captures) {
      const result = await verifyAgreement(capture.file, capture.port, tshark);
      console.log(`\nagreement with tshark on ${capture.label}: MQTT messages identical in ${result.identical.toLocaleString("en")} of ${result.frames.toLocaleString("en")} frames (${result.different} different); packet-list rows (tcp.stream, Protocol, Info) identical in ${result.rowsIdentical.toLocaleString("en")} (${result.rowsDifferent} different)`);
      for (const example of result.examples) console.log(`  ${example}`);
    }
  }
  if (values.json) writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 1));
}

/**
 * The two promises of the issue beyond throughput: the tutorial's sample
 * capture analysed and charted in a notebook cell well under a second, and a
 * million-packet capture turned into a phase timeline and a latency chart in
 * seconds (binned: the charts carry a few thousand rows, not a million).
 */
async function interactiveAndCharts(fleet: BenchCapture, tshark: string | undefined, tsharkOnFleet: number | undefined, rounds: number): Promise<void> {
  const sample = join(root, "data", "captures", "tutorial.pcapng");
  const cells: Array<{ coldMs: number; warmMs: number; frames: number }> = [];
  const tsharkRuns: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const cell = await measure(process.execPath, [apiRun, "notebook-cell", sample], { stdout: "pipe" });
    if (cell.exitCode !== 0) throw new Error(`notebook-cell failed: ${cell.stderr.slice(0, 500)}`);
    cells.push(JSON.parse(cell.stdout) as { coldMs: number; warmMs: number; frames: number });
    if (tshark) tsharkRuns.push((await measure(tshark, ["-r", sample, "-T", "fields", "-e", "frame.number", "-e", "mqtt.msgtype"])).seconds);
  }
  const cold = median(cells.map((c) => c.coldMs)) / 1e3;
  const warm = median(cells.map((c) => c.warmMs)) / 1e3;
  console.log(`\nnotebook cell on the sample capture (${cells[0].frames} frames: analyse, flow graph, phase timeline, both drawn to SVG):`);
  console.log(`  fresh process ${cold.toFixed(2)} s (loading the library included), next cell ${(warm * 1e3).toFixed(0)} ms` + (tsharkRuns.length ? `; tshark -T fields on the same file takes ${median(tsharkRuns).toFixed(2)} s (our fresh process ${(cold / median(tsharkRuns)).toFixed(1)}× that, the next cell ${(warm / median(tsharkRuns)).toFixed(2)}×)` : ""));

  const chart = await measure(process.execPath, [apiRun, "charts", fleet.file, String(fleet.port)], { stdout: "pipe" });
  if (chart.exitCode !== 0) throw new Error(`charts failed: ${chart.stderr.slice(0, 500)}`);
  const c = JSON.parse(chart.stdout) as { seconds: number; analysisSeconds: number; chartSeconds: number; renderSeconds: number; phases: number; dataRows: number[] };
  console.log(`\ncharts at scale (${fleet.label}): analyzeCapture ${c.analysisSeconds.toFixed(2)} s + phase timeline and latency chart ${c.chartSeconds.toFixed(2)} s + drawn ${c.renderSeconds.toFixed(2)} s = ${c.seconds.toFixed(2)} s, peak RSS ${chart.peakRssMiB.toFixed(0)} MiB`);
  console.log(`  ${c.phases.toLocaleString("en")} phases into ${c.dataRows.map((n) => n.toLocaleString("en")).join(" + ")} chart rows` + (tsharkOnFleet ? `; tshark -T fields alone takes ${tsharkOnFleet.toFixed(1)} s on this file (${(tsharkOnFleet / c.seconds).toFixed(1)}× our capture-to-charts)` : ""));
}

/**
 * Memory must not grow with the file: the same capture repeated (shifted in
 * time by editcap, appended by mergecap) ×2, and with --big ×16 (about 2 GB,
 * bigger than the memory we allow ourselves), through the CLI and the
 * streaming API; peak RSS should stay where it was.
 */
async function memoryFlatness(base: BenchCapture, big: boolean, log: (s: string) => void): Promise<void> {
  const editcap = which("editcap");
  const mergecap = which("mergecap");
  if (!editcap || !mergecap) {
    log("memory flatness: needs editcap and mergecap (sudo apt-get install tshark)");
    return;
  }
  const repeated = (times: number): string => {
    const file = base.file.replace(/\.pcap$/, `-x${times}.pcap`);
    if (existsSync(file)) return file;
    log(`building ${file} (${times} × the fleet capture, each copy 300 s after the previous)…`);
    const parts: string[] = [];
    for (let i = 0; i < times; i++) {
      if (i === 0) {
        parts.push(base.file);
        continue;
      }
      const shifted = join(outDir, `shift-${i}.pcap`);
      spawnSync(editcap, ["-t", String(300 * i), base.file, shifted]);
      parts.push(shifted);
    }
    spawnSync(mergecap, ["-a", "-F", "pcap", "-w", file, ...parts]);
    for (const part of parts.slice(1)) rmSync(part, { force: true });
    return file;
  };
  const sizes = [1, 2, ...(big ? [16] : [])];
  let streamed: { messages: number; decodedAhead: number } | undefined;
  console.log("\nmemory as the capture grows (peak RSS, MiB):");
  console.log("copies  file MB  analyze --format csv  streamCapture");
  for (const times of sizes) {
    const file = times === 1 ? base.file : repeated(times);
    const cliRun = await measure(process.execPath, [cli, "analyze", file, "--mqtt-port", String(base.port), "--format", "csv", "-o", "/dev/null"]);
    const apiRunResult = await measure(process.execPath, [apiRun, "streamCapture", file, String(base.port)], { stdout: "pipe" });
    const fileMb = statSync(file).size / 1e6;
    console.log(`${String(times).padStart(6)}  ${fileMb.toFixed(0).padStart(7)}  ${cliRun.peakRssMiB.toFixed(0).padStart(20)}  ${apiRunResult.peakRssMiB.toFixed(0).padStart(13)}`);
    if (times === 1) streamed = JSON.parse(apiRunResult.stdout) as { messages: number; decodedAhead: number };
  }
  if (streamed) {
    const share = streamed.messages > 0 ? (100 * streamed.decodedAhead) / streamed.messages : 0;
    console.log(`MQTT decoded ahead on the reader thread (lib/mqtt/predecode.ts): ${streamed.decodedAhead.toLocaleString("en")} of ${streamed.messages.toLocaleString("en")} messages (${share.toFixed(1)} %)${streamed.decodedAhead === 0 ? "; files under 16 MiB are read on one thread, without it" : ""}`);
  }
}

function printTable(rows: Row[]): void {
  const header = ["capture", "contender", "median s", "packets/s", "MB/s", "peak RSS MiB", "× tshark"];
  const lines = rows.map((r) => [
    r.capture,
    r.contender,
    r.seconds.toFixed(2),
    Math.round(r.packetsPerSecond).toLocaleString("en"),
    r.megabytesPerSecond.toFixed(1),
    r.peakRssMiB.toFixed(0),
    r.speedupVsTshark !== undefined ? `${r.speedupVsTshark.toFixed(1)}×` : "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]) => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  console.log(format(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const line of lines) console.log(format(line));
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
