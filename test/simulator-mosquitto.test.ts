// The simulator against Debian's Mosquitto: any broker accepts the signed
// credentials, so the same program runs there (QoS 2 included).
import { test } from "node:test";
import assert from "node:assert/strict";
import { DeviceRegistry, deviceTopics } from "../lib/device";
import { runSimulation, type SimulatorEvent } from "../lib/simulator";
import { needTool } from "./helpers/tools";
import { startMosquitto } from "./helpers/mosquitto";

for (const [protocolVersion, qos] of [
  [4, 1],
  [5, 2],
] as const) {
  test(`the tutorial program against mosquitto (MQTT ${protocolVersion === 5 ? "5" : "3.1.1"}, QoS ${qos})`, async (t) => {
    const binary = needTool(t, "mosquitto");
    if (!binary) return;
    const broker = await startMosquitto(binary);
    t.after(() => broker.stop());
    const registry = DeviceRegistry.inMemory();
    const summary = await runSimulation({ broker: broker.url, registry, speed: 10, protocolVersion, qos, seed: 11 });
    assert.equal(summary.broker.embedded, false);
    assert.equal(summary.deviceLog, undefined);
    assert.deepEqual(
      summary.events.map((e) => e.type),
      ["connected", "subscribed", "published", "acked", "closed"],
    );
    const device = summary.devices[0]!.device;
    const subscribed = summary.events[1] as Extract<SimulatorEvent, { type: "subscribed" }>;
    assert.equal(subscribed.topic, deviceTopics(device).userGet);
    assert.equal(subscribed.granted, qos); // mosquitto grants what is asked
    const published = summary.events[2] as Extract<SimulatorEvent, { type: "published" }>;
    assert.equal(published.qos, qos);
    assert.equal((summary.events[3] as Extract<SimulatorEvent, { type: "acked" }>).messageId, published.messageId);
    assert.ok(summary.devices[0]!.clientId.includes("|securemode=3,signmethod=hmacsha1,timestamp="));
  });
}

test("a fleet of 5 against mosquitto", async (t) => {
  const binary = needTool(t, "mosquitto");
  if (!binary) return;
  const broker = await startMosquitto(binary);
  t.after(() => broker.stop());
  const summary = await runSimulation({ broker: broker.url, registry: DeviceRegistry.inMemory(), speed: 20, fleet: 5 });
  assert.equal(summary.devices.length, 5);
  assert.ok(summary.devices.every((d) => d.ok && d.published === 1 && d.acked === 1));
});
