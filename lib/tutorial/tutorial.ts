/**
 * The article's walk-through ("How to Analyze the Network Behaviors of
 * IoT-enabled Devices Using Wireshark"), end to end on this machine, in one
 * call:
 *
 *   1. a demo device in the registry (made once, reused after)
 *   2. the embedded IoT platform on the loopback, on MQTT's port 1883 when it
 *      is free (Wireshark then decodes MQTT without Decode As), else any port
 *   3. a live capture of that port (dumpcap → pcapng, else tcpdump → pcap);
 *      when that is impossible, the bundled capture, clearly labelled
 *   4. the article's device program run by the simulator (3 s / 5 s / 8 s ÷ speed)
 *   5. the capture stopped        6. analysed with analyzeCapture
 *   7. packets, the article's sections 3.1–3.6 told with this capture,
 *      phases, timings and the device log matched to frames
 *   8. capture, device log and summary saved in a run folder (the newest
 *      RUNS_KEPT kept), and each reporter called with that folder
 *
 * Progress goes to `options.log` line by line as it happens; every line fits
 * 100 columns unless `wide` is set.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { analyzeCapture } from "../analysis/analyze";
import { matchDeviceLog } from "../lab/device-log-match";
import { formatBytes, formatDuration } from "../analysis/format";
import type { Analysis } from "../analysis/types";
import { insideRootless, LiveCaptureError, resolveCaptureTool, startCapture, type CaptureTool, type LiveCapture, type LiveCaptureResult } from "../live/index";
import { DeviceRegistry, labHome, RegistryError } from "../device/registry";
import { DeviceInputError } from "../device/issues";
import { readDeviceLog, type DeviceLogEntry } from "../platform/device-log";
import { startPlatform, type Platform } from "../platform/platform";
import { formatSimulatorEvent } from "../simulator/events";
import { SimulationRunError, type SimulationSummary } from "../simulator/simulation";
import { simulate } from "../lab/simulate";
import { startPlatformOnMqttPort } from "../lab/mqtt-port";
import { bundledCapturesDir, bundledTutorial } from "./bundled";
import { deviceLogMatchText, packetListText, phasesText, scheduleLines } from "./render";
import { articleNotes, articleNotesText, loginFields, MQTT_PORT, nextStepsText, TERMINAL_COLUMNS, wrapText } from "./teach";
import { writeRunReport, type RunReporter } from "./report";
import { makeRunFolder, pruneRuns, runsFolder, RUNS_KEPT } from "./run-folder";
import type { TutorialCaptureInfo, TutorialResult } from "./types";

/** Speed 2 runs the 8 s script in 4 s, so the whole tutorial takes about 5 s. */
export const DEFAULT_TUTORIAL_SPEED = 2;
export const TUTORIAL_DEVICE_NAME = "tutorial-device";
/** The speed data/captures/tutorial.pcapng was recorded at (see data/captures/README.md). */
export const BUNDLED_CAPTURE_SPEED = 1;
/** The speed data/captures/tutorial-tls.pcapng and tutorial-ws.pcapng were recorded at. */
export const BUNDLED_TRANSPORT_CAPTURE_SPEED = 4;

/** A tutorial run that could not be carried out. */
export class TutorialError extends Error {
  override name = "TutorialError";
}

export type TutorialLineKind = "step" | "detail" | "table";

