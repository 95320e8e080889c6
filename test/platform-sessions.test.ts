// Sessions belong to devices: a device that signs with its own secret but
// sends another device's clientId must not reach that device's session, its
// queued messages or its connection (issue 11, part 1).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as mqtt from "mqtt";
import { DeviceRegistry, signMqttCredentials, type Device, type MqttCredentials } from "../lib/device";
import { waitForLog } from "./helpers/device-log";
import { startPlatform, type Platform } from "../lib/platform";

function login(platform: Platform, credentials: MqttCredentials, clean: boolean): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(platform.url, { ...credentials, clean, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000 });
}

function sessionPresent(client: mqtt.MqttClient): Promise<boolean> {
  return new Promise((resolve) => {
    client.on("packetreceive", (p) => {
      if (p.cmd === "connack") resolve(p.sessionPresent);
    });
  });
}


const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a device that sends another device's clientId gets neither its session nor its messages, and does not kick it", async (t) => {
  const registry = DeviceRegistry.inMemory();
  const victim: Device = registry.create({ deviceName: "victim1", productKey: "a1B2c3D4e5F" });
  const attacker: Device = registry.create({ deviceName: "attacker1", productKey: "a1B2c3D4e5F" });
  const platform = await startPlatform({ registry });
  t.after(() => platform.stop());
  const getTopic = `/${victim.productKey}/${victim.deviceName}/user/get`;

  // The victim keeps a session (clean=false) with a QoS 1 subscription.
  const timestamp = Date.now();
  const victimLogin = signMqttCredentials(victim, { timestamp });
  const victimClient = await login(platform, victimLogin, false);
  await victimClient.subscribeAsync(getTopic, { qos: 1 });
  let victimClosed = false;
  victimClient.on("close", () => (victimClosed = true));

  // The attacker signs with its own secret, but with the victim's clientId (the very same string).
  const forged = signMqttCredentials(attacker, { clientId: `${victim.productKey}.${victim.deviceName}`, timestamp });
  assert.equal(forged.clientId, victimLogin.clientId);
  const stolen: string[] = [];
  const collect = (client: mqtt.MqttClient) => client.on("message", (topic, payload) => stolen.push(`${topic} ${payload.toString()}`));

  const online = await login(platform, forged, false);
  collect(online);
  await platform.publishToDevice(victim, getTopic, "while both online", { qos: 1 });
  await settle(300);
  assert.equal(victimClosed, false, "the victim stays online");
  assert.deepEqual(platform.online().map((d) => d.deviceName).sort(), ["attacker1", "victim1"]);
  await online.endAsync();

  // The victim goes offline; a QoS 1 message waits in its session.
  await victimClient.endAsync();
  await waitForLog(platform, (e) => e.event === "offline" && e.deviceName === victim.deviceName);
  await platform.publishToDevice(victim, getTopic, "queued", { qos: 1 });

  // clean=false: the attacker must not be handed the victim's session or queue.
  const resumed = mqtt.connect(platform.url, { ...forged, clean: false, protocolVersion: 4, reconnectPeriod: 0 });
  const resumedPresent = sessionPresent(resumed);
  collect(resumed);
  assert.equal(await resumedPresent, false);
  await settle(300);
  await resumed.endAsync();
  // clean=true: the attacker must not wipe the victim's session.
  const wiper = await login(platform, forged, true);
  collect(wiper);
  await wiper.endAsync();
  assert.deepEqual(stolen, []);

  // The victim comes back and finds its session and its queued message.
  const back = mqtt.connect(platform.url, { ...victimLogin, clean: false, protocolVersion: 4, reconnectPeriod: 0 });
  const backPresent = sessionPresent(back);
  const received = new Promise<string>((resolve) => back.once("message", (_topic, payload) => resolve(payload.toString())));
  assert.equal(await backPresent, true);
  assert.equal(await received, "queued");
  await back.endAsync();

  // The device log still shows each device's clientId as it sent it.
  const onlines = platform.deviceLog.entries.filter((e) => e.event === "online");
  assert.ok(onlines.every((e) => e.clientId === `${victim.productKey}.${victim.deviceName}`));
});
