// Authorization, QoS, downstream messages, status notices and the thing-model
// reply of the embedded platform, with MQTT.js clients.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as mqtt from "mqtt";
import type { Packet } from "mqtt-packet";
import { DeviceRegistry, deviceTopics, signMqttCredentials, type Device } from "../lib/device";
import { waitForLog } from "./helpers/device-log";
import { readDeviceLog, startPlatform, PlatformError, type DeviceLogEntry, type Platform, type PlatformMessage, type PlatformOptions } from "../lib/platform";

async function withPlatform(t: { after(fn: () => Promise<void> | void): void }, options: Partial<PlatformOptions> = {}) {
  const registry = DeviceRegistry.inMemory();
  const device = registry.create({ deviceName: "device1", productKey: "a1B2c3D4e5F" });
  const other = registry.create({ deviceName: "device2", productKey: "a1B2c3D4e5F" });
  const platform = await startPlatform({ registry, ...options });
  t.after(() => platform.stop());
  return { platform, registry, device, other };
}

async function connect(t: { after(fn: () => Promise<void> | void): void }, platform: Platform, device: Device, protocolVersion: 4 | 5 = 4) {
  const client = await mqtt.connectAsync(platform.url, { ...signMqttCredentials(device), protocolVersion, reconnectPeriod: 0 });
  const received: Packet[] = [];
  client.on("packetreceive", (p) => received.push(p));
  t.after(() => {
    client.end(true);
  });
  return { client, received };
}

function nextMessage(client: mqtt.MqttClient): Promise<[string, Buffer]> {
  return new Promise((resolve) => client.once("message", (topic, payload) => resolve([topic, payload])));
}

function closeOf(client: mqtt.MqttClient): Promise<void> {
  return new Promise((resolve) => client.once("close", () => resolve()));
}


/** The granted codes of the SUBACK answering a SUBSCRIBE of `filters`. */
async function subackCodes(client: mqtt.MqttClient, received: Packet[], filters: string[], qos: 0 | 1 | 2 = 1): Promise<number[]> {
  await client.subscribeAsync(filters, { qos }).catch(() => undefined); // MQTT.js rejects on a failure code
  const suback = received.filter((p) => p.cmd === "suback").at(-1);
  assert.ok(suback && suback.cmd === "suback");
  return suback.granted as number[];
}

for (const version of [4, 5] as const) {
  test(`a forbidden subscription gets SUBACK ${version === 5 ? "0x87" : "0x80"} and the connection stays (MQTT ${version === 5 ? 5 : "3.1.1"})`, async (t) => {
    const { platform, device, other } = await withPlatform(t);
    const { client, received } = await connect(t, platform, device, version);
    const mine = deviceTopics(device);
    const codes = await subackCodes(client, received, [mine.userGet, deviceTopics(other).userGet, "#", `/${device.productKey}/+/user/get`]);
    const failure = version === 5 ? 0x87 : 0x80;
    assert.deepEqual(codes, [1, failure, failure, failure]);
    assert.equal(client.connected, true);
    const subscribes = platform.deviceLog.entries.filter((e) => e.event === "subscribe");
    assert.deepEqual(
      subscribes.map((e) => [e.topic, e.status, e.returnCode]),
      [
        [mine.userGet, "ok", 1],
        [deviceTopics(other).userGet, "forbidden", failure],
        ["#", "forbidden", failure],
        [`/${device.productKey}/+/user/get`, "forbidden", failure],
      ],
    );
    // unsubscribing is logged too
    await client.unsubscribeAsync(mine.userGet);
    const unsub = await waitForLog(platform, (e) => e.event === "unsubscribe");
    assert.equal(unsub.topic, mine.userGet);
  });

  test(`a forbidden publish closes the connection (MQTT ${version === 5 ? "5: DISCONNECT 0x87 first" : "3.1.1"})`, async (t) => {
    const { platform, device, other } = await withPlatform(t);
    const { client } = await connect(t, platform, device, version);
    const disconnect = new Promise<number | undefined>((resolve) => client.once("disconnect", (p) => resolve(p.reasonCode)));
    const closed = closeOf(client);
    client.publish(deviceTopics(other).userUpdate, "{}", { qos: 1 });
    await closed;
    if (version === 5) assert.equal(await disconnect, 0x87);
    const upstream = await waitForLog(platform, (e) => e.event === "upstream");
    assert.equal(upstream.status, "forbidden");
    assert.equal(upstream.topic, deviceTopics(other).userUpdate);
    assert.equal(typeof upstream.messageId, "number");
    const offline = await waitForLog(platform, (e) => e.event === "offline");
    assert.equal(offline.reason, `forbidden topic ${deviceTopics(other).userUpdate}`);
  });
}

