// `npm start` (iot-wire-lab tutorial), run as a newcomer would: the built CLI
// with a fresh IOT_WIRE_LAB_HOME, a live capture, the printed walk-through and
// the saved run folder. Plus the fallbacks: no capture rights (rootless mode,
// or the bundled capture) and --no-capture.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { analyzeCapture } from "../lib/analysis/analyze";
import { bundledTutorial } from "../lib/tutorial/bundled";
import { signMqttCredentials } from "../lib/device/credentials";
import { DeviceRegistry } from "../lib/device/registry";
import { capabilities, rootlessSupport } from "../lib/live/index";
import { listRuns, makeRunFolder, pruneRuns, runFolderName } from "../lib/tutorial/run-folder";
import { runTutorial } from "../lib/tutorial/tutorial";
import type { TutorialResult } from "../lib/tutorial/types";
import { inCI, needTool, which } from "./helpers/tools";

const main = join(__dirname, "..", "lib", "cli", "main.js");
const SEED_PHASES = ["tcp-handshake", "connect", "subscribe", "publish", "disconnect", "tcp-teardown"];

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "iwl-tutorial-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function tutorial(home: string, args: string[], options: { prefix?: string[]; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  const prefix = options.prefix ?? [];
  const command = prefix.length > 0 ? prefix[0]! : process.execPath;
  const argv = [...prefix.slice(1), ...(prefix.length > 0 ? [process.execPath] : []), main, "tutorial", ...args];
  return spawnSync(command, argv, { encoding: "utf8", timeout: 30000, env: { ...process.env, IOT_WIRE_LAB_HOME: home, ...options.env } });
}

/** The Phase column of the printed packet list (narrow or --wide), consecutive repeats folded. */
function packetListPhases(stdout: string): string[] {
  const lines = stdout.split("\n");
  const header = lines.findIndex((l) => /^No\. +Time +(Source +Destination +)?Protocol +Length +Phase +Info$/.test(l));
  assert.ok(header >= 0, `no packet list in:\n${stdout}`);
  const column = lines[header]!.split(/ {2,}/).indexOf("Phase");
  const phases: string[] = [];
  for (const line of lines.slice(header + 1)) {
    if (line.trim() === "") break;
    const phase = line.trim().split(/ {2,}/)[column]!;
    if (phases[phases.length - 1] !== phase) phases.push(phase);
  }
  return phases;
}

/** The output with wrapped lines joined again (a continuation line starts with 12 or more spaces). */
function unwrapped(stdout: string): string {
  return stdout.replace(/\n {12,}/g, " ");
}

const SECTIONS = ["3.1", "3.2", "3.3", "3.4", "3.5", "3.6"];

/** Every line fits a 100-column terminal (counted in characters, as a terminal shows them). */
function assertFits100(stdout: string): void {
  for (const line of stdout.split("\n")) assert.ok([...line].length <= 100, `${[...line].length} columns: ${line}`);
}

/** The output as one line of words (for sentences that wrap anywhere). */
function prose(stdout: string): string {
  return stdout.replace(/\s+/g, " ");
}

