// `iot-wire-lab simulate`, run as a user would, and the simulator's error messages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
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
