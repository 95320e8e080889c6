// Real captures for the behaviour checks: one Mosquitto, one tcpdump, and
// every misbehaviour at once — the simulator's faulty devices (silent past
// the keep-alive, no back-off, a twin with the same clientId, a resend
// without DUP) and MQTT.js clients for a Will and a retained message. The
// findings must name each fault, for the right clientId.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as mqtt from "mqtt";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { checkBehaviour, type Finding } from "../../lib/behaviour";
import { capabilities, withCapture } from "../../lib/live/index";
import { DeviceRegistry } from "../../lib/device/registry";
import { runSimulation, type SimulationSummary } from "../../lib/simulator/simulation";
import { startMosquitto } from "../helpers/mosquitto";
import { inCI, needTool } from "../helpers/tools";

function connected(client: mqtt.MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
  });
}

/** A Will: a watcher subscribes, a client registers a Will and drops its socket; Mosquitto publishes the Will. */
async function willScenario(url: string): Promise<void> {
  const watcher = mqtt.connect(url, { clientId: "will-watcher", reconnectPeriod: 0 });
  await connected(watcher);
  await watcher.subscribeAsync("lab/status/#", { qos: 0 });
  const received = new Promise<void>((resolve) => watcher.once("message", () => resolve()));
  const dropper = mqtt.connect(url, { clientId: "will-device", reconnectPeriod: 0, will: { topic: "lab/status/will-device", payload: Buffer.from("offline"), qos: 0, retain: false } });
  await connected(dropper);
  dropper.stream.destroy();
  dropper.end(true);
  await Promise.race([received, new Promise((r) => setTimeout(r, 3000))]);
  await watcher.endAsync();
}

/** A retained message set, and the retained copy a later subscriber gets. */
async function retainedScenario(url: string): Promise<void> {
  const setter = mqtt.connect(url, { clientId: "retain-setter", reconnectPeriod: 0 });
  await connected(setter);
  await setter.publishAsync("lab/config", "v1", { qos: 1, retain: true });
  await setter.endAsync();
  const reader = mqtt.connect(url, { clientId: "retain-reader", reconnectPeriod: 0 });
  await connected(reader);
  const got = new Promise<void>((resolve) => reader.once("message", () => resolve()));
  await reader.subscribeAsync("lab/config", { qos: 0 });
  await Promise.race([got, new Promise((r) => setTimeout(r, 2000))]);
  await reader.endAsync();
}

test("a Mosquitto capture of misbehaving devices: keep-alive, back-off, takeover, resend, Will and retained are each found", async (t) => {
  const binary = needTool(t, "mosquitto");
  if (!binary || !needTool(t, "tcpdump")) return;
  const caps = capabilities();
  if (!caps.live.possible || caps.live.via === "rootless-namespace") {
    if (inCI) assert.fail(`no capture rights: ${caps.live.reason}`);
    return t.skip(`no capture rights here (${caps.live.reason})`);
  }
  const dir = mkdtempSync(join(tmpdir(), "iwl-behaviour-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const broker = await startMosquitto(binary);
  t.after(() => broker.stop());
  const registry = DeviceRegistry.inMemory();
  const simulate = (device: string, extra: Parameters<typeof runSimulation>[0]) => runSimulation({ broker: broker.url, registry, device, speed: 20, seed: 3, ...extra });
  const { value: runs, capture } = await withCapture({ port: broker.port, tool: "tcpdump", file: join(dir, "misbehaving.pcap") }, async () => {
    const all = await Promise.all([
      simulate("silent01", { keepalive: 1, keepaliveViolation: true }),
      simulate("looper01", { noBackoff: true }),
      simulate("twin0001", { duplicateClientId: true }),
      simulate("resend01", { resendWithoutDup: true, qos: 1 }),
      willScenario(broker.url).then(() => undefined),
      retainedScenario(broker.url).then(() => undefined),
    ]);
    return all.filter((r): r is SimulationSummary => r !== undefined);
  });
  for (const run of runs) assert.equal(run.devices[0]!.ok, true, run.devices[0]!.error);
  const analysis = await analyzeCapture(capture.file);
  const findings = checkBehaviour(analysis);
  const clientOf = (name: string) => runs.find((r) => r.devices[0]!.device.deviceName === name)!.devices[0]!.clientId;
  const of = (code: string, clientId: string): Finding[] => findings.filter((f) => f.code === code && f.clientId === clientId);
  const describe = () => `${capture.file}: ${JSON.stringify(findings.map((f) => [f.code, f.severity, f.clientId]))}`;

  const silent = clientOf("silent01");
  assert.equal(of("mqtt.keepalive_exceeded", silent)[0]?.severity, "fail", describe());
  assert.equal(of("mqtt.keepalive_timeout_close", silent).length, 1, describe());
  assert.equal(of("mqtt.reconnect_backoff", clientOf("looper01"))[0]?.severity, "fail", describe());
  const takeovers = of("mqtt.session_takeover", clientOf("twin0001"));
  assert.equal(takeovers.length, 2, describe());
  assert.equal(takeovers[1]!.severity, "fail");
  const resend = of("mqtt.qos_resend", clientOf("resend01"));
  assert.equal(resend[0]?.severity, "fail", describe());
  assert.match(resend[0]!.filter, /mqtt\.msgtype == 3 && mqtt\.msgid == \d+$/);
  assert.equal(of("mqtt.will_published", "will-device")[0]?.severity, "info", describe());
  const retained = findings.filter((f) => f.code === "mqtt.retained" && f.data?.topic === "lab/config");
  assert.equal(retained.length, 1, describe());
  assert.match(retained[0]!.message, /delivered as retained/);
  // The well-behaved clients of the capture draw no failure.
  assert.deepEqual(findings.filter((f) => f.severity === "fail" && [clientOf("resend01"), "will-watcher", "retain-setter", "retain-reader"].includes(f.clientId ?? "") && f.code !== "mqtt.qos_resend"), []);
});
