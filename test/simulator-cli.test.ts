// `iot-wire-lab simulate`, run as a user would, and the simulator's error messages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeConnectError } from "../lib/simulator";

const main = join(__dirname, "..", "lib", "cli", "main.js");

function simulateCli(home: string, ...args: string[]) {
  return spawnSync(process.execPath, [main, "simulate", ...args], { encoding: "utf8", env: { ...process.env, IOT_WIRE_LAB_HOME: home }, timeout: 20000 });
}

test("simulate prints the events as they happen, then a summary", (t) => {
  const home = mkdtempSync(join(tmpdir(), "iwl-simulate-cli-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const out = simulateCli(home, "--speed", "20", "--seed", "7", "--mqtt-version", "5");
  assert.equal(out.status, 0, out.stderr);
  const lines = out.stdout.trim().split("\n");
  assert.deepEqual(
    lines.slice(0, 5).map((l) => l.trim().split(/\s+/)[2]),
    ["connected", "subscribed", "published", "acked", "closed"],
  );
  assert.match(lines[0]!, /connected \(MQTT 5, sessionPresent=false\)/);
  assert.match(lines[5]!, /^broker mqtt:\/\/127\.0\.0\.1:\d+ \(embedded platform\), seed 7, /);
  assert.match(lines[6]!, /\/device1: ok, published 1, acked 1, received 0, mean ack/);

  // the device was made in the registry, and a re-run reuses it
  const again = simulateCli(home, "--speed", "20", "--json");
  assert.equal(again.status, 0, again.stderr);
  const events = again.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const summary = events.at(-1).summary;
  assert.equal(summary.devices[0].device.deviceName, "device1");
  assert.equal(summary.devices[0].device.productKey, lines[0]!.match(/(a1\w{9})\/device1/)![1]);
  assert.ok(!again.stdout.includes("password"));
});

test("simulate: a refused or unreachable broker is one line and exit code 1; bad options exit 2", (t) => {
  const home = mkdtempSync(join(tmpdir(), "iwl-simulate-cli-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const refused = simulateCli(home, "--speed", "20", "--keepalive", "5");
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /^iot-wire-lab simulate: login refused by mqtt:\/\/127\.0\.0\.1:\d+: CONNACK return code 2 \(identifier rejected\)\n$/);
  for (const args of [["--qos", "3"], ["--mqtt-version", "4.0"], ["--broker", "http://x"], ["--speed", "0"], ["--cloud", "Shanghai"]]) {
    const out = simulateCli(home, ...args);
    assert.equal(out.status, 2, `${args.join(" ")}: ${out.stderr}`);
    assert.equal(out.stderr.trim().split("\n").length, 1);
  }
});

test("connection errors read as one clear sentence", () => {
  const err = (code: string | number, message = "x") => Object.assign(new Error(message), { code });
  assert.equal(describeConnectError(err("ENOTFOUND"), "mqtts://a1B2c3D4e5F.iot-as-mqtt.cn-shanghai.aliyuncs.com:1883", 4).message, "cannot resolve a1B2c3D4e5F.iot-as-mqtt.cn-shanghai.aliyuncs.com: DNS lookup failed (ENOTFOUND)");
  assert.equal(describeConnectError(err("ECONNREFUSED"), "mqtt://127.0.0.1:1", 4).message, "cannot connect to mqtt://127.0.0.1:1: connection refused (is the broker running?)");
  assert.equal(describeConnectError(err(4), "mqtt://h:1", 4).message, "login refused by mqtt://h:1: CONNACK return code 4 (bad user name or password)");
  assert.equal(describeConnectError(err(0x86), "mqtt://h:1", 5).message, "login refused by mqtt://h:1: CONNACK reason code 0x86 (Bad User Name or Password)");
});

test("simulate --no-backoff --duplicate-client-id --resend-without-dup: the faults run against the embedded platform and the run still succeeds", (t) => {
  const home = mkdtempSync(join(tmpdir(), "iwl-simulate-cli-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const out = simulateCli(home, "--speed", "20", "--seed", "7", "--no-backoff", "--duplicate-client-id", "--resend-without-dup");
  assert.equal(out.status, 0, out.stderr);
  assert.equal((out.stdout.match(/dropped without DISCONNECT; retrying in 0\.05 s, no back-off/g) ?? []).length, 3);
  assert.match(out.stdout, /taken over by a twin with the same clientId/);
  // One reading, sent twice: published once by the program, acknowledged once.
  assert.match(out.stdout, /\/device1: ok, published 1, acked 1/);
  assert.match(simulateCli(home, "--help").stdout, /--keepalive-violation/);
});

test("simulate --tls --keylog: the device trusts the lab certificate, logs in with securemode=2 and writes a 0600 NSS key log it never prints", (t) => {
  const home = mkdtempSync(join(tmpdir(), "iwl-simulate-tls-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const keylog = join(home, "keys.log");
  const out = simulateCli(home, "--tls", "--keylog", keylog, "--speed", "20", "--json");
  assert.equal(out.status, 0, out.stderr);
  const summary = out.stdout.trim().split("\n").map((l) => JSON.parse(l)).at(-1).summary;
  assert.match(summary.broker.url, /^mqtts:\/\/127\.0\.0\.1:\d+$/);
  assert.match(summary.devices[0].clientId, /\|securemode=2,/);
  assert.equal(summary.devices[0].acked, 1);
  assert.equal(statSync(keylog).mode & 0o777, 0o600);
  const lines = readFileSync(keylog, "utf8").trim().split("\n");
  const labels = new Set(lines.map((l) => l.split(" ")[0]));
  for (const label of ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"]) assert.ok(labels.has(label), `the key log has ${label}`);
  for (const line of lines) {
    assert.match(line, /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64,96}$/);
    assert.ok(!out.stdout.includes(line.split(" ")[2]!), "a secret was printed");
  }
});

test("simulate --transport ws runs the device program over WebSocket; --broker ws:// is accepted", (t) => {
  const home = mkdtempSync(join(tmpdir(), "iwl-simulate-ws-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const out = simulateCli(home, "--transport", "ws", "--speed", "20");
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /^broker ws:\/\/127\.0\.0\.1:\d+\/mqtt \(embedded platform\)/m);
  assert.match(out.stdout, /\/device1: ok, published 1, acked 1/);
  const bad = simulateCli(home, "--transport", "quic");
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--transport must be tcp or ws/);
  const unreachable = simulateCli(home, "--broker", "ws://127.0.0.1:1/mqtt", "--speed", "20");
  assert.equal(unreachable.status, 1);
  assert.match(unreachable.stderr, /ws:\/\/127\.0\.0\.1:1\/mqtt/);
});
