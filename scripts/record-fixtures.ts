#!/usr/bin/env node
/**
 * Records the fixture captures in data/captures/ (`npm run fixtures`): this
 * project's device simulator against its embedded platform, on the loopback,
 * under real tcpdump and dumpcap, then variants made by editcap and mergecap.
 * Each file's exact command goes into data/captures/fixtures.json, and
 * data/captures/README.md is written from that manifest and the descriptions
 * below, with the versions of the tools that made the files.
 *
 * What is fixed, so a re-recording holds the same MQTT bytes: the demo device
 * certificates (data/captures/demo-registry.json, made-up local devices), the
 * signed clientId timestamp (FIXED_CLOCK), the readings (seeded), the platform
 * port (1883 unless --port). What cannot be fixed: capture timestamps, the
 * client's ephemeral ports, TCP sequence numbers and timestamps, and MQTT.js's
 * first Packet Identifier.
 *
 * Needs capture rights for tcpdump and dumpcap on lo (root). Takes ~35 s.
 *
 *   node dist/scripts/record-fixtures.js [--port N] [--only NAME,NAME] [--readme]
 *
 * --only re-records some scenarios (tutorial, any-sll2, merged, mqtt5, qos,
 * keepalive, fleet, refused, misbehaving, tls, ws); --readme only rewrites README.md.
 *
 * tls: the key log of the run is written to a temporary 0600 file, embedded
 * into the pcapng with `editcap --inject-secrets tls,KEYLOG` and deleted: the
 * only keys ever bundled are these, the session keys of a lab run against the
 * lab's own certificate.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import * as mqtt from "mqtt";
import { DeviceRegistry, type DeviceRecord } from "../lib/device/registry";
import { signMqttCredentials } from "../lib/device/credentials";
import { deviceTopics } from "../lib/device/topics";
import { startPlatform, type Platform, type PlatformOptions } from "../lib/platform/platform";
import { SimulationRunError, type SimulationOptions } from "../lib/simulator/simulation";
import { runSimulation } from "../lib/lab/simulate";
import { startCapture, type LiveCapture, type LiveCaptureOptions, type LiveCaptureResult } from "../lib/live/capture";
import { findExecutable, toolVersion } from "../lib/live/tools";
import { analyzeCapture } from "../lib/analysis/analyze";
import { manifestEntry, type ManifestEntry } from "./fixture-manifest";

const root = join(__dirname, "..", "..");
const OUT = join(root, "data", "captures");
const REGISTRY = join(OUT, "demo-registry.json");
const MANIFEST = join(OUT, "fixtures.json");

/** 2024-01-15 08:00:00 UTC: the timestamp signed into every clientId. */
const FIXED_CLOCK = Date.UTC(2024, 0, 15, 8, 0, 0);
const PRODUCT_KEY = "a1WireLabDm";
/** The platform's TLS and WebSocket ports in the tls and ws recordings (the cloud's 8883; EMQX's 8083). */
const TLS_PORT = 8883;
const WS_PORT = 8083;
const DEMO_DEVICES = ["demo-device", "other-device", "fleet-0001", "fleet-0002", "fleet-0003", "fleet-0004", "fleet-0005"];