test("QoS 2 is not supported: a QoS 2 publish closes the connection, a QoS 2 subscription gets QoS 1", async (t) => {
  const { platform, device } = await withPlatform(t);
  const { client, received } = await connect(t, platform, device, 5);
  assert.deepEqual(await subackCodes(client, received, [deviceTopics(device).userGet], 2), [1]);
  const disconnect = new Promise<number | undefined>((resolve) => client.once("disconnect", (p) => resolve(p.reasonCode)));
  client.publish(deviceTopics(device).userUpdate, "{}", { qos: 2 });
  assert.equal(await disconnect, 0x9b);
  const upstream = await waitForLog(platform, (e) => e.event === "upstream");
  assert.equal(upstream.status, "failed");
  assert.match(upstream.reason!, /QoS 2 is not supported/);
});

test("with maxQos 2 the platform completes QoS 2 exchanges", async (t) => {
  const { platform, device } = await withPlatform(t, { maxQos: 2 });
  const { client, received } = await connect(t, platform, device, 4);
  assert.deepEqual(await subackCodes(client, received, [deviceTopics(device).userGet], 2), [2]);
  await client.publishAsync(deviceTopics(device).userUpdate, "{}", { qos: 2 });
  assert.ok(received.some((p) => p.cmd === "pubcomp"));
  assert.equal((await waitForLog(platform, (e) => e.event === "upstream")).qos, 2);
});

test("publishToDevice delivers on the device's topic and logs the downstream message", async (t) => {
  const { platform, device, other } = await withPlatform(t);
  assert.deepEqual(await platform.publishToDevice(device, deviceTopics(device).userGet, "x"), { delivered: false, reason: "the device is offline" });
  const { client } = await connect(t, platform, device, 4);
  assert.deepEqual(await platform.publishToDevice(device, deviceTopics(device).userGet, "x"), { delivered: false, reason: "the device has not subscribed to the topic" });
  await client.subscribeAsync(`/${device.productKey}/${device.deviceName}/user/#`, { qos: 1 });
  const message = nextMessage(client);
  assert.deepEqual(await platform.publishToDevice(device, deviceTopics(device).userGet, { switch: 1 }, { qos: 1 }), { delivered: true });
  const [topic, payload] = await message;
  assert.equal(topic, deviceTopics(device).userGet);
  assert.equal(payload.toString(), '{"switch":1}');
  const downstream = await waitForLog(platform, (e) => e.event === "downstream" && e.status === "ok");
  assert.equal(downstream.qos, 1);
  assert.equal(typeof downstream.messageId, "number");
  assert.equal(downstream.payloadSize, 12);
  const failed = platform.deviceLog.entries.filter((e) => e.event === "downstream" && e.status === "failed");
  assert.deepEqual(failed.map((e) => e.reason), ["the device is offline", "the device has not subscribed to the topic"]);
  await assert.rejects(platform.publishToDevice(device, deviceTopics(other).userGet, "x"), PlatformError);
  await assert.rejects(platform.publishToDevice(device, deviceTopics(device).userGet, "x", { qos: 2 }), /QoS 2 is not supported/);
});

