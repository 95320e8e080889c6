// The behaviour checks on the project's own recorded captures: the platform's
// tutorial device keeps every rule, and so do the other well-behaved fixtures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { checkBehaviour } from "../../lib/behaviour";

const captures = join(__dirname, "..", "..", "..", "data", "captures");

test("the tutorial capture passes cleanly: no fail or warn, in the mqtt profile", async () => {
  const findings = checkBehaviour(await analyzeCapture(join(captures, "tutorial.pcapng")));
  assert.deepEqual(findings.filter((f) => f.severity !== "info"), []);
});

test("the tutorial capture in the aliyun profile: only the plain-TCP warning (the embedded platform listens without TLS)", async () => {
  const findings = checkBehaviour(await analyzeCapture(join(captures, "tutorial.pcapng")), { profile: "aliyun" });
  assert.deepEqual(
    findings.filter((f) => f.severity !== "info").map((f) => `${f.code}:${f.severity}`),
    ["aliyun.unencrypted_tcp:warn"],
  );
});

for (const name of ["tutorial-mqtt5.pcapng", "keepalive-ping.pcapng", "qos0-1-2.pcapng", "fleet-5.pcapng"]) {
  test(`${name}: no failures`, async () => {
    const findings = checkBehaviour(await analyzeCapture(join(captures, name)));
    assert.deepEqual(findings.filter((f) => f.severity === "fail"), []);
  });
}

test("misbehaving.pcapng (the simulator's faulty devices on the platform): each fault is a failure of its own device", async () => {
  const findings = checkBehaviour(await analyzeCapture(join(captures, "misbehaving.pcapng")));
  const failed = (code: string) => findings.filter((f) => f.code === code && f.severity === "fail").map((f) => f.clientId?.split("|")[0]);
  assert.deepEqual(failed("mqtt.keepalive_exceeded"), ["a1WireLabDm.demo-device"]);
  assert.deepEqual(failed("mqtt.keepalive_timeout_close"), ["a1WireLabDm.demo-device"]);
  assert.deepEqual(failed("mqtt.reconnect_backoff"), ["a1WireLabDm.other-device"]);
  assert.deepEqual(failed("mqtt.session_takeover"), ["a1WireLabDm.fleet-0001"]);
  assert.deepEqual(failed("mqtt.qos_resend"), ["a1WireLabDm.fleet-0002"]);
});