export interface TutorialOptions {
  /** Time scale of the article's device program (default 2: the 8 s script in 4 s). */
  speed?: number;
  /**
   * The platform's port. Default: 1883, MQTT's own, so that Wireshark decodes
   * the capture without Decode As; a free port when 1883 is taken (or not
   * allowed), and then every printed filter says how to Decode As.
   */
  platformPort?: number;
  /** The whole packet list, lines as long as they need (default: every line fits 100 columns). */
  wide?: boolean;
  /** The run folder (default: a new folder under `<home>/runs/`, of which the newest 10 are kept). */
  out?: string;
  /** The lab's home: registry and runs (default $IOT_WIRE_LAB_HOME or ~/.iot-wire-lab). */
  home?: string;
  /**
   * "auto" (default): capture live when possible, else use the bundled capture;
   * "live": fail when live capture is impossible; "bundled": do not capture.
   */
  capture?: "auto" | "live" | "bundled";
  tool?: "auto" | CaptureTool;
  protocolVersion?: 4 | 5;
  qos?: 0 | 1 | 2;
  seed?: number;
  deviceName?: string;
  /** Run folders kept under `<home>/runs` (default 10). */
  keepRuns?: number;
  /**
   * Run the device over TLS (the platform's mqtts:// listener, securemode=2):
   * the session secrets are saved as an NSS key log in the run folder
   * (TUTORIAL_KEYLOG_FILE) beside the capture, and the analysis decrypts with it.
   */
  tls?: boolean;
  /** MQTT over TCP (default) or WebSocket (ws://…/mqtt; wss:// with tls). */
  transport?: "tcp" | "ws";
  /** Receives each progress line as it happens. */
  log?: (line: string, kind: TutorialLineKind) => void;
  /** Called with the run folder after the analysis (default: [writeRunReport]). */
  reporters?: RunReporter[];
}

const STEPS = 8;

/** The key log of a TLS run, in its run folder (a secret: `redact` refuses to share it). */
export const TUTORIAL_KEYLOG_FILE = "tls-keylog.txt";

/** The notebooks/ folder beside data/ in this installation (a clone has it; a package may not). */
function notebooksFolder(): string | undefined {
  const captures = bundledCapturesDir();
  if (!captures) return undefined;
  const dir = join(dirname(dirname(captures)), "notebooks");
  return existsSync(join(dir, "01-create-a-device.ipynb")) ? dir : undefined;
}

