/**
 * Record a fleet capture for benchmarks: N MQTT.js devices against a local
 * Mosquitto, captured on loopback by tcpdump (pcap) or dumpcap (pcapng).
 *
 *   node dist/bench/fleet-capture.js --devices 11500 --messages 20 --out bench/out/fleet.pcap
 *
 * Each device: TCP handshake, CONNECT/CONNACK, SUBSCRIBE/SUBACK to its own
 * topic, `messages` QoS 1 PUBLISH/PUBACK of a small JSON reading, a PINGREQ,
 * DISCONNECT, teardown: about 4.5 packets per message plus ~20 per session.
 * Nothing large is committed: captures go to bench/out/ (git-ignored).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync, statSync, existsSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { parseArgs } from "node:util";
import mqtt from "mqtt";

export interface FleetCaptureOptions {
  devices: number;
  messages: number;
  concurrency: number;
  protocolVersion: 4 | 5;
  qos: 0 | 1 | 2;
  out: string;
  /** pcap (tcpdump) or pcapng (dumpcap). */
  format: "pcap" | "pcapng";
  seed: number;
  log?: (line: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function which(tool: string): string | undefined {
  const result = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const { connect } = await import("node:net");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        r(true);
      });
      socket.once("error", () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startMosquitto(port: number, dir: string): ChildProcess {
  const mosquitto = which("mosquitto") ?? (existsSync("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : undefined);
  if (!mosquitto) throw new Error("mosquitto is not installed: sudo apt-get install mosquitto");
  const config = join(dir, "mosquitto.conf");
  writeFileSync(config, [`listener ${port} 127.0.0.1`, "allow_anonymous true", "persistence false", "max_connections -1", "max_inflight_messages 0", "log_type error", ""].join("\n"));
  return spawn(mosquitto, ["-c", config], { stdio: ["ignore", "ignore", "inherit"] });
}

function startCapture(port: number, out: string, format: "pcap" | "pcapng"): ChildProcess {
  if (format === "pcapng") {
    const dumpcap = which("dumpcap");
    if (!dumpcap) throw new Error("dumpcap is not installed: sudo apt-get install tshark");
    return spawn(dumpcap, ["-q", "-i", "lo", "-f", `tcp port ${port}`, "-B", "256", "-s", "0", "-w", out], { stdio: ["ignore", "ignore", "pipe"] });
  }
  const tcpdump = which("tcpdump");
  if (!tcpdump) throw new Error("tcpdump is not installed: sudo apt-get install tcpdump");
  return spawn(tcpdump, ["-i", "lo", "-U", "--immediate-mode", "-B", "262144", "-s", "0", "-w", out, `tcp port ${port}`], { stdio: ["ignore", "ignore", "pipe"] });
}

/** Resolve once the tool says it is capturing (tcpdump: "listening on", dumpcap: "Capturing on"). */
function capturing(capture: ChildProcess, log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the capture did not start: ${log.join("")}`)), 10000);
    capture.stderr?.on("data", (d: Buffer) => {
      log.push(d.toString());
      if (/listening on|Capturing on/.test(log.join(""))) {
        clearTimeout(timer);
        resolve();
      }
    });
    capture.once("exit", (code) => reject(new Error(`the capture tool exited (${code}): ${log.join("")}`)));
  });
}

async function stopCapture(capture: ChildProcess, log: string[]): Promise<string> {
  await new Promise((r) => setTimeout(r, 300));
  const exited = new Promise<void>((r) => capture.once("exit", () => r()));
  capture.kill("SIGINT");
  await exited;
  return log.join("");
}

/** A small deterministic PRNG (mulberry32) for readings. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function runDevice(url: string, index: number, options: FleetCaptureOptions, random: () => number): Promise<void> {
  const name = `device-${String(index).padStart(5, "0")}`;
  const client = await mqtt.connectAsync(url, {
    clientId: `bench.${name}`,
    protocolVersion: options.protocolVersion,
    keepalive: 60,
    reconnectPeriod: 0,
    clean: true,
  });
  try {
    await client.subscribeAsync(`/bench/${name}/user/get`, { qos: 1 });
    for (let m = 0; m < options.messages; m++) {
      const reading = JSON.stringify({ temperature: 10 + Math.floor(random() * 20), humidity: 10 + Math.floor(random() * 20) });
      await client.publishAsync(`/bench/${name}/user/update`, reading, { qos: options.qos });
    }
    await new Promise<void>((r) => {
      // One keepalive exchange per session, as a real device would have.
      const stream = client.stream as unknown as { write(b: Buffer): void };
      client.once("packetreceive", () => r());
      stream.write(Buffer.from([0xc0, 0x00]));
    });
  } finally {
    await client.endAsync();
  }
}

export interface FleetCaptureResult {
  file: string;
  bytes: number;
  seconds: number;
  /** The broker's port: tell tshark (-d tcp.port==N,mqtt) and us (--mqtt-port N). */
  port: number;
  captureReport: string;
  options: FleetCaptureOptions;
}

export async function recordFleetCapture(options: FleetCaptureOptions): Promise<FleetCaptureResult> {
  const log = options.log ?? (() => undefined);
  mkdirSync(dirname(resolve(options.out)), { recursive: true });
  const dir = join(tmpdir(), `iot-wire-lab-fleet-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const broker = startMosquitto(port, dir);
  let capture: ChildProcess | undefined;
  const started = Date.now();
  try {
    await waitForPort(port);
    capture = startCapture(port, options.out, options.format);
    const captureLog: string[] = [];
    await capturing(capture, captureLog);
    const url = `mqtt://127.0.0.1:${port}`;
    const random = prng(options.seed);
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < options.devices) {
        const index = next++;
        await runDevice(url, index, options, random);
        done++;
        if (done % 1000 === 0) log(`  ${done}/${options.devices} devices`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, options.devices) }, worker));
    const report = await stopCapture(capture, captureLog);
    capture = undefined;
    const result: FleetCaptureResult = { file: options.out, bytes: statSync(options.out).size, seconds: (Date.now() - started) / 1000, port, captureReport: report.trim(), options: { ...options, log: undefined } };
    writeFileSync(`${options.out}.json`, JSON.stringify(result, null, 1));
    return result;
  } finally {
    if (capture) capture.kill("SIGKILL");
    broker.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      devices: { type: "string", default: "11500" },
      messages: { type: "string", default: "20" },
      concurrency: { type: "string", default: "100" },
      "mqtt-version": { type: "string", default: "3.1.1" },
      qos: { type: "string", default: "1" },
      format: { type: "string", default: "pcap" },
      seed: { type: "string", default: "1" },
      out: { type: "string", default: "bench/out/fleet.pcap" },
    },
  });
  recordFleetCapture({
    devices: Number(values.devices),
    messages: Number(values.messages),
    concurrency: Number(values.concurrency),
    protocolVersion: values["mqtt-version"] === "5" ? 5 : 4,
    qos: Number(values.qos) as 0 | 1 | 2,
    format: values.format === "pcapng" ? "pcapng" : "pcap",
    seed: Number(values.seed),
    out: values.out!,
    log: (line) => console.error(line),
  }).then(
    (result) => console.log(JSON.stringify(result)),
    (error: Error) => {
      console.error(error.message);
      process.exitCode = 1;
    },
  );
}