/** What each file shows, for README.md. */
const DESCRIPTIONS: Record<string, string> = {
  "tutorial.pcap":
    "The seed article's program (MQTT 3.1.1, QoS 1) at its own pace: TCP handshake, CONNECT/CONNACK, SUBSCRIBE/SUBACK 3 s after the CONNACK, PUBLISH/PUBACK after 5 s, DISCONNECT and the FIN teardown after 8 s. Linux `lo` (Ethernet link type), microsecond pcap. The platform's device log of the same run is tutorial-device-log.jsonl.",
  "tutorial.pcapng": "The same run as tutorial.pcap, recorded at the same time by dumpcap: pcapng with section, interface (nanosecond if_tsresol) and interface-statistics blocks. The tutorial's fallback when it cannot capture live.",
  "tutorial-nanosecond.pcap": "The same run again, recorded at the same time by tcpdump with nanosecond timestamps (pcap magic 0xa1b23c4d).",
  "tutorial-device-log.jsonl": "The embedded platform's device log of that run (online, subscribe, upstream, offline), JSON lines as `iot-wire-lab platform log` reads them; matchDeviceLog pairs it with tutorial.pcap/.pcapng.",
  "tutorial-rawip.pcap": "tutorial.pcap with the 14-byte Ethernet header cut off and the link type set to raw IP (LINKTYPE_RAW, 101): frames start at the IPv4 header.",
  "tutorial-any-sll2.pcap": "A separate run of the seed program (speed 4) recorded on Linux's `any` pseudo-device with Linux cooked-mode v2 headers (LINKTYPE_LINUX_SLL2, 276: protocol, interface index, packet type, no Ethernet addresses).",
  "merged-two-interfaces.pcapng": "tutorial.pcap (Ethernet) and tutorial-any-sll2.pcap (SLL2) merged in time order by mergecap: one pcapng with two interface description blocks of different link types, two MQTT connections one after the other.",
  "tutorial-mqtt5.pcapng":
    "The seed program over MQTT 5 (speed 4): CONNECT and CONNACK with properties (the CONNACK announces Maximum QoS 1 and no subscription identifiers or shared subscriptions), a SUBACK reason code (Granted QoS 1), a PUBACK in its 2-byte short form (reason code 0 left out, MQTT 5 §3.4.2.1) and DISCONNECT with reason code 0 (Normal disconnection).",
  "qos0-1-2.pcapng":
    "The demo device runs the seed program three times in a row against a platform that allows QoS 2 (speed 4): tcp.stream 0 at QoS 0 (PUBLISH, nothing back), stream 1 at QoS 1 (PUBLISH → PUBACK), stream 2 at QoS 2 (PUBLISH → PUBREC → PUBREL → PUBCOMP). The SUBSCRIBE asks for the same QoS each time.",
  "keepalive-ping.pcapng":
    "The seed program with a 2 s keep-alive (the platform's minimum lowered from 30 s to 1 s), at speed 1: MQTT.js sends PINGREQ whenever it has sent nothing for 2 s and the platform answers PINGRESP, in the gaps between SUBSCRIBE, PUBLISH and DISCONNECT.",
  "fleet-5.pcapng": "Five devices (fleet-0001 … fleet-0005) running the seed program at the same time (speed 4): five interleaved tcp.streams, each with the full sequence of phases.",
  "refused-login.pcapng":
    "tcp.stream 0: the demo device logs in with a password signed by a wrong deviceSecret and gets CONNACK return code 4 (bad user name or password); the device closes the connection. tcp.stream 1: a good login that subscribes to another device's topic (SUBACK 0x80, failure) and publishes to another device's topic, which the platform answers by closing the connection (MQTT 3.1.1 has no negative PUBACK).",
  "misbehaving.pcapng":
    "Four faulty devices at once against the platform (speed 4), for `iot-wire-lab check` and notebook 5: demo-device connects with a 2 s keep-alive and falls silent until the platform closes the connection (then runs the seed program); other-device is dropped right after three CONNACKs and retries after a fixed 0.25 s each time (no back-off); fleet-0001 is taken over by a twin with the same clientId and takes it back (a takeover loop); fleet-0002 writes its QoS 1 PUBLISH twice with the same packet id and no DUP flag.",
  "tutorial-tls.pcapng":
    "The seed program over TLS 1.3 (speed 4) against the platform's TLS listener (port 8883, the lab's self-signed certificate, clientId securemode=2): TCP handshake, TLS handshake (ClientHello → server Finished), then CONNECT … DISCONNECT as TLS application data and close_notify alerts. The run's NSS key log is embedded as a Decryption Secrets Block (pcapng §4.7, secrets type TLSK), so Wireshark and the analysis decrypt it with no option; `redact` leaves the block out of a shared copy.",
  "tutorial-ws.pcapng":
    "The seed program over WebSocket (speed 4) against the platform's WebSocket listener (ws://…:8083/mqtt): TCP handshake, HTTP GET with Upgrade: websocket and Sec-WebSocket-Protocol: mqtt, 101 Switching Protocols, then each MQTT packet in a binary WebSocket frame (masked from the device, RFC 6455 §5.3), a close frame and the FIN teardown.",
  "demo-registry.json":
    "The made-up demo product (productKey a1WireLabDm) and its devices: demo-device, other-device and fleet-0001 … fleet-0005. The secrets are derived from the device names (sha256 of a fixed text), so the file can be rebuilt identically; they exist only for this lab, and no tool prints them.",
};