export async function runTutorial(options: TutorialOptions = {}): Promise<TutorialResult> {
  const began = Date.now();
  const log = options.log ?? (() => undefined);
  const width = options.wide ? Infinity : TERMINAL_COLUMNS;
  const step = (n: number, title: string, text: string) => {
    for (const line of wrapText(text, width, `[${n}/${STEPS}] ${title.padEnd(9)} `)) log(line, "step");
  };
  const detail = (text: string) => {
    for (const line of wrapText(text, width, "          ", "            ")) log(line, "detail");
  };
  const table = (text: string) => log(text, "table");
  const paragraph = (text: string) => {
    for (const line of wrapText(text, width)) log(line, "table");
  };
  const speed = options.speed ?? DEFAULT_TUTORIAL_SPEED;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new TutorialError(`speed must be a positive number, got ${speed}`);
  const qos = options.qos ?? 1;
  const protocolVersion = options.protocolVersion ?? 4;
  const captureMode = options.capture ?? "auto";
  const home = resolve(options.home ?? labHome());
  const rootless = insideRootless();

  const runs = runsFolder(home);
  const runDir = options.out ? resolve(options.out) : makeRunFolder(runs);
  if (options.out) {
    mkdirSync(runDir, { recursive: true });
    // A reused --out folder: start the files of this run afresh (the device log is appended to).
    for (const name of ["device-log.jsonl", "simulation-device-log.jsonl", "capture.pcapng", "capture.pcap", "bundled-tutorial.pcapng", "summary.json", TUTORIAL_KEYLOG_FILE]) rmSync(join(runDir, name), { force: true });
  }

  // 1. the device
  const registryPath = join(home, "registry.json");
  let registry: DeviceRegistry;
  let found: ReturnType<DeviceRegistry["getOrCreate"]>;
  try {
    registry = DeviceRegistry.load(registryPath);
    found = registry.getOrCreate({ deviceName: options.deviceName ?? TUTORIAL_DEVICE_NAME });
  } catch (error) {
    if (error instanceof RegistryError || error instanceof DeviceInputError) throw new TutorialError(error.message);
    throw error;
  }
  const { device, created } = found;
  step(1, "device", `${device.productKey}/${device.deviceName} ${created ? "created in" : "reused from"} ${registryPath} (its deviceSecret stays there)`);

  // 2. the platform
  const maxQos: 1 | 2 = qos === 2 ? 2 : 1;
  const overTls = options.tls === true;
  const overWs = options.transport === "ws";
  const keylogFile = overTls ? join(runDir, TUTORIAL_KEYLOG_FILE) : undefined;
  // Without a live capture, the bundled recording of the same transport (the TLS one carries its keys).
  const bundledTransport = overTls ? "tls" : overWs ? "ws" : "tcp";
  const bundledSpeed = bundledTransport === "tcp" ? BUNDLED_CAPTURE_SPEED : BUNDLED_TRANSPORT_CAPTURE_SPEED;
  const bundledName = `data/captures/${bundledTransport === "tcp" ? "tutorial" : `tutorial-${bundledTransport}`}.pcapng`;
  const liveLog = join(runDir, "device-log.jsonl");
  let platform: Platform;
  let portNote = "";
  try {
    // TLS and WebSocket listen on free ports: the analysis finds them by their ClientHello and HTTP Upgrade.
    const platformOptions = { registry, host: "127.0.0.1", deviceLog: liveLog, maxQos, tls: overTls, websocket: overWs, tlsPort: 0, wsPort: 0, wssPort: 0 };
    if (options.platformPort !== undefined) {
      platform = await startPlatform({ ...platformOptions, port: options.platformPort });
    } else {
      const started = await startPlatformOnMqttPort(platformOptions);
      platform = started.platform;
      portNote = started.onMqttPort
        ? ", MQTT's own port: Wireshark decodes it as MQTT by itself"
        : // 1883 taken (a local broker) or not allowed: any free port, and Decode As hints.
          ` (1883 is not free here: ${started.why}; Wireshark needs Decode As for this port)`;
    }
  } catch (error) {
    throw new TutorialError(`cannot start the embedded platform: ${(error as Error).message}`);
  }
  const deviceUrl = overWs ? (overTls ? platform.wssUrl! : platform.wsUrl!) : overTls ? platform.tlsUrl! : platform.url;
  const devicePort = Number(new URL(deviceUrl).port);
  if (deviceUrl !== platform.url) portNote = `; the device connects to ${deviceUrl}${overTls ? " (TLS with the lab certificate, securemode=2)" : ""}`;
  step(2, "platform", `embedded IoT platform listening on ${platform.url}${portNote}${maxQos === 2 ? " (QoS 2 allowed for --qos 2; the cloud platform stops at QoS 1)" : ""}`);

  let capture: LiveCapture | undefined;
  let stopped: LiveCaptureResult | undefined;
  let unavailable: TutorialCaptureInfo["unavailable"];
  let summary: SimulationSummary;
  try {
    // 3. the capture
    if (captureMode === "bundled") {
      unavailable = { reason: "live capture turned off (--no-capture)", fixes: [] };
      step(3, "capture", "none (--no-capture): the analysis will use the bundled capture");
    } else {
      try {
        const { format } = resolveCaptureTool(options.tool ?? "auto");
        capture = await startCapture({ port: devicePort, host: "127.0.0.1", file: join(runDir, `capture.${format}`), tool: options.tool ?? "auto" });
        step(3, "capture", `${capture.tool} on ${capture.iface}, filter "${capture.filter}", writing ${capture.format}${rootless ? " (rootless mode: inside a private user+network namespace)" : ""}`);
      } catch (error) {
        if (!(error instanceof LiveCaptureError) || captureMode === "live") throw error;
        const [reason] = error.message.split("\n");
        unavailable = { reason: reason!, fixes: error.fixes };
        step(3, "capture", `NOT POSSIBLE here: ${reason}`);
        for (const fix of error.fixes) detail(`- ${fix}`);
        detail(`Continuing with the BUNDLED capture (${bundledName}) for the analysis.`);
      }
    }

    // 4. the article's device program
    const seconds = (s: number) => formatDuration(s / speed);
    step(4, "device", `running the device program from the article at speed ${speed}: subscribe at ${seconds(3)}, publish at ${seconds(5)}, disconnect at ${seconds(8)} (the article's 3 s / 5 s / 8 s ÷ ${speed})`);
    const simulation = simulate({ platform, registry, device, speed, protocolVersion, qos, seed: options.seed, ...(overTls ? { tls: true, keylog: keylogFile } : {}), ...(overWs ? { transport: "ws" as const } : {}) });
    simulation.on("event", (event) => detail(formatSimulatorEvent(event)));
    try {
      summary = await simulation.done;
    } catch (error) {
      if (error instanceof SimulationRunError) throw new TutorialError(`the simulated device failed: ${error.message}`);
      throw error;
    }

    // 5. stop the capture
    if (capture) {
      stopped = await capture.stop();
      step(5, "capture", `stopped: ${stopped.packets ?? "?"} packets (${stopped.tool}'s own count), ${stopped.droppedByKernel ?? "?"} dropped by the kernel`);
    } else {
      step(5, "capture", "nothing to stop (no live capture)");
    }
  } catch (error) {
    await capture?.stop({ settleMs: 0 }).catch(() => undefined);
    await platform.stop().catch(() => undefined);
    throw error;
  }
  await platform.stop();

  // 6. analyse
  let captureInfo: TutorialCaptureInfo;
  let deviceLog: DeviceLogEntry[];
  let simulationDeviceLog: string | undefined;
  if (capture && stopped) {
    captureInfo = { source: "live", file: stopped.file, format: stopped.format, tool: stopped.tool, command: stopped.command, rootless, speed };
    if (stopped.packets !== undefined) captureInfo.packets = stopped.packets;
    if (stopped.droppedByKernel !== undefined) captureInfo.droppedByKernel = stopped.droppedByKernel;
    deviceLog = platform.deviceLog.entries.slice();
  } else {
    const bundled = bundledTutorial(bundledTransport);
    if (!bundled) throw new TutorialError(`no live capture, and the bundled capture (${bundledName}) is missing from this installation`);
    const file = join(runDir, "bundled-tutorial.pcapng");
    copyFileSync(bundled.capture, file);
    // The bundled log goes with the bundled capture; this run's own log is kept beside it.
    simulationDeviceLog = join(runDir, "simulation-device-log.jsonl");
    if (existsSync(liveLog)) copyFileSync(liveLog, simulationDeviceLog);
    rmSync(liveLog, { force: true });
    copyFileSync(bundled.deviceLog, liveLog);
    deviceLog = readDeviceLog(liveLog).entries;
    captureInfo = { source: "bundled", file, format: "pcapng", rootless: false, bundledFrom: bundled.capture, speed: bundledSpeed };
    if (unavailable) captureInfo.unavailable = unavailable;
  }
  const live = captureInfo.source === "live";
  // Over TLS or WebSocket the port carries no bare MQTT: the stack recognises the ClientHello or the Upgrade.
  const mqttPorts = live && !overTls && !overWs ? [platform.port] : [];
  const mqttPort = live ? devicePort : MQTT_PORT;
  const stackOptions = live && overTls ? { tlsPorts: [devicePort], ...(keylogFile && existsSync(keylogFile) ? { tlsKeylog: keylogFile } : {}) } : {};
  if (live && keylogFile) captureInfo.keylog = keylogFile;
  const analysis: Analysis = await analyzeCapture(captureInfo.file, { mqttPorts, redactPasswords: true, ...stackOptions });
  // The login as the article shows it (3.2), the password shortened at once; the analysis itself keeps it redacted.
  const login = loginFields((await analyzeCapture(captureInfo.file, { mqttPorts, redactPasswords: false, ...stackOptions })).messages);
  const c = analysis.capture;
  step(6, "analysis", `${captureInfo.source === "bundled" ? "BUNDLED capture " : ""}${c.frames} frames, ${formatBytes(c.bytes)}, ${c.connections} TCP connection(s), ${c.mqttMessages} MQTT messages, ${c.phases} phases`);

  // 7. show
  const matches = matchDeviceLog(analysis, deviceLog);
  step(7, "results", captureInfo.source === "bundled" ? `of the BUNDLED capture ${bundledName} (recorded at speed ${bundledSpeed} by npm run fixtures)` : "of this run's capture");
  const wide = options.wide ?? false;
  const first = analysis.connections[0];
  table("");
  paragraph("Packet list (as in Wireshark's top pane; the Phase column groups the packets):");
  if (!wide && first) paragraph(`(every packet goes between the device at ${first.client} and the platform at ${first.server}; add --wide for the Source and Destination columns and the whole Info column)`);
  table(packetListText(analysis, { wide }));
  table("");
  paragraph("What the article shows, in this capture (its section numbers):");
  for (const line of articleNotesText(articleNotes({ analysis, login, matches, mqttPort, ...(overTls ? { layer: "tls" as const } : overWs ? { layer: "ws" as const } : {}) }), width)) table(line);
  table("");
  paragraph("Phases and their timings:");
  table(phasesText(analysis, { wide }));
  table("");
  paragraph("The device program's schedule on the wire:");
  for (const line of scheduleLines(analysis, captureInfo.speed)) table(wide ? line : line.slice(0, TERMINAL_COLUMNS));
  table("");
  paragraph("Device log (the console's Device Log page) matched to frames; Log time in seconds since the first frame:");
  table(deviceLogMatchText(matches, c.start, { wide }));
  table("");

  // 8. save
  const simulationInfo = {
    speed,
    seed: summary.seed,
    protocolVersion: summary.protocolVersion,
    qos: summary.qos,
    durationMs: summary.durationMs,
    platformUrl: deviceUrl,
    events: summary.events,
  };
  const deviceInfo = { productKey: device.productKey, deviceName: device.deviceName, created, registry: registryPath };
  const summaryFile = join(runDir, "summary.json");
  const summaryJson = {
    tutorial: { version: 1, startedAt: new Date(began).toISOString(), speed, protocolVersion, qos },
    device: { productKey: device.productKey, deviceName: device.deviceName, created },
    platform: { url: platform.url, deviceUrl, maxQos },
    capture: { ...captureInfo, file: captureInfo.file.slice(runDir.length + 1), ...(captureInfo.keylog ? { keylog: captureInfo.keylog.slice(runDir.length + 1) } : {}) },
    simulation: { ...simulationInfo, events: summary.events.map((e) => ({ ...e })) },
    analysis: { capture: analysis.capture, connections: analysis.connections, phases: analysis.phases, issues: analysis.issues },
    deviceLog: matches.map((m) => ({ seq: m.entry.seq, event: m.entry.event, time: m.entry.time, topic: m.entry.topic, status: m.entry.status, frame: m.frame, requestFrame: m.requestFrame, stream: m.stream, messageType: m.messageType, timeOffset: m.timeOffset, note: m.note })),
  };
  writeFileSync(summaryFile, JSON.stringify(summaryJson, null, 2) + "\n");
  const reports: string[] = [];
  for (const reporter of options.reporters ?? [writeRunReport]) {
    reports.push(...(await reporter(runDir, analysis, { device: deviceInfo, capture: captureInfo, simulation: simulationInfo, deviceLog, matches })));
  }
  const pruned = options.out ? [] : pruneRuns(runs, options.keepRuns ?? RUNS_KEPT);
  step(8, "saved", runDir);
  for (const file of [captureInfo.file, ...(captureInfo.keylog ? [captureInfo.keylog] : []), liveLog, ...(simulationDeviceLog ? [simulationDeviceLog] : []), summaryFile, ...reports]) detail(`- ${file.slice(runDir.length + 1)}`);
  if (!options.out) detail(`(the newest ${options.keepRuns ?? RUNS_KEPT} runs are kept in ${runs}${pruned.length ? `; removed ${pruned.length} older` : ""})`);
  table("");
  const notebooks = notebooksFolder();
  for (const line of nextStepsText({ report: reports.find((r) => r.endsWith(".html")), ...(notebooks ? { notebooksDir: notebooks } : {}), capture: captureInfo.file, mqttPort, ...(overTls ? { layer: "tls" as const, ...(captureInfo.keylog ? { keylog: captureInfo.keylog } : {}) } : overWs ? { layer: "ws" as const } : {}) }, width)) table(line);

  return {
    runDir,
    files: { capture: captureInfo.file, deviceLog: liveLog, ...(simulationDeviceLog ? { simulationDeviceLog } : {}), summary: summaryFile, reports },
    device: deviceInfo,
    platform: { url: platform.url, port: platform.port, maxQos },
    capture: captureInfo,
    simulation: simulationInfo,
    analysis,
    deviceLog,
    matches,
    pruned,
    durationMs: Date.now() - began,
  };
}
