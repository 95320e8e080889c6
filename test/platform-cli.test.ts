// `iot-wire-lab platform start` and `platform log`, run as a user would.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as mqtt from "mqtt";
import { DeviceRegistry, deviceTopics, signMqttCredentials } from "../lib/device";
import { DeviceLog } from "../lib/platform";

const main = join(__dirname, "..", "lib", "cli", "main.js");

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "iwl-platform-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Collects a child's stdout and resolves when a line matches. */
function waitForLine(child: ChildProcess, output: { text: string }, pattern: RegExp, timeoutMs = 5000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = output.text.match(pattern);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off("data", check);
        resolve(match);
      }
    };
    const timer = setTimeout(() => {
      child.stdout!.off("data", check);
      reject(new Error(`no line matching ${pattern} in:\n${output.text}`));
    }, timeoutMs);
    child.stdout!.on("data", check);
    check();
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** `platform start` on a fresh registry holding device1, once it listens. */
async function startPlatformCli(t: { after(fn: () => void): void }) {
  const dir = tempDir(t);
  const registryPath = join(dir, "registry.json");
  const logPath = join(dir, "device-log.jsonl");
  const device = DeviceRegistry.load(registryPath).create({ deviceName: "device1" });
  const child = spawn(process.execPath, [main, "platform", "start", "--port", "0", "--registry", registryPath, "--log", logPath], { stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const output = { text: "" };
  child.stdout!.on("data", (d: Buffer) => (output.text += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output.text += d.toString()));
  const [, url] = await waitForLine(child, output, /listening on (mqtt:\/\/127\.0\.0\.1:\d+)/);
  return { logPath, device, child, output, url: url! };
}

test("platform start: listens, prints each device-log event (never secrets), stops on SIGTERM", async (t) => {
  const { logPath, device, child, output, url } = await startPlatformCli(t);

  const credentials = signMqttCredentials(device);
  const client = await mqtt.connectAsync(url!, { ...credentials, reconnectPeriod: 0 });
  await client.publishAsync(deviceTopics(device).userUpdate, '{"temperature":20,"humidity":12}', { qos: 1 });
  await client.endAsync();
  await waitForLine(child, output, /offline .*client disconnected/);

  const exited = exitOf(child);
  child.kill("SIGTERM");
  assert.equal(await exited, 0);
  assert.match(output.text, /online +\S+\/device1 +127\.0\.0\.1:\d+/);
  assert.match(output.text, /upstream .*\/user\/update +qos=1 +id=\d+ +32 B +\{"temperature":20,"humidity":12\} +ok/);
  assert.match(output.text, /stopped \(SIGTERM\)/);
  assert.ok(!output.text.includes(device.deviceSecret), "printed the deviceSecret");
  assert.ok(!output.text.includes(credentials.password), "printed the password");

  // platform log: a table, or JSON lines
  const table = spawnSync(process.execPath, [main, "platform", "log", "--file", logPath], { encoding: "utf8" });
  assert.equal(table.status, 0, table.stderr);
  const lines = table.stdout.trim().split("\n");
  assert.match(lines[0]!, /^time +event +device +client +topic +qos +msgId +bytes +payload +status +reason$/);
  assert.deepEqual(
    lines.slice(1).map((l) => l.split(/ {2,}/)[1]),
    ["online", "upstream", "offline"],
  );
  const json = spawnSync(process.execPath, [main, "platform", "log", "--file", logPath, "--json"], { encoding: "utf8" });
  const entries = json.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(
    entries.map((e) => e.event),
    ["online", "upstream", "offline"],
  );
});

test("platform log: a missing file and bad options are one-line errors", (t) => {
  const dir = tempDir(t);
  const missing = spawnSync(process.execPath, [main, "platform", "log", "--file", join(dir, "nope.jsonl")], { encoding: "utf8" });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^iot-wire-lab platform: no device log at .*nope\.jsonl/);
  assert.equal(missing.stderr.trim().split("\n").length, 1);
  const badPort = spawnSync(process.execPath, [main, "platform", "start", "--port", "http"], { encoding: "utf8" });
  assert.equal(badPort.status, 2);
  assert.match(badPort.stderr, /--port must be an integer/);
  const badAge = spawnSync(process.execPath, [main, "platform", "start", "--signature-max-age", "soon"], { encoding: "utf8" });
  assert.equal(badAge.status, 2);
  assert.match(badAge.stderr, /--signature-max-age must be an integer/);
});

test("platform start --signature-max-age off accepts a login signed long ago", async (t) => {
  const dir = tempDir(t);
  const registryPath = join(dir, "registry.json");
  const device = DeviceRegistry.load(registryPath).create({ deviceName: "device1" });
  const args = [main, "platform", "start", "--port", "0", "--registry", registryPath, "--log", join(dir, "log.jsonl"), "--signature-max-age", "off"];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const output = { text: "" };
  child.stdout!.on("data", (d: Buffer) => (output.text += d.toString()));
  const [, url] = await waitForLine(child, output, /listening on (mqtt:\/\/127\.0\.0\.1:\d+)/);
  const client = await mqtt.connectAsync(url!, { ...signMqttCredentials(device, { timestamp: Date.UTC(2024, 0, 15, 8) }), reconnectPeriod: 0 });
  await client.endAsync();
  const exited = exitOf(child);
  child.kill("SIGTERM");
  assert.equal(await exited, 0);
});

test("platform log --follow prints entries as they are appended", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "device-log.jsonl");
  const log = new DeviceLog({ file });
  const base = { clientIp: "127.0.0.1", clientPort: 50000, productKey: "a1B2c3D4e5F", deviceName: "device1", status: "ok" as const };
  log.record({ event: "online", ...base });
  const child = spawn(process.execPath, [main, "platform", "log", "--follow", "--file", file], { stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const output = { text: "" };
  child.stdout!.on("data", (d: Buffer) => (output.text += d.toString()));
  await waitForLine(child, output, /online +a1B2c3D4e5F\/device1/);
  log.record({ event: "offline", ...base, reason: "keepalive timeout" });
  log.close();
  await waitForLine(child, output, /offline +a1B2c3D4e5F\/device1 .*\(keepalive timeout\)/);
  const exited = exitOf(child);
  child.kill("SIGINT");
  assert.equal(await exited, 0);
});

test("platform start and platform log: a refused login with escape sequences in its clientId and username is printed escaped", async (t) => {
  const { logPath, device, child, output, url } = await startPlatformCli(t);

  // Retitles the window, clears the screen, then starts a forged log row.
  const hostile = "\u001b]0;pwned\u0007\u001b[2J\r\n2026-01-01 00:00:00.000 online         forged";
  const client = mqtt.connect(url!, { clientId: `x${hostile}|securemode=2,signmethod=hmacsha256|`, username: `device1${hostile}&${device.productKey}`, password: "00", reconnectPeriod: 0 });
  client.on("error", () => {});
  await waitForLine(child, output, /login-refused/);
  client.end(true);
  const exited = exitOf(child);
  child.kill("SIGTERM");
  assert.equal(await exited, 0);

  const rawControl = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
  const log = spawnSync(process.execPath, [main, "platform", "log", "--file", logPath], { encoding: "utf8" });
  assert.equal(log.status, 0, log.stderr);
  for (const [name, text] of [["platform start", output.text], ["platform log", log.stdout]] as const) {
    assert.doesNotMatch(text, rawControl, `${name} printed a raw control character`);
    assert.ok(text.includes("\\x1b]0;pwned\\a\\x1b[2J\\r\\n2026"), `${name}: ${text}`);
    assert.ok(!/\n2026-01-01 00:00:00\.000 online +forged/.test(text), `${name}: a forged row`);
  }
});

test("platform start --tls --ws: devices log in over mqtts (trusting the lab certificate) and ws", async (t) => {
  const dir = tempDir(t);
  const registryPath = join(dir, "registry.json");
  const device = DeviceRegistry.load(registryPath).create({ deviceName: "device1" });
  const args = ["platform", "start", "--port", "0", "--tls", "--tls-port", "0", "--ws", "--ws-port", "0", "--wss-port", "0", "--registry", registryPath, "--log", join(dir, "log.jsonl")];
  const child = spawn(process.execPath, [main, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, IOT_WIRE_LAB_HOME: dir } });
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const output = { text: "" };
  child.stdout!.on("data", (d: Buffer) => (output.text += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output.text += d.toString()));
  const [, tlsUrl, wsUrl] = await waitForLine(child, output, /listening on mqtt:\/\/\S+, (mqtts:\/\/127\.0\.0\.1:\d+), (ws:\/\/127\.0\.0\.1:\d+\/mqtt), wss:/, 15000);
  const [, certPath] = await waitForLine(child, output, /certificate (\S+platform-cert\.pem)/);
  assert.ok(certPath!.startsWith(dir), "the certificate is kept under the lab folder");
  const ca = readFileSync(certPath!, "utf8");
  const overTls = await mqtt.connectAsync(tlsUrl!, { ...signMqttCredentials(device, { tls: true }), ca, reconnectPeriod: 0 });
  await overTls.endAsync();
  const overWs = await mqtt.connectAsync(wsUrl!, { ...signMqttCredentials(device), reconnectPeriod: 0 });
  await overWs.endAsync();
  await waitForLine(child, output, /online[^\n]*\n[^]*offline[^\n]*\n[^]*online[^]*offline/);
  const exited = exitOf(child);
  child.kill("SIGTERM");
  assert.equal(await exited, 0);
  assert.doesNotMatch(output.text, /PRIVATE KEY/);
});