test("online and offline notices are published on /as/mqtt/status/pk/dn", async (t) => {
  const { platform, device } = await withPlatform(t);
  const notices: PlatformMessage[] = [];
  const unsubscribe = await platform.subscribe("/as/mqtt/status/#", (m) => notices.push(m));
  const { client } = await connect(t, platform, device, 4);
  await client.publishAsync(deviceTopics(device).userUpdate, "{}", { qos: 1 });
  await client.endAsync();
  await waitForLog(platform, (e) => e.event === "offline");
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(notices.map((n) => n.topic), [deviceTopics(device).status, deviceTopics(device).status]);
  const [online, offline] = notices.map((n) => JSON.parse(n.payload.toString()));
  assert.equal(online.status, "online");
  assert.equal(offline.status, "offline");
  for (const notice of [online, offline]) {
    assert.equal(notice.productKey, device.productKey);
    assert.equal(notice.deviceName, device.deviceName);
    assert.equal(notice.clientIp, "127.0.0.1");
    assert.match(notice.time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    assert.match(notice.utcTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Date.parse(notice.utcLastTime) <= Date.parse(notice.utcTime));
  }
  // the offline notice's lastTime is the device's last packet, after it went online
  assert.ok(Date.parse(offline.utcLastTime) >= Date.parse(online.utcTime));
  await unsubscribe();
  // a device may not subscribe to its own status topic (server-side only)
  const { client: again, received } = await connect(t, platform, device, 4);
  assert.deepEqual(await subackCodes(again, received, [deviceTopics(device).status]), [0x80]);
});

test("a property post with an id is answered on its _reply topic", async (t) => {
  const { platform, device } = await withPlatform(t);
  const { client } = await connect(t, platform, device, 4);
  const topics = deviceTopics(device);
  await client.subscribeAsync(topics.propertyPostReply, { qos: 0 });
  const reply = nextMessage(client);
  await client.publishAsync(topics.propertyPost, JSON.stringify({ id: "123", version: "1.0", params: { temperature: 21 }, method: "thing.event.property.post" }), { qos: 1 });
  const [topic, payload] = await reply;
  assert.equal(topic, topics.propertyPostReply);
  assert.equal(payload.toString(), '{"code":200,"data":{},"id":"123","message":"success","method":"thing.event.property.post","version":"1.0"}');
});

test("the device log is an array, an emitter and a JSON-lines file with the same entries", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "iwl-devlog-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "logs", "device-log.jsonl");
  const { platform, device } = await withPlatform(t, { deviceLog: file });
  const emitted: DeviceLogEntry[] = [];
  platform.on("log", (e) => emitted.push(e));
  const { client } = await connect(t, platform, device, 4);
  await client.subscribeAsync(deviceTopics(device).userGet, { qos: 1 });
  await client.publishAsync(deviceTopics(device).userUpdate, '{"temperature":21,"humidity":15}', { qos: 1 });
  await client.endAsync();
  await waitForLog(platform, (e) => e.event === "offline");
  await platform.stop();

  const entries = platform.deviceLog.entries;
  assert.deepEqual(
    entries.map((e) => e.event),
    ["online", "subscribe", "upstream", "offline"],
  );
  assert.deepEqual(emitted, entries);
  const fromFile = readDeviceLog(file);
  assert.deepEqual(fromFile.issues, []);
  assert.deepEqual(fromFile.entries, entries);
  const upstream = entries[2]!;
  assert.equal(upstream.topic, deviceTopics(device).userUpdate);
  assert.equal(upstream.payloadSize, 32);
  assert.equal(upstream.qos, 1);
  assert.equal(typeof upstream.messageId, "number");
  for (const [i, e] of entries.entries()) {
    assert.equal(e.seq, i + 1);
    assert.equal(e.productKey, device.productKey);
    assert.equal(e.deviceName, device.deviceName);
    assert.equal(e.clientId, `${device.productKey}.${device.deviceName}`);
    assert.equal(e.clientIp, "127.0.0.1");
    assert.equal(new Date(e.timeMs).toISOString(), e.time);
  }
});
