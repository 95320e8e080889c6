// What the platform refuses before anything is kept: oversized packets, before
// and after login (issue 11, part 2).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createConnection } from "node:net";
import * as mqtt from "mqtt";
import { DeviceRegistry, signMqttCredentials } from "../lib/device";
import { waitForLog } from "./helpers/device-log";
import { startPlatform, type PlatformOptions } from "../lib/platform";
import { PacketSizeWatch } from "../lib/platform/packet-size";

async function withPlatform(t: { after(fn: () => Promise<void> | void): void }, options: Partial<PlatformOptions> = {}) {
  const registry = DeviceRegistry.inMemory();
  const device = registry.create({ deviceName: "device1", productKey: "a1B2c3D4e5F" });
  const platform = await startPlatform({ registry, ...options });
  t.after(() => platform.stop());
  return { platform, device };
}


test("PacketSizeWatch measures packets from their fixed headers, across chunk boundaries", () => {
  const watch = new PacketSizeWatch(200);
  // PINGREQ (c0 00), then a PUBLISH of 2 + 127 bytes split inside its body, then one of 2 + 3 + 200 bytes
  assert.equal(watch.feed(Uint8Array.of(0xc0, 0x00, 0x30, 0x7f, ...new Array(50).fill(0))), undefined);
  assert.equal(watch.feed(new Uint8Array(77)), undefined);
  // 0x30, Remaining Length 200 = c8 01 (§2.2.3): 203 bytes in all, split inside the length
  assert.equal(watch.feed(Uint8Array.of(0x30, 0xc8)), undefined);
  assert.equal(watch.feed(Uint8Array.of(0x01)), 203);
  // The largest Remaining Length, 268,435,455 = ff ff ff 7f
  assert.equal(new PacketSizeWatch(256 * 1024).feed(Uint8Array.of(0x10, 0xff, 0xff, 0xff, 0x7f)), 5 + 268_435_455);
  assert.equal(new PacketSizeWatch(203).feed(Uint8Array.of(0x30, 0xc8, 0x01)), undefined); // exactly the limit
});

test("a first packet that declares more than the limit is refused from its fixed header, before its body", { timeout: 10_000 }, async (t) => {
  const { platform } = await withPlatform(t);
  const socket = createConnection({ host: platform.host, port: platform.port });
  socket.on("error", () => undefined);
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const received: Buffer[] = [];
  socket.on("data", (d: Buffer) => received.push(d));
  // CONNECT with Remaining Length 268,435,455 and the first bytes of its body; the rest never comes.
  socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54]));
  await closed;
  assert.equal(Buffer.concat(received).length, 0, "no CONNACK");
  const entry = await waitForLog(platform, (e) => e.event === "login-refused");
  assert.match(entry.reason!, /packet too large: it declares 268435460 bytes, over the limit of 262144/);
});

for (const protocolVersion of [4, 5] as const) {
  test(`after login, a PUBLISH over the limit closes the connection (MQTT ${protocolVersion === 5 ? "5: DISCONNECT 0x95" : "3.1.1"})`, { timeout: 10_000 }, async (t) => {
    const { platform, device } = await withPlatform(t, { maxPacketSize: 4096 });
    const client = await mqtt.connectAsync(platform.url, { ...signMqttCredentials(device), protocolVersion, reconnectPeriod: 0 });
    // MQTT 5 devices read the limit in the CONNACK (§3.2.2.3.6); MQTT.js keeps that CONNACK privately.
    const connack = (client as unknown as { connackPacket?: { properties?: { maximumPacketSize?: number } } }).connackPacket;
    if (protocolVersion === 5) assert.equal(connack?.properties?.maximumPacketSize, 4096);
    const disconnect = new Promise<number | undefined>((resolve) => client.once("disconnect", (p) => resolve(p.reasonCode)));
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    const topic = `/${device.productKey}/${device.deviceName}/user/update`;
    await client.publishAsync(topic, Buffer.alloc(1000), { qos: 1 }); // under the limit: fine (PUBACK)
    client.publish(topic, Buffer.alloc(5000), { qos: 0 });
    await closed;
    if (protocolVersion === 5) assert.equal(await disconnect, 0x95);
    const offline = await waitForLog(platform, (e) => e.event === "offline");
    assert.match(offline.reason!, /packet too large: it declares 50\d\d bytes, over the limit of 4096/);
    assert.equal(platform.deviceLog.entries.filter((e) => e.event === "upstream").length, 1);
    client.end(true);
  });
}