/** What `npm start` teaches, whatever the capture: the article's sections, the login, the payload, the teardown, what next. */
function assertTeaches(stdout: string, runDir: string): void {
  const text = prose(stdout);
  for (const section of SECTIONS) assert.match(stdout, new RegExp(`^${section.replace(".", "\\.")} [A-Z]`, "m"), `section ${section} missing`);
  assert.doesNotMatch(stdout, /seed (program|article)/i, "no project jargon");
  assert.match(text, /The device's port is \d+: the source port of its SYN/);
  assert.match(text, /clientId \S+\|securemode=3,signmethod=hmacsha1,timestamp=\d+\|, username \S+&\S+ and password [0-9a-f]{8}… \(\d+ characters\)/);
  assert.match(text, /The device publishes \{"temperature":\d+,"humidity":\d+\} to \S+\/user\/update with QoS 1 .*The platform's device log holds the same message \(entry \d+, upstream\): \{"temperature"/);
  assert.match(text, /Three packets here, not the article's four|\d packets \(frames \d+–\d+\): .* four-way teardown/);
  assert.match(stdout, /^ +\d+\.\d{3} +upstream +ok +\d+ +PUBLISH +-?\d+\.\d ms +\{"temperature":\d+,"humidity":\d+\}$/m, "the device log shows the payload");
  // What to open next, last.
  assert.match(stdout, /^What to open next:$/m);
  assert.ok(stdout.includes(`the HTML report:  ${pathToFileURL(join(runDir, "report.html")).href}`), "the report as a file:// link");
  assert.match(stdout, /the notebooks: +npm run notebook/);
  assert.match(text, /Wireshark: wireshark (-d tcp\.port==\d+,mqtt )?-r \S+\.pcap(ng)?/);
  assertFits100(stdout);
}

function liveOrSkip(t: { skip(message: string): void }): boolean {
  if (!which("dumpcap") && !which("tcpdump")) {
    needTool(t as never, "tcpdump");
    return false;
  }
  const caps = capabilities();
  if (caps.live.possible) return true;
  const message = `no live capture possible here (${caps.live.reason})`;
  if (inCI) assert.fail(message);
  t.skip(message);
  return false;
}

test("npm start: a fresh home, a live capture, the walk-through printed, the run saved, no secret shown; a second run reuses the device", async (t) => {
  if (!liveOrSkip(t)) return;
  const dir = tempDir(t);
  const home = join(dir, "home");
  const out = join(dir, "run");
  const first = tutorial(home, ["--speed", "10", "--out", out, "--seed", "7"]);
  assert.equal(first.status, 0, first.stderr + first.stdout);
  const text = unwrapped(first.stdout);
  for (let n = 1; n <= 8; n++) assert.match(text, new RegExp(`^\\[${n}/8\\] `, "m"), `step ${n} missing`);
  assert.match(text, /\[1\/8\] device +a1\w{9}\/tutorial-device created in .*registry\.json/);
  assert.match(text, /\[3\/8\] capture +(dumpcap|tcpdump) on lo, filter "tcp port \d+ and host 127\.0\.0\.1"/);
  assert.match(text, /running the device program from the article at speed 10: subscribe at 300\.0 ms, publish at 500\.0 ms, disconnect at 800\.0 ms/);
  assert.match(text, /\[5\/8\] capture +stopped: \d+ packets \((dumpcap|tcpdump)'s own count\), 0 dropped by the kernel/);

  // The packet list with its phases, in the article's order.
  assert.deepEqual(packetListPhases(text), SEED_PHASES);
  // The phases with their timings, and the schedule measured on the wire.
  assert.match(text, /^Phase +Frames +Latency +Status +Summary$/m);
  assert.match(text, /^publish +\d+–\d+ .* complete +PUBLISH → PUBACK \(id=\d+, QoS 1\)/m);
  assert.match(text, /SUBSCRIBE +planned +300\.0 ms +on the wire +\d+\.\d ms/);
  assert.match(text, /DISCONNECT +planned +800\.0 ms +on the wire/);
  // The device log matched to frames.
  for (const [event, packet] of [
    ["online", "CONNACK"],
    ["subscribe", "SUBACK"],
    ["upstream", "PUBLISH"],
    ["offline", "DISCONNECT"],
  ]) {
    assert.match(text, new RegExp(`^ +\\d+\\.\\d{3} +${event} .* ok +[\\d→]+ +${packet} +-?\\d+\\.\\d ms`, "m"), `${event} ↔ ${packet}`);
  }
  // What the article shows, told with this capture; every line fits 100 columns.
  assertTeaches(first.stdout, out);
  const words = prose(first.stdout);
  const summaryBeforeRerun = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { analysis: { connections: Array<{ clientPort: number; serverPort: number }> } };
  const { clientPort, serverPort } = summaryBeforeRerun.analysis.connections[0]!;
  assert.match(words, new RegExp(`The device's port is ${clientPort}: the source port of its SYN`));
  // Port 1883 when it was free: Wireshark needs no Decode As; else every MQTT filter says how.
  if (serverPort === 1883) {
    assert.match(words, /listening on mqtt:\/\/127\.0\.0\.1:1883, MQTT's own port/);
    assert.doesNotMatch(words, /-d tcp\.port==/);
  } else {
    assert.match(words, new RegExp(`Wireshark filter: mqtt\\.msgtype == 1 \\|\\| mqtt\\.msgtype == 2 \\(Decode As first: -d tcp\\.port==${serverPort},mqtt\\)`));
  }

  // The run folder.
  assert.match(text, new RegExp(`\\[8/8\\] saved +${out.replace(/[/.]/g, "\\$&")}`));
  const files = readdirSync(out).sort();
  assert.ok(files.includes("device-log.jsonl") && files.includes("summary.json") && files.includes("report.html"), files.join(" "));
  const report = readFileSync(join(out, "report.html"), "utf8");
  assert.match(report, /<section id="device-log"/, "the run's report includes the matched device log");
  assert.ok((report.match(/<svg/g) ?? []).length >= 5, "the run's report has its charts");
  assert.ok(files.includes("capture.pcapng") || files.includes("capture.pcap"), files.join(" "));
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { capture: { source: string }; analysis: { phases: Array<{ kind: string }> }; deviceLog: Array<{ frame?: number }> };
  assert.equal(summary.capture.source, "live");
  assert.deepEqual(
    summary.analysis.phases.map((p) => p.kind),
    SEED_PHASES,
  );
  assert.ok(summary.deviceLog.every((row) => row.frame !== undefined));

  // Secrets: the deviceSecret and the signed password appear nowhere.
  const registry = DeviceRegistry.load(join(home, "registry.json"));
  assert.equal(registry.size, 1);
  const device = registry.list()[0]!;
  const timestamp = Number(/timestamp=(\d+)\|/.exec(text)![1]);
  const { password } = signMqttCredentials(device, { timestamp });
  for (const [what, output] of [
    ["stdout", text],
    ["stderr", first.stderr],
    ["summary.json", readFileSync(join(out, "summary.json"), "utf8")],
  ]) {
    assert.ok(!output!.includes(device.deviceSecret), `${what} holds the deviceSecret`);
    assert.ok(!output!.includes(password), `${what} holds the signed password`);
  }

  // The 3.2 login: the password shortened to its first 8 characters.
  assert.ok(words.includes(`password ${password.slice(0, 8)}… (${password.length} characters)`), "the shortened password");

  // Again, --wide: the same device, no second one, and every column in full.
  const second = tutorial(home, ["--speed", "10", "--out", out, "--wide"]);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, new RegExp(`\\[1/8\\] device +${device.productKey}/tutorial-device reused from`));
  assert.match(second.stdout, /^No\. +Time +Source +Destination +Protocol +Length +Phase +Info$/m);
  assert.match(second.stdout, /\[SYN\] Seq=0 Win=\d+ Len=0 MSS=\d+ SACK_PERM TSval=\d+ TSecr=0 WS=\d+$/m, "the whole Info column");
  assert.match(second.stdout, /^Stream +Phase +Frames +Packets →\/← +Bytes →\/← +Latency +Status +Summary$/m);
  assert.match(second.stdout, /^ +0 +publish +\d+–\d+ .* complete +PUBLISH → PUBACK \(id=\d+, QoS 1\)/m);
  assert.match(second.stdout, /^ +\d+\.\d{3} +upstream +\/\S+\/user\/update +ok +\d+ +PUBLISH +0 +-?\d+\.\d ms/m);
  assert.deepEqual(packetListPhases(second.stdout), SEED_PHASES);
  assert.equal(DeviceRegistry.load(join(home, "registry.json")).size, 1);
  assert.equal(readFileSync(join(out, "device-log.jsonl"), "utf8").trim().split("\n").length, 4, "the device log holds this run only");
});

test("--json: one JSON object on stdout, progress on stderr", async (t) => {
  if (!liveOrSkip(t)) return;
  const dir = tempDir(t);
  const run = tutorial(join(dir, "home"), ["--speed", "20", "--out", join(dir, "run"), "--json", "--mqtt-version", "5"]);
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout) as TutorialResult;
  assert.equal(result.capture.source, "live");
  assert.equal(result.simulation.protocolVersion, 5);
  assert.deepEqual(
    result.analysis.phases.map((p) => p.kind),
    SEED_PHASES,
  );
  assert.equal(result.analysis.connections[0]!.mqtt!.protocolVersion, 5);
  assert.deepEqual(
    result.matches.map((m) => m.messageType),
    ["CONNACK", "SUBACK", "PUBLISH", "DISCONNECT"],
  );
  assert.match(run.stderr, /\[8\/8\] saved/);
  assert.doesNotMatch(run.stderr, /^No\. +Time/m);
});

test("--no-capture: the bundled capture, clearly labelled, with its own device log; the article's sections told with it", async (t) => {
  const dir = tempDir(t);
  const out = join(dir, "run");
  const run = tutorial(join(dir, "home"), ["--speed", "20", "--out", out, "--no-capture"]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /\[3\/8\] capture +none \(--no-capture\)/);
  assert.match(run.stdout, /\[6\/8\] analysis +BUNDLED capture 17 frames/);
  assert.match(run.stdout, /of the BUNDLED capture data\/captures\/tutorial\.pcapng/);
  assert.deepEqual(packetListPhases(run.stdout), SEED_PHASES);
  // Recorded at speed 1: the schedule is read at that speed.
  assert.match(run.stdout, /SUBSCRIBE +planned +3\.00 s/);
  assert.deepEqual(readdirSync(out).sort(), ["bundled-tutorial.pcapng", "device-log.jsonl", "report.html", "simulation-device-log.jsonl", "summary.json"]);
  assert.match(run.stdout, /offline .* DISCONNECT/);
  // The article's sections told with the bundled capture: its device port, login, payload and teardown.
  assertTeaches(run.stdout, out);
  const text = prose(run.stdout);
  assert.match(text, /The device's port is 33314: the source port of its SYN \(the article's was 56150/);
  assert.match(text, /The device publishes \{"temperature":26,"humidity":24\} to \/a1WireLabDm\/demo-device\/user\/update/);
  assert.match(text, /Three packets here, not the article's four: the platform sends FIN \(frame 15\), and the device acknowledges it and sends its own FIN in one packet \(\[FIN, ACK\], frame 16\)/);
  assert.match(text, /Wireshark: wireshark -r \S+bundled-tutorial\.pcapng done in/, "recorded on 1883: no Decode As");
  const connect = (await analyzeCapture(bundledTutorial()!.capture, { redactPasswords: false })).messages.find((m) => m.type === "CONNECT")!;
  assert.ok(text.includes(`password ${connect.password!.slice(0, 8)}… (40 characters)`));
  assert.ok(!run.stdout.includes(connect.password!), "the whole password is never printed");
});

test("1883 taken: the platform takes a free port, and every MQTT filter and the Wireshark command carry the Decode As hint", async (t) => {
  // Hold 1883 (if something else already does, the tutorial must cope all the same).
  const blocker = createServer();
  await new Promise<void>((resolve) => {
    blocker.once("error", () => resolve());
    blocker.listen(1883, "127.0.0.1", () => resolve());
  });
  t.after(() => new Promise<void>((resolve) => (blocker.listening ? blocker.close(() => resolve()) : resolve())));
  const dir = tempDir(t);
  const out = join(dir, "run");
  // Live when this machine may capture (not in rootless mode, whose namespace always has 1883 free).
  const live = capabilities().live.possible && capabilities().live.via !== "rootless-namespace";
  const run = tutorial(join(dir, "home"), ["--speed", "20", "--out", out, ...(live ? [] : ["--no-capture"])]);
  assert.equal(run.status, 0, run.stderr);
  const text = prose(run.stdout);
  const port = Number(/listening on mqtt:\/\/127\.0\.0\.1:(\d+) \(1883 is not free here: address already in use; Wireshark needs Decode As/.exec(text)?.[1]);
  assert.ok(port > 0 && port !== 1883, text);
  assertFits100(run.stdout);
  if (!live) return;
  const filters = text.split("Wireshark filter: ").slice(1);
  assert.equal(filters.filter((f) => f.startsWith("mqtt.")).length, 4, "CONNECT, SUBSCRIBE, PUBLISH and DISCONNECT filters");
  for (const filter of filters) {
    if (filter.startsWith("mqtt.")) assert.match(filter, new RegExp(`^[^()]*\\(Decode As first: -d tcp\\.port==${port},mqtt\\)`), filter);
    else assert.doesNotMatch(filter.slice(0, filter.search(/ (3\.\d|Phases) /)), /Decode As/, "tcp.* filters work without Decode As");
  }
  assert.match(text, new RegExp(`Wireshark: wireshark -d tcp\\.port==${port},mqtt -r \\S+capture\\.pcap`));
  assert.match(text, new RegExp(`-d is Decode As: the platform ran on port ${port}, not MQTT's 1883`));
});

/** setpriv dropping CAP_NET_RAW/CAP_NET_ADMIN from the bounding set: even root cannot capture below it. */
function noCaptureRights(t: { skip(message: string): void }): string[] | undefined {
  const setpriv = which("setpriv");
  const prefix = setpriv ? [setpriv, "--bounding-set", "-net_raw,-net_admin", "--inh-caps", "-net_raw,-net_admin"] : [];
  if (!setpriv || spawnSync(prefix[0]!, [...prefix.slice(1), "true"]).status !== 0) {
    t.skip("setpriv cannot drop capabilities here");
    return undefined;
  }
  return prefix;
}

test("without capture rights the tutorial re-runs itself in rootless mode and still captures live", (t) => {
  if (!needTool(t, "dumpcap") || !needTool(t, "unshare")) return;
  const support = rootlessSupport();
  if (!support.possible) return t.skip(`rootless mode is not possible on this machine: ${support.reason}`);
  const prefix = noCaptureRights(t);
  if (!prefix) return;
  const dir = tempDir(t);
  const run = tutorial(join(dir, "home"), ["--speed", "20", "--out", join(dir, "run")], { prefix });
  assert.equal(run.status, 0, run.stderr + run.stdout);
  assert.match(unwrapped(run.stdout), /^no permission to capture as this user .*re-running in rootless mode \(unshare -rn\)/m);
  assert.match(unwrapped(run.stdout), /\[3\/8\] capture +dumpcap on lo, .*\(rootless mode: inside a private user\+network namespace\)/);
  // The namespace's own loopback always has 1883 free: Wireshark decodes the capture without Decode As.
  assert.match(unwrapped(run.stdout), /listening on mqtt:\/\/127\.0\.0\.1:1883, MQTT's own port/);
  assert.deepEqual(packetListPhases(run.stdout), SEED_PHASES);
  assert.ok(existsSync(join(dir, "run", "capture.pcapng")));
});

test("without capture rights and without rootless mode: the exact fixes, then the bundled capture", (t) => {
  if (!needTool(t, "dumpcap")) return;
  const prefix = noCaptureRights(t);
  if (!prefix) return;
  const dir = tempDir(t);
  const run = tutorial(join(dir, "home"), ["--speed", "20", "--out", join(dir, "run")], { prefix, env: { IOT_WIRE_LAB_ROOTLESS: "0" } });
  assert.equal(run.status, 0, run.stderr + run.stdout);
  assert.match(unwrapped(run.stdout), /\[3\/8\] capture +NOT POSSIBLE here: dumpcap may not capture on lo/);
  assert.match(unwrapped(run.stdout), /sudo setcap cap_net_raw,cap_net_admin\+eip \$\(command -v dumpcap\)/);
  assert.match(unwrapped(run.stdout), /sudo usermod -aG wireshark \$USER/);
  assert.match(unwrapped(run.stdout), /Continuing with the BUNDLED capture/);
  assert.match(unwrapped(run.stdout), /\[6\/8\] analysis +BUNDLED capture/);
  assert.deepEqual(packetListPhases(run.stdout), SEED_PHASES);
});

test("no sh on PATH: the capture cannot start, the tutorial says so and finishes with the bundled capture (no hang)", (t) => {
  const dumpcap = needTool(t, "dumpcap");
  if (!dumpcap) return;
  const dir = tempDir(t);
  // PATH holds dumpcap and nothing else, so spawning the supervisor shell fails (ENOENT).
  const bin = join(dir, "bin");
  mkdirSync(bin);
  symlinkSync(dumpcap, join(bin, "dumpcap"));
  const run = tutorial(join(dir, "home"), ["--speed", "20", "--out", join(dir, "run")], { env: { PATH: bin, IOT_WIRE_LAB_ROOTLESS: "0" } });
  assert.equal(run.error, undefined, "the tutorial finished within the timeout");
  assert.equal(run.status, 0, run.stderr + run.stdout);
  assert.match(unwrapped(run.stdout), /\[3\/8\] capture +NOT POSSIBLE here: cannot start sh \(the shell that supervises dumpcap\): spawn sh ENOENT/);
  assert.match(unwrapped(run.stdout), /\[6\/8\] analysis +BUNDLED capture/);
});

test("bad options are one-line usage errors (exit 2)", (t) => {
  const dir = tempDir(t);
  for (const [args, pattern] of [
    [["--speed", "0"], /--speed must be more than 0/],
    [["--qos", "3"], /--qos must be between 0 and 2/],
    [["--mqtt-version", "4.0"], /--mqtt-version must be 3\.1\.1 or 5/],
    [["--tool", "wireshark"], /--tool must be auto, dumpcap or tcpdump/],
    [["--no-capture", "--rootless"], /makes no sense/],
    [["--bogus"], /Unknown option '--bogus'/],
  ] as const) {
    const run = tutorial(join(dir, "home"), [...args]);
    assert.equal(run.status, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, pattern);
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
  }
});

test("run folders: named by time, only the newest 10 kept, nothing else touched; reporters get the folder and the analysis", async (t) => {
  const dir = tempDir(t);
  const runs = join(dir, "home", "runs");
  mkdirSync(join(runs, "keep-me"), { recursive: true });
  for (let i = 0; i < 12; i++) makeRunFolder(runs, new Date(Date.UTC(2025, 0, 1, 0, 0, i)));
  assert.equal(runFolderName(new Date(Date.UTC(2025, 10, 26, 12, 14, 3, 45))), "20251126-121403-045");
  assert.equal(listRuns(runs).length, 12);
  const removed = pruneRuns(runs, 10);
  assert.deepEqual(
    removed.map((p) => p.split("/").pop()),
    ["20250101-000000-000", "20250101-000001-000"],
  );
  assert.ok(existsSync(join(runs, "keep-me")));

  // A real run (bundled capture: no capture rights needed) into the default runs folder.
  const seen: Array<{ runDir: string; frames: number; matched: number }> = [];
  const result = await runTutorial({
    home: join(dir, "home"),
    speed: 20,
    capture: "bundled",
    reporters: [
      (runDir, analysis, context) => {
        seen.push({ runDir, frames: analysis.capture.frames, matched: context.matches.filter((m) => m.frame !== undefined).length });
        return [];
      },
    ],
  });
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.runDir, result.runDir);
  assert.equal(seen[0]!.frames, 17);
  assert.equal(seen[0]!.matched, 4);
  assert.ok(result.runDir.startsWith(runs + "/"));
  // 10 old ones + this one, pruned to 10.
  assert.equal(listRuns(runs).length, 10);
  assert.equal(listRuns(runs).pop(), result.runDir);
  assert.equal(result.pruned.length, 1);
});

test("npm start -- --tls: live over TLS, the key log saved beside the capture (0600, never printed) and the analysis decrypted", (t) => {
  if (!liveOrSkip(t)) return;
  const dir = tempDir(t);
  const out = join(dir, "run");
  const run = tutorial(join(dir, "home"), ["--tls", "--speed", "20", "--out", out]);
  assert.equal(run.status, 0, run.stderr);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  assert.equal(summary.capture.source, "live");
  assert.equal(summary.capture.keylog, "tls-keylog.txt");
  assert.match(summary.platform.deviceUrl, /^mqtts:\/\/127\.0\.0\.1:\d+$/);
  const keylog = join(out, "tls-keylog.txt");
  assert.equal(statSync(keylog).mode & 0o777, 0o600);
  const phases = summary.analysis.phases.map((p: { kind: string }) => p.kind);
  for (const kind of ["tcp-handshake", "tls-handshake", "connect", "subscribe", "publish", "disconnect"]) assert.ok(phases.includes(kind), `phase ${kind} in ${phases}`);
  assert.ok(summary.analysis.capture.mqttMessages >= 7, "the MQTT messages were decrypted");
  assert.match(prose(run.stdout), /securemode=2/);
  for (const line of readFileSync(keylog, "utf8").trim().split("\n")) assert.ok(!run.stdout.includes(line.split(" ")[2]!), "a TLS secret was printed");
});

test("npm start -- --transport ws: live over WebSocket, the MQTT found behind the Upgrade", (t) => {
  if (!liveOrSkip(t)) return;
  const dir = tempDir(t);
  const out = join(dir, "run");
  const run = tutorial(join(dir, "home"), ["--transport", "ws", "--speed", "20", "--out", out]);
  assert.equal(run.status, 0, run.stderr);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  assert.match(summary.platform.deviceUrl, /^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);
  const phases = summary.analysis.phases.map((p: { kind: string }) => p.kind);
  for (const kind of ["ws-handshake", "connect", "publish", "disconnect"]) assert.ok(phases.includes(kind), `phase ${kind} in ${phases}`);
  assert.equal(summary.analysis.issues.filter((i: { code: string }) => i.code === "mqtt.malformed").length, 0);
});

test("npm start -- --tls --no-capture: the bundled TLS recording, decrypted with the keys it carries", (t) => {
  const dir = tempDir(t);
  const out = join(dir, "run");
  const run = tutorial(join(dir, "home"), ["--tls", "--no-capture", "--speed", "20", "--out", out]);
  assert.equal(run.status, 0, run.stderr);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  assert.equal(summary.capture.source, "bundled");
  assert.match(summary.capture.bundledFrom, /tutorial-tls\.pcapng$/);
  const phases = summary.analysis.phases.map((p: { kind: string }) => p.kind);
  for (const kind of ["tls-handshake", "connect", "publish", "disconnect"]) assert.ok(phases.includes(kind), `phase ${kind} in ${phases}`);
  assert.match(prose(run.stdout), /BUNDLED capture data\/captures\/tutorial-tls\.pcapng/);
});