interface Manifest {
  port: number;
  fixedClock: number;
  productKey: string;
  files: Record<string, ManifestEntry>;
  versions: string[];
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function readManifest(port: number): Manifest {
  if (existsSync(MANIFEST)) return JSON.parse(readFileSync(MANIFEST, "utf8")) as Manifest;
  return { port, fixedClock: FIXED_CLOCK, productKey: PRODUCT_KEY, files: {}, versions: [] };
}

/** Plain readable files of ours: dumpcap and the device log write 0600, and tcpdump started as root hands its file to the tcpdump user. */
function normalize(file: string): void {
  if (!existsSync(file)) return;
  chmodSync(file, 0o644);
  if (typeof process.getuid === "function" && typeof process.getgid === "function" && process.getuid() === 0) chownSync(file, process.getuid(), process.getgid());
}

function note(manifest: Manifest, file: string, commands: string[], packets?: number): void {
  const path = join(OUT, file);
  normalize(path);
  manifest.files[file] = { ...manifestEntry(path, commands, packets), file };
}

/** The demo certificates: secrets derived from the device names, so the file can be rebuilt identically. */
function demoRegistry(): DeviceRegistry {
  const registry = DeviceRegistry.load(REGISTRY);
  for (const deviceName of DEMO_DEVICES) {
    if (registry.get(PRODUCT_KEY, deviceName)) continue;
    const deviceSecret = createHash("sha256").update(`iot-wire-lab demo device ${PRODUCT_KEY}/${deviceName}`).digest("hex").slice(0, 32);
    registry.add({ productKey: PRODUCT_KEY, deviceName, deviceSecret, createdAt: new Date(FIXED_CLOCK).toISOString(), enabled: true });
  }
  return registry;
}

function device(registry: DeviceRegistry, name: string): DeviceRecord {
  const found = registry.get(PRODUCT_KEY, name);
  if (!found) throw new Error(`demo device ${name} missing from ${REGISTRY}`);
  return found;
}

function rel(path: string): string {
  return relative(OUT, path) || ".";
}

/** A command line as a person would type it in data/captures/. */
function shell(argv: readonly string[]): string {
  return argv
    .map((a, i) => (i === 0 ? a.split("/").pop()! : a.startsWith(OUT) ? rel(a) : a))
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(" ");
}

interface CaptureSpec {
  file: string;
  options: Omit<LiveCaptureOptions, "port" | "file">;
}

/**
 * One recording: a platform on `port`, the captures started (each waits until
 * its tool says it is capturing), the scenario, then captures and platform
 * stopped. The platform's device log goes to `<name>-device-log.jsonl`.
 */
async function record(
  manifest: Manifest,
  name: string,
  registry: DeviceRegistry,
  captures: CaptureSpec[],
  platformOptions: Partial<PlatformOptions>,
  scenario: (platform: Platform) => Promise<void>,
  deviceSide: string,
  /** The port the devices use (default the platform's MQTT port; the TLS or WebSocket one for those runs). */
  capturePort: number = manifest.port,
): Promise<LiveCaptureResult[]> {
  const logName = `${name}-device-log.jsonl`;
  const logFile = join(OUT, logName);
  rmSync(logFile, { force: true });
  const started = Date.now();
  // The devices sign with the bundled captures' fixed clock (2024): no signature age check.
  const platform = await startPlatform({ registry, port: manifest.port, signatureMaxAgeMs: false, ...platformOptions, deviceLog: logFile });
  const running: LiveCapture[] = [];
  const results: LiveCaptureResult[] = [];
  try {
    for (const spec of captures) {
      const file = join(OUT, spec.file);
      rmSync(file, { force: true });
      running.push(await startCapture({ port: capturePort, file, ...spec.options }));
    }
    await scenario(platform);
  } finally {
    for (const capture of running) results.push(await capture.stop());
    await platform.stop();
  }
  for (const r of results) note(manifest, rel(r.file), [shell(r.command), `device side: ${deviceSide}`], r.packets);
  note(manifest, logName, [`written by the embedded platform during the run (startPlatform({ deviceLog: "${logName}" }))`]);
  DESCRIPTIONS[logName] ??= deviceLogDescription(captures.map((c) => c.file));
  for (const r of results) log(`  ${rel(r.file)}: ${r.packets} packets (${r.tool}), ${statSync(r.file).size} bytes`);
  log(`  ${logName}: ${platform.deviceLog.entries.length} entries; ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return results;
}

function deviceLogDescription(captureFiles: readonly string[]): string {
  return `The embedded platform's device log (JSON lines) of the run in ${captureFiles.join(", ")}: one entry per online, subscribe, upstream, offline or refusal, with the client port that ties it to its tcp.stream.`;
}

/** A device log's description when its scenario was not re-recorded this time (--only): its captures share its name. */
function describeFile(file: string, manifest: Manifest): string {
  const described = DESCRIPTIONS[file] ?? manifest.files[file]?.description;
  if (described) return described;
  const log = /^(.*)-device-log\.jsonl$/.exec(file);
  const captures = log ? Object.keys(manifest.files).filter((f) => f.startsWith(`${log[1]}.pcap`)) : [];
  return captures.length > 0 ? deviceLogDescription(captures) : "(no description)";
}

function simulation(registry: DeviceRegistry, platform: Platform, options: SimulationOptions): Promise<unknown> {
  return runSimulation({ registry, platform, clock: () => FIXED_CLOCK, ...options });
}

function tool(name: string): string {
  const path = findExecutable(name);
  if (!path) throw new Error(`${name} is not installed (sudo apt-get install ${name === "tcpdump" ? "tcpdump" : "tshark"})`);
  return path;
}

function run(argv: string[]): void {
  execFileSync(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
}

async function main(): Promise<string[]> {
  const { values } = parseArgs({ options: { port: { type: "string" }, only: { type: "string" }, readme: { type: "boolean" } } });
  const port = values.port ? Number(values.port) : 1883;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be 1 to 65535, got ${values.port}`);
  mkdirSync(OUT, { recursive: true });
  const manifest = readManifest(port);
  manifest.port = port;
  if (values.readme) {
    writeReadme(manifest);
    return [];
  }
  const names = ["tutorial", "any-sll2", "merged", "mqtt5", "qos", "keepalive", "fleet", "refused", "misbehaving", "tls", "ws"];
  const only = values.only ? values.only.split(",") : undefined;
  for (const n of only ?? []) if (!names.includes(n)) throw new Error(`unknown scenario ${n} (one of ${names.join(", ")})`);
  const want = (name: string) => !only || only.includes(name);
  const registry = demoRegistry();
  note(manifest, "demo-registry.json", ["made by scripts/record-fixtures.ts (demoRegistry) when absent"]);
  const demo = device(registry, "demo-device");
  const editcap = tool("editcap");
  const mergecap = tool("mergecap");
  tool("tcpdump");
  tool("dumpcap");
  const seedRun = "runSimulation({ device: demo-device, seed, speed, clock: FIXED_CLOCK }) against startPlatform({ port })";
  const recorded: string[] = [];

  if (want("tutorial")) {
    log("tutorial: the seed program at speed 1 under tcpdump, dumpcap and tcpdump (nanosecond) at once");
    await record(
      manifest,
      "tutorial",
      registry,
      [
        { file: "tutorial.pcap", options: { tool: "tcpdump" } },
        { file: "tutorial.pcapng", options: { tool: "dumpcap" } },
        { file: "tutorial-nanosecond.pcap", options: { tool: "tcpdump", timestampPrecision: "nano" } },
      ],
      {},
      (platform) => simulation(registry, platform, { device: demo, speed: 1, seed: 2024 }).then(() => undefined),
      `${seedRun}, speed 1, seed 2024`,
    );
    const args = [editcap, "-F", "pcap", "-C", "14", "-T", "rawip", join(OUT, "tutorial.pcap"), join(OUT, "tutorial-rawip.pcap")];
    run(args);
    note(manifest, "tutorial-rawip.pcap", [shell(args)]);
    recorded.push("tutorial.pcap", "tutorial.pcapng", "tutorial-nanosecond.pcap", "tutorial-rawip.pcap");
  }

  if (want("any-sll2")) {
    log("tutorial-any-sll2: the seed program at speed 4, tcpdump on the 'any' device with LINUX_SLL2 headers");
    await record(manifest, "tutorial-any-sll2", registry, [{ file: "tutorial-any-sll2.pcap", options: { tool: "tcpdump", iface: "any", linkType: "LINUX_SLL2" } }], {}, (platform) =>
      simulation(registry, platform, { device: demo, speed: 4, seed: 2025 }).then(() => undefined),
    `${seedRun}, speed 4, seed 2025`);
    recorded.push("tutorial-any-sll2.pcap");
  }

  if (want("merged") && existsSync(join(OUT, "tutorial.pcap")) && existsSync(join(OUT, "tutorial-any-sll2.pcap"))) {
    const args = [mergecap, "-F", "pcapng", "-w", join(OUT, "merged-two-interfaces.pcapng"), join(OUT, "tutorial.pcap"), join(OUT, "tutorial-any-sll2.pcap")];
    run(args);
    note(manifest, "merged-two-interfaces.pcapng", [shell(args)]);
    recorded.push("merged-two-interfaces.pcapng");
  }

  if (want("mqtt5")) {
    log("tutorial-mqtt5: the seed program over MQTT 5 at speed 4");
    await record(manifest, "tutorial-mqtt5", registry, [{ file: "tutorial-mqtt5.pcapng", options: { tool: "dumpcap" } }], {}, (platform) =>
      simulation(registry, platform, { device: demo, speed: 4, seed: 2024, protocolVersion: 5 }).then(() => undefined),
    `${seedRun}, speed 4, seed 2024, protocolVersion 5`);
    recorded.push("tutorial-mqtt5.pcapng");
  }

  if (want("tls")) {
    log("tutorial-tls: the seed program over TLS at speed 4, the key log embedded with editcap --inject-secrets");
    const scratch = mkdtempSync(join(tmpdir(), "iwl-fixtures-tls-"));
    const keylog = join(scratch, "tls-keylog.txt");
    const raw = join(OUT, "tutorial-tls-raw.pcapng");
    try {
      await record(
        manifest,
        "tutorial-tls",
        registry,
        [{ file: "tutorial-tls-raw.pcapng", options: { tool: "dumpcap" } }],
        { tls: true, tlsPort: TLS_PORT },
        (platform) => simulation(registry, platform, { device: demo, speed: 4, seed: 2024, tls: true, keylog }).then(() => undefined),
        `${seedRun}, speed 4, seed 2024, tls: true, keylog: KEYLOG (startPlatform({ tls: true, tlsPort: ${TLS_PORT} }))`,
        TLS_PORT,
      );
      DESCRIPTIONS["tutorial-tls-device-log.jsonl"] = deviceLogDescription(["tutorial-tls.pcapng"]);
      const args = [editcap, "--inject-secrets", `tls,${keylog}`, raw, join(OUT, "tutorial-tls.pcapng")];
      run(args);
      const entry = manifest.files["tutorial-tls-raw.pcapng"]!;
      delete manifest.files["tutorial-tls-raw.pcapng"];
      note(manifest, "tutorial-tls.pcapng", [...entry.commands.map((c) => c.replace("tutorial-tls-raw.pcapng", "RAW.pcapng")), shell(args).replace(keylog, "KEYLOG").replace("tutorial-tls-raw.pcapng", "RAW.pcapng")], entry.packets);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      rmSync(raw, { force: true });
    }
    recorded.push("tutorial-tls.pcapng");
  }

  if (want("ws")) {
    log("tutorial-ws: the seed program over WebSocket at speed 4");
    await record(
      manifest,
      "tutorial-ws",
      registry,
      [{ file: "tutorial-ws.pcapng", options: { tool: "dumpcap" } }],
      { websocket: true, wsPort: WS_PORT },
      (platform) => simulation(registry, platform, { device: demo, speed: 4, seed: 2024, transport: "ws" }).then(() => undefined),
      `${seedRun}, speed 4, seed 2024, transport: "ws" (startPlatform({ websocket: true, wsPort: ${WS_PORT} }))`,
      WS_PORT,
    );
    recorded.push("tutorial-ws.pcapng");
  }

  if (want("qos")) {
    log("qos0-1-2: the seed program three times, at QoS 0, 1 and 2 (platform with maxQos 2)");
    await record(
      manifest,
      "qos0-1-2",
      registry,
      [{ file: "qos0-1-2.pcapng", options: { tool: "dumpcap" } }],
      { maxQos: 2 },
      async (platform) => {
        for (const qos of [0, 1, 2] as const) await simulation(registry, platform, { device: demo, speed: 4, seed: 2024 + qos, qos });
      },
      `${seedRun} three times: qos 0, 1, 2 (seeds 2024, 2025, 2026), speed 4; platform maxQos 2`,
    );
    recorded.push("qos0-1-2.pcapng");
  }

  if (want("keepalive")) {
    log("keepalive-ping: keepalive 2 s (platform minimum lowered to 1 s), speed 1");
    await record(
      manifest,
      "keepalive-ping",
      registry,
      [{ file: "keepalive-ping.pcapng", options: { tool: "dumpcap" } }],
      { keepalive: { min: 1, max: 1200 } },
      (platform) => simulation(registry, platform, { device: demo, speed: 1, seed: 2024, keepalive: 2 }).then(() => undefined),
      `${seedRun}, speed 1, seed 2024, keepalive 2; platform keepalive range 1..1200 s`,
    );
    recorded.push("keepalive-ping.pcapng");
  }

  if (want("fleet")) {
    log("fleet-5: five devices at once, speed 4");
    await record(
      manifest,
      "fleet-5",
      registry,
      [{ file: "fleet-5.pcapng", options: { tool: "dumpcap" } }],
      {},
      (platform) => simulation(registry, platform, { fleet: 5, fleetPrefix: "fleet", productKey: PRODUCT_KEY, concurrency: 5, speed: 4, seed: 2024 }).then(() => undefined),
      "runSimulation({ fleet: 5, fleetPrefix: \"fleet\", concurrency: 5, speed: 4, seed: 2024, clock: FIXED_CLOCK })",
    );
    recorded.push("fleet-5.pcapng");
  }

  if (want("refused")) {
    log("refused-login: a wrong password (CONNACK 4), then a forbidden SUBSCRIBE (SUBACK 0x80) and a forbidden PUBLISH (connection closed)");
    await record(
      manifest,
      "refused-login",
      registry,
      [{ file: "refused-login.pcapng", options: { tool: "dumpcap" } }],
      {},
      async (platform) => {
        // 1. The demo device with a wrong deviceSecret: its signed password does not verify.
        const wrong = { ...demo, deviceSecret: createHash("sha256").update("not the demo secret").digest("hex").slice(0, 32) };
        try {
          await runSimulation({ platform, registry, device: wrong, clock: () => FIXED_CLOCK, speed: 4, seed: 2024 });
          throw new Error("the wrong password was accepted");
        } catch (error) {
          if (!(error instanceof SimulationRunError)) throw error;
        }
        // 2. A good login that then reaches for another device's topics.
        const other = deviceTopics(device(registry, "other-device"));
        const credentials = signMqttCredentials(demo, { clock: () => FIXED_CLOCK });
        const client = await mqtt.connectAsync(platform.url, { ...credentials, protocolVersion: 4, keepalive: 60, clean: true, reconnectPeriod: 0 });
        try {
          // MQTT.js reports the SUBACK failure code 0x80 as an error: expected here.
          await new Promise<void>((resolve) => client.subscribe(other.userGet, { qos: 1 }, () => resolve()));
          await new Promise<void>((resolve) => {
            client.once("close", () => resolve());
            client.publish(other.userUpdate, JSON.stringify({ temperature: 20, humidity: 20 }), { qos: 1 }, () => undefined);
          });
        } finally {
          client.end(true);
        }
      },
      "stream 0: runSimulation with demo-device and a wrong deviceSecret; stream 1: MQTT.js connect as demo-device, subscribe and publish to other-device's topics",
    );
    recorded.push("refused-login.pcapng");
  }

  if (want("misbehaving")) {
    log("misbehaving: four faulty devices at once (silent past the keep-alive, no back-off, a twin, a resend without DUP), speed 4");
    await record(
      manifest,
      "misbehaving",
      registry,
      [{ file: "misbehaving.pcapng", options: { tool: "dumpcap" } }],
      { keepalive: { min: 1, max: 1200 } },
      async (platform) => {
        await Promise.all([
          simulation(registry, platform, { device: demo, speed: 4, seed: 2024, keepalive: 2, keepaliveViolation: true }),
          simulation(registry, platform, { device: "other-device", productKey: PRODUCT_KEY, speed: 4, seed: 2025, noBackoff: true }),
          simulation(registry, platform, { device: "fleet-0001", productKey: PRODUCT_KEY, speed: 4, seed: 2026, duplicateClientId: true }),
          simulation(registry, platform, { device: "fleet-0002", productKey: PRODUCT_KEY, speed: 4, seed: 2027, resendWithoutDup: true }),
        ]);
      },
      "four runSimulation at once, speed 4, clock FIXED_CLOCK: demo-device { keepalive: 2, keepaliveViolation: true }, other-device { noBackoff: true }, fleet-0001 { duplicateClientId: true }, fleet-0002 { resendWithoutDup: true }; platform keepalive range 1..1200 s",
    );
    recorded.push("misbehaving.pcapng");
  }

  manifest.versions = versions();
  const temp = `${MANIFEST}.tmp`;
  writeFileSync(temp, JSON.stringify(manifest, null, 2) + "\n");
  renameSync(temp, MANIFEST);
  writeReadme(manifest);
  return recorded;
}

function versions(): string[] {
  const lines: string[] = [];
  for (const name of ["tcpdump", "dumpcap", "tshark", "editcap", "mergecap"]) {
    const path = findExecutable(name);
    if (!path) continue;
    let v = toolVersion(path) ?? "?";
    if (name === "tcpdump") {
      const libpcap = /libpcap version [^\n]+/.exec(execFileSync(path, ["--version"], { encoding: "utf8" }));
      if (libpcap) v += `, ${libpcap[0]}`;
    }
    lines.push(`${name}: ${v}`);
  }
  const pkg = (name: string) => (JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  lines.push(`Node.js: ${process.version}`, `aedes: ${pkg("aedes")}, mqtt (MQTT.js): ${pkg("mqtt")}, mqtt-packet: ${pkg("mqtt-packet")}`);
  try {
    lines.push(`kernel: ${execFileSync("uname", ["-sr"], { encoding: "utf8" }).trim()}`);
  } catch {
    lines.push(`kernel: ${process.platform}`);
  }
  return lines;
}

function writeReadme(manifest: Manifest): void {
  const files = Object.keys(manifest.files)
    .filter((f) => existsSync(join(OUT, f)))
    .sort();
  const text = [
    "# Fixture captures",
    "",
    "Real captures of this project's device simulator talking to its embedded IoT platform over the loopback,",
    "recorded by `npm run fixtures` (scripts/record-fixtures.ts) under real tcpdump and dumpcap, plus variants",
    "made from them by editcap and mergecap. The tests pick up every `.pcap`/`.pcapng` here automatically",
    "(tshark agreement, golden outputs, formats, robustness), the tutorial falls back to `tutorial.pcapng`",
    "when it cannot capture live, and the notebooks read them. `fixtures.json` lists each file's command,",
    "size and sha256.",
    "",
    `Every device belongs to the made-up demo product in \`demo-registry.json\` (productKey ${manifest.productKey}).`,
    "Its secrets exist only for this lab, so shipping them is fine; still, no tool here prints them.",
    "",
    "Fixed for every recording, so the MQTT bytes repeat: the demo certificates, the signed clientId timestamp",
    `(${manifest.fixedClock} = ${new Date(manifest.fixedClock).toISOString()}), the seeded readings, and the platform port ${manifest.port}`,
    "(MQTT's own port, which Wireshark decodes as MQTT without Decode As). Capture timestamps, ephemeral",
    "client ports, TCP sequence numbers and MQTT.js's first Packet Identifier (it starts at a random one)",
    "differ from one recording to the next.",
    "",
    "Re-record (as root, or with capture rights for tcpdump and dumpcap; about 35 s):",
    "",
    "    npm run fixtures                          # everything",
    "    npm run fixtures -- --only qos,fleet      # some: tutorial, any-sll2, merged, mqtt5, qos, keepalive, fleet, refused, misbehaving, tls, ws",
    "    npm run fixtures -- --readme              # only this README, from fixtures.json",
    "",
    "The `mosquitto-*` files are third-party interop captures: Debian's Mosquitto (TLS on 8883, websockets on",
    "9001) and MQTT.js, recorded by `npm run fixtures:interop` (scripts/record-interop-fixtures.ts, with the",
    "helper the interop tests use live, test/helpers/mosquitto-interop.ts), then `npm run fixtures -- --readme`.",
    "Their `.keylog` files are throwaway lab keys: the broker certificate and the secrets were made for that one",
    "recording and protect nothing else. Never commit a real device's key log.",
    "",
    "## Files",
    "",
    "| file | size | packets | recorded |",
    "| --- | ---: | ---: | --- |",
    ...files.map((f) => {
      const e = manifest.files[f]!;
      return `| ${f} | ${(e.bytes / 1024).toFixed(1)} KiB | ${e.packets ?? ""} | ${e.recordedAt.slice(0, 10)} |`;
    }),
    "",
    ...files.flatMap((f) => [`### ${f}`, "", describeFile(f, manifest), "", "Made by:", "", ...manifest.files[f]!.commands.map((c) => `    ${c}`), ""]),
    "## Tool versions of the last recording",
    "",
    ...manifest.versions.map((v) => `- ${v}`),
    "",
  ].join("\n");
  const path = join(OUT, "README.md");
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

main().then(
  async (recorded) => {
    // A last look that each new capture decodes (the real checks are the tests).
    for (const name of recorded) {
      const a = await analyzeCapture(join(OUT, name), { packets: false });
      log(`  check ${name}: ${a.capture.frames} frames, ${a.connections.length} connection(s), phases ${[...new Set(a.phases.map((p) => p.kind))].join(" ")}`);
    }
  },
  (error: unknown) => {
    console.error(`record-fixtures: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