test("maxPacketSize must be a sensible number", async () => {
  await assert.rejects(startPlatform({ registry: [], maxPacketSize: 10 }), /maxPacketSize must be a whole number of bytes, at least 64/);
});

// [what, signing options, accepted]
const signatureAges: [string, (now: number) => { timestamp: number | null }, boolean][] = [
  ["signed a minute ago", (now) => ({ timestamp: now - 60_000 }), true],
  ["signed 14 minutes ahead (a fast device clock)", (now) => ({ timestamp: now + 14 * 60_000 }), true],
  ["signed 16 minutes ago", (now) => ({ timestamp: now - 16 * 60_000 }), false],
  ["signed a day ahead", (now) => ({ timestamp: now + 86_400_000 }), false],
  ["without a timestamp", () => ({ timestamp: null }), false],
];

for (const [what, signing, accepted] of signatureAges) {
  test(`a login ${what} is ${accepted ? "accepted" : "refused with CONNACK 4 (MQTT 5: 0x86)"} under the default 15-minute window`, async (t) => {
    const now = Date.UTC(2026, 0, 1, 12);
    const { platform, device } = await withPlatform(t, { clock: () => now });
    for (const protocolVersion of [4, 5] as const) {
      const credentials = signMqttCredentials(device, signing(now));
      try {
        const client = await mqtt.connectAsync(platform.url, { ...credentials, protocolVersion, reconnectPeriod: 0 });
        await client.endAsync();
        assert.ok(accepted, "the login was accepted");
      } catch (error) {
        assert.ok(!accepted, (error as Error).message);
        assert.equal((error as { code: number }).code, protocolVersion === 5 ? 0x86 : 4);
      }
    }
    if (!accepted) {
      const refusals = platform.deviceLog.entries.filter((e) => e.event === "login-refused");
      assert.equal(refusals.length, 2);
      for (const entry of refusals) assert.match(entry.reason!, /timestamp\.age: (signed at .* (ago|ahead of the platform's clock)|the clientId carries no timestamp); the platform accepts a signature whose timestamp is within 15 min/);
    }
  });
}

test("the signature window is configurable, and off for devices on a fixed clock", async (t) => {
  const old = { timestamp: Date.UTC(2024, 0, 15, 8) };
  const off = await withPlatform(t, { signatureMaxAgeMs: false });
  const client = await mqtt.connectAsync(off.platform.url, { ...signMqttCredentials(off.device, old), reconnectPeriod: 0 });
  await client.endAsync();
  const narrow = await withPlatform(t, { signatureMaxAgeMs: 1000 });
  await assert.rejects(mqtt.connectAsync(narrow.platform.url, { ...signMqttCredentials(narrow.device, { timestamp: Date.now() - 5000 }), reconnectPeriod: 0 }), /Bad username or password/i);
  await assert.rejects(startPlatform({ registry: [], signatureMaxAgeMs: -1 }), /signatureMaxAgeMs must be a positive number/);
});

test("publishToDevice refuses a message over the maximum packet size", async (t) => {
  const { platform, device } = await withPlatform(t, { maxPacketSize: 1024 });
  const topic = `/${device.productKey}/${device.deviceName}/user/get`;
  await assert.rejects(platform.publishToDevice(device, topic, Buffer.alloc(1024)), /over the platform's maximum packet size of 1024 bytes/);
  assert.equal((await platform.publishToDevice(device, topic, Buffer.alloc(900))).delivered, false); // accepted, the device is offline
});
